package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

func (r *run) injectFault(ctx context.Context, a script.Inject) error {
	f, err := buildFault(a)
	if err != nil {
		return err
	}
	in, err := r.c.Inject(ctx, f, r.target(a.Target))
	if err != nil {
		return err
	}
	ref := a.As
	if ref == "" {
		ref = a.Kind
	}
	r.mu.Lock()
	r.injections = append(r.injections, namedInjection{ref: ref, in: in})
	r.mu.Unlock()
	if a.For > 0 {
		r.bg.Add(1)
		go func() {
			defer r.bg.Done()
			t := time.NewTimer(a.For)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.bgCtx.Done():
				return
			}
			hctx, cancel := context.WithTimeout(r.bgCtx, r.bound(30*time.Second))
			defer cancel()
			r.healOne(hctx, in)
		}()
	}
	return nil
}

func (r *run) lifecycle(ctx context.Context, a script.Lifecycle) error {
	switch a.Op {
	case script.OpCrash, script.OpStop:
		return r.injectFault(ctx, script.Inject{Kind: string(a.Op), Target: a.Target})
	case script.OpRestart:
		// Restart what a crash or stop step took down; anything else down
		// is restarted directly.
		var ms []*harness.Member
		if a.Target.Kind == script.TargetMember {
			m, err := r.c.Member(fmt.Sprintf("m%d", a.Target.Index))
			if err != nil {
				return err
			}
			ms = []*harness.Member{m}
		} else {
			for _, m := range r.c.Members() {
				if !m.Running() {
					ms = append(ms, m)
				}
			}
		}
		for _, m := range ms {
			if m.Running() {
				return fmt.Errorf("restart %s: it is running", m.Name())
			}
			healed := false
			for _, ni := range r.activeInjections() {
				if (ni.ref == "crash" || ni.ref == "stop") && len(ni.in.Members) == 1 && ni.in.Members[0] == m {
					if err := r.healOne(ctx, ni.in); err != nil {
						return err
					}
					healed = true
				}
			}
			if !healed {
				if err := m.Restart(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unknown lifecycle op %q", a.Op)
}

func (r *run) activeInjections() []namedInjection {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []namedInjection
	for _, ni := range r.injections {
		if !ni.in.Healed() {
			out = append(out, ni)
		}
	}
	return out
}

// healOne heals an injection and marks the run invalid if it never fired.
func (r *run) healOne(ctx context.Context, in *harness.Injection) error {
	if in.Healed() {
		return nil
	}
	err := in.Heal(ctx)
	r.checkFired(in)
	return err
}

// checkFired marks the run invalid where the fault never took effect. A
// client-link fault acts on the advancer's connections, so a member the
// advancer never connected to is not a miss (a client chose where to
// connect; nothing is wrong with the run) — unless it never connected to
// any targeted member: then the fault was aimed where the advancer is not.
func (r *run) checkFired(in *harness.Injection) {
	nf := in.NotFired()
	if len(nf) == 0 {
		return
	}
	if strings.HasPrefix(in.Fault.Kind(), "client-") {
		var dialled, missed []string
		for _, m := range in.Members {
			if m.ClientTraffic().ConnsAccepted > 0 {
				dialled = append(dialled, m.Name())
				if slices.Contains(nf, m.Name()) {
					missed = append(missed, m.Name())
				}
			}
		}
		if len(dialled) == 0 {
			r.invalid(fmt.Sprintf("fault %v: the advancer never connected to %s", in, strings.Join(nf, ",")))
			return
		}
		nf = missed
		if len(nf) == 0 {
			return
		}
	}
	r.invalid(fmt.Sprintf("fault %v never fired on %s", in, strings.Join(nf, ",")))
}

func (r *run) invalid(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Valid = false
	r.res.Invalid = append(r.res.Invalid, why)
}

func (r *run) heal(ctx context.Context, ref string) error {
	if ref == "" || ref == "all" {
		// Each fault is healed and then checked, as one by one: some fire
		// only as they end (defrag).
		r.checkArmedPoints()
		var errs []error
		act := r.activeInjections()
		for i := len(act) - 1; i >= 0; i-- {
			errs = append(errs, r.healOne(ctx, act[i].in))
		}
		return errors.Join(append(errs, r.c.HealAll(ctx))...)
	}
	n := 0
	for _, ni := range r.activeInjections() {
		if ni.ref == ref || ni.in.Fault.Kind() == ref {
			n++
			if err := r.healOne(ctx, ni.in); err != nil {
				return err
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("heal %s: no active fault named or of kind %q", ref, ref)
	}
	return nil
}

// checkArmedPoints marks the run invalid for every fault point the script
// armed that never fired.
func (r *run) checkArmedPoints() {
	r.mu.Lock()
	names := r.armed
	r.armed = nil
	r.mu.Unlock()
	for _, n := range names {
		st, err := r.fps.Status(n)
		if err == nil && st.Hits == 0 {
			r.invalid(fmt.Sprintf("fault point %s=%s never fired", n, st.Term))
		}
	}
}
