package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// Task is the BR task name scenarios use for the checkpoint key.
const Task = "leaderfault"

// Options configures one run.
type Options struct {
	// Preset is the advancer preset to run (legacy, pr69047, robust), and the
	// name that selects tagged steps. With Advancer set it is only a label
	// (and the tag name); it defaults to Advancer.Name().
	Preset string
	// Advancer is a plug-in to run instead of a preset.
	Advancer advancer.Advancer
	// Seed drives every random choice; 0 means the script's seed, or a new
	// one (reported in the Result).
	Seed int64
	// Scale divides the advancer preset's durations when the script's
	// advancer line gives none; 0 means production election / profile
	// election (10 at the fast profile).
	Scale float64
	// Knobs are advancer knob overrides applied after the script's (sweeps).
	Knobs map[string]string
	// OnStep is called as each step starts (progress display).
	OnStep func(line int, text string, elapsed time.Duration)
	// Logf receives etcd's warnings when a run fails; nil discards them.
	Logf func(format string, args ...any)
}

// DefaultWait is the deadline of "wait advance" and "wait leader-change"
// without within=.
const DefaultWait = 10 * time.Second

// ParseFile parses a scenario file against the built-in catalog.
func ParseFile(path string) (*script.Script, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(filepath.Base(path), src)
}

// Parse parses a scenario against the built-in fault catalog and the
// advancer's fault points. Preset tags are not restricted: plug-ins have
// their own names.
func Parse(file string, src []byte) (*script.Script, error) {
	var names []string
	for _, p := range advancer.Points() {
		names = append(names, p.Name)
	}
	names = append(names, harness.PointLeaderTransfer)
	for i := 0; i < script.MaxMembers; i++ {
		for _, site := range []string{"write", "fsync", "read", "open"} {
			names = append(names, fmt.Sprintf("m%d/disk-%s", i, site))
		}
	}
	return script.Parse(file, src, script.WithFaults(faultSpecs()), script.WithFailpoints(names...))
}

// run is the state of one scenario run.
type run struct {
	sc     *script.Script
	opts   Options
	preset string
	rec    *record.Recorder
	fps    *failpoints.Registry
	c      *harness.Cluster
	res    *Result
	start  time.Time

	pinned *harness.Member
	scale  float64

	bg       sync.WaitGroup // advancer, writer, watchdog, timed heals
	stopBg   context.CancelFunc
	bgCtx    context.Context
	advOn    bool
	writerOn bool

	mu         sync.Mutex
	injections []namedInjection
	fault      faultMark // the most recent fault step
	firstFault *faultMark
	armed      []string // fault points the script enabled
	pending    []pendingMeasure
}

type namedInjection struct {
	ref string // as= name, else the kind
	in  *harness.Injection
}

// faultMark is when a fault step began and who led just before.
type faultMark struct {
	at     time.Duration
	leader *harness.Member
	set    bool
}

// ErrSkip is wrapped by Result.Skipped reasons.
var ErrSkip = errors.New("scenario skipped")

// Run runs sc against a fresh cluster with the chosen advancer, judges its
// expectations and returns the result. An error means the run could not be
// carried out (bad options, a step that failed to apply); the partial Result
// still holds the timeline.
func Run(ctx context.Context, sc *script.Script, opts Options) (*Result, error) {
	preset := opts.Preset
	if opts.Advancer != nil && preset == "" {
		preset = opts.Advancer.Name()
	}
	if opts.Advancer == nil {
		if _, err := advancer.Preset(preset); err != nil {
			return nil, err
		}
	}
	seed := opts.Seed
	if seed == 0 && sc.Seed != nil {
		seed = *sc.Seed
	}
	if seed == 0 {
		seed = time.Now().UnixNano()%1_000_000 + 1
	}
	rec := record.New()
	r := &run{
		sc: sc, opts: opts, preset: preset, rec: rec, fps: failpoints.New(rec), start: time.Now(),
		res: &Result{Scenario: sc.Name, Description: sc.Description, Advancer: preset, Seed: seed, Valid: true},
	}
	r.bgCtx, r.stopBg = context.WithCancel(context.Background())
	err := r.exec(ctx, sc.ForPreset(preset))
	r.finish(err)
	return r.res, err
}

func (r *run) now() time.Duration { return r.rec.Now() }

func (r *run) exec(ctx context.Context, steps []script.Step) error {
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, ok := st.Action.(script.Cluster); !ok {
			if err := r.ensureCluster(ctx, nil); err != nil {
				return err
			}
		}
		if r.opts.OnStep != nil {
			r.opts.OnStep(st.Line, st.Text, time.Since(r.start))
		}
		if r.c != nil {
			r.rec.Add(record.KindStep, "", "line %d: %s", st.Line, st.Text)
		}
		if err := r.step(ctx, st); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", r.sc.File, st.Line, st.Text, err)
		}
	}
	return nil
}

func (r *run) step(ctx context.Context, st script.Step) error {
	switch a := st.Action.(type) {
	case script.Cluster:
		if r.c != nil {
			return errors.New("the cluster is already running: the cluster line must come first")
		}
		return r.ensureCluster(ctx, &a)
	case script.Advancer:
		return r.startAdvancer(a)
	case script.Writer:
		return r.startWriter(a)
	case script.Fault:
		return r.injectFault(ctx, a)
	case script.Failpoint:
		if a.Off {
			return r.fps.Disable(a.Name)
		}
		r.markFault()
		if err := r.fps.Enable(a.Name, a.Term); err != nil {
			return err
		}
		r.mu.Lock()
		r.armed = append(r.armed, a.Name)
		r.mu.Unlock()
		return nil
	case script.MoveLeader:
		to := a.To
		if to.IsZero() {
			to = script.Target{Kind: script.TargetFollower}
		}
		ms, err := r.c.Resolve(r.target(to))
		if err != nil {
			return err
		}
		r.markFault()
		return r.c.MoveLeader(ctx, ms[0])
	case script.Lifecycle:
		return r.lifecycle(ctx, a)
	case script.Heal:
		r.markFault()
		return r.heal(ctx, a.Ref)
	case script.Wait:
		return r.wait(ctx, a)
	case script.Expect:
		r.expect(ctx, st, a)
		return nil
	case script.Repeat:
		for i := 0; i < a.Count; i++ {
			begin := time.Now()
			if err := r.exec(ctx, a.Steps); err != nil {
				return err
			}
			if a.Every > 0 && i < a.Count-1 {
				if err := sleepCtx(ctx, time.Until(begin.Add(a.Every))); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unsupported step %T", st.Action)
}

func (r *run) ensureCluster(ctx context.Context, a *script.Cluster) error {
	if r.c != nil {
		return nil
	}
	opts := harness.Options{Seed: r.res.Seed, Recorder: r.rec, Failpoints: r.fps, Logf: r.opts.Logf}
	if a != nil {
		opts.Members = a.Members
		p, err := harness.ProfileByName(a.Profile)
		if err != nil {
			return err
		}
		if a.Tick > 0 {
			p.Tick, p.Name = a.Tick, "custom"
		}
		if a.Election > 0 {
			p.Election, p.Name = a.Election, "custom"
		}
		opts.Profile = p
		opts.Disk = a.Disk
		if a.Disk {
			if err := harness.DiskAvailable(); err != nil {
				r.res.Skipped = err.Error()
				return fmt.Errorf("%w: %v", ErrSkip, err)
			}
		}
	}
	c, err := harness.Start(ctx, opts)
	if err != nil {
		return err
	}
	r.c = c
	// Who wins the first election is up to timing; move leadership to a
	// member chosen by the seed so that a replay starts from the same leader
	// and role targets (follower, follower:N) resolve to the same members.
	ms := c.Members()
	first := ms[seedRand(r.res.Seed).Intn(len(ms))]
	if err := c.MoveLeader(ctx, first); err != nil {
		return fmt.Errorf("seeded initial leader: %w", err)
	}
	r.rec.Add(record.KindNote, first.Name(), "initial leader chosen by seed %d", r.res.Seed)
	p := c.Profile()
	r.res.Profile, r.res.Tick, r.res.Elect = p.Name, p.Tick, p.Election
	if err := advancer.RegisterPoints(r.fps); err != nil {
		return err
	}
	return nil
}

// target converts a script target to a harness target.
func (r *run) target(t script.Target) harness.Target {
	switch t.Kind {
	case script.TargetLeader:
		return harness.Leader
	case script.TargetFollower:
		return harness.AnyFollower
	case script.TargetNthFollower:
		return harness.Follower(t.Index)
	case script.TargetMember:
		return harness.Named(fmt.Sprintf("m%d", t.Index))
	case script.TargetAll:
		return harness.All
	case script.TargetQuorum:
		return harness.Quorum
	case script.TargetPinned:
		if r.pinned != nil {
			return harness.Named(r.pinned.Name())
		}
		return harness.Leader
	}
	return harness.Leader
}

func (r *run) startAdvancer(a script.Advancer) error {
	if r.advOn {
		return errors.New("the advancer is already running")
	}
	watchOn := a.WatchOn
	if watchOn.IsZero() {
		watchOn = script.Target{Kind: script.TargetLeader}
	}
	if watchOn.Kind == script.TargetPinned {
		return errors.New("watch-on=pinned: the advancer's own member is what watch-on chooses")
	}
	ms, err := r.c.Resolve(r.target(watchOn))
	if err != nil {
		return err
	}
	r.pinned = ms[0]
	scale := a.Scale
	if scale == 0 {
		scale = r.opts.Scale
	}
	if scale == 0 {
		scale = float64(harness.ProfileProduction.Election) / float64(r.c.Profile().Election)
	}
	r.scale = scale
	r.res.Scale = scale
	adv := r.opts.Advancer
	if adv == nil {
		cfg, err := advancer.Preset(r.preset)
		if err != nil {
			return err
		}
		for _, k := range a.Knobs {
			if err := cfg.Set(k.Key, knobText(k.Value)); err != nil {
				return err
			}
		}
		for k, v := range r.opts.Knobs {
			if err := cfg.Set(k, v); err != nil {
				return err
			}
		}
		cfg, notes := cfg.Scale(scale)
		for _, n := range notes {
			r.res.Notes = append(r.res.Notes, n)
			r.rec.Add(record.KindNote, advancer.AdvancerMember, "%s", n)
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		adv = advancer.New(cfg)
	} else if len(a.Knobs) > 0 || len(r.opts.Knobs) > 0 {
		return fmt.Errorf("knobs apply to presets only; %s is a plug-in", adv.Name())
	}
	env := &advancer.Env{Endpoints: r.c.Endpoints(), Pinned: r.pinned.ClientURL(), Task: Task, Recorder: r.rec, Failpoints: r.fps}
	if err := env.Validate(); err != nil {
		return err
	}
	r.rec.Add(record.KindAdvancerInfo, advancer.AdvancerMember, "%s starts, watch on %s, scale %g", adv.Name(), r.pinned.Name(), scale)
	r.advOn = true
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		if err := adv.Run(r.bgCtx, env); err != nil {
			r.rec.Add(record.KindAdvancerError, advancer.AdvancerMember, "advancer stopped: %v", err)
		}
	}()
	r.startWatchdog()
	return r.awaitFollowing(r.bgCtx)
}

// FollowingAdvances is how many advances the advancer must have observed
// before the step after its start (or the writer's, whichever is later)
// runs: faults hit an advancer in its steady state — its watch open — and
// not one still starting, whatever the machine's speed.
const FollowingAdvances = 3

func (r *run) awaitFollowing(ctx context.Context) error {
	if !r.advOn || !r.writerOn {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultWait)
	defer cancel()
	n := 0
	_, err := r.rec.Wait(ctx, 0, func(e record.Event) bool {
		if e.Kind == record.KindAdvance {
			n++
		}
		return n >= FollowingAdvances
	})
	if err != nil {
		return fmt.Errorf("the advancer did not follow the writer (%d advances): %w", n, err)
	}
	return nil
}

func knobText(v script.Value) string {
	if s, ok := v.AsString(); ok {
		return s
	}
	return v.String()
}

func (r *run) startWriter(a script.Writer) error {
	// The writer is the upstream: it uses the members' upstream endpoints,
	// which client-link faults (aimed at the advancer's links) never touch.
	eps := r.c.UpstreamEndpoints()
	if !a.Via.IsZero() {
		ms, err := r.c.Resolve(r.target(a.Via))
		if err != nil {
			return err
		}
		eps = nil
		for _, m := range ms {
			eps = append(eps, m.UpstreamURL())
		}
	}
	w := &advancer.Writer{Endpoints: eps, Task: Task, Every: a.Every, Recorder: r.rec, Failpoints: r.fps}
	r.writerOn = true
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		if err := w.Run(r.bgCtx); err != nil {
			r.rec.Add(record.KindWriteError, "writer", "writer stopped: %v", err)
		}
	}()
	return r.awaitFollowing(r.bgCtx)
}

func (r *run) markFault() {
	m := faultMark{at: r.now(), leader: r.c.Leader(), set: true}
	r.mu.Lock()
	r.fault = m
	if r.firstFault == nil {
		r.firstFault = &m
	}
	r.mu.Unlock()
}

func (r *run) injectFault(ctx context.Context, a script.Fault) error {
	f, err := buildFault(a)
	if err != nil {
		return err
	}
	r.markFault()
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
			hctx, cancel := context.WithTimeout(r.bgCtx, 30*time.Second)
			defer cancel()
			r.healOne(hctx, in)
		}()
	}
	return nil
}

func (r *run) lifecycle(ctx context.Context, a script.Lifecycle) error {
	switch a.Op {
	case script.OpCrash, script.OpStop:
		return r.injectFault(ctx, script.Fault{Kind: string(a.Op), Target: a.Target})
	case script.OpRestart:
		r.markFault()
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

func (r *run) checkFired(in *harness.Injection) {
	if nf := in.NotFired(); len(nf) > 0 {
		r.invalid(fmt.Sprintf("fault %v never fired on %s", in, strings.Join(nf, ",")))
	}
}

func (r *run) invalid(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Valid = false
	r.res.Invalid = append(r.res.Invalid, why)
}

func (r *run) heal(ctx context.Context, ref string) error {
	if ref == "" || ref == "all" {
		for _, ni := range r.activeInjections() {
			r.checkFired(ni.in)
		}
		r.checkArmedPoints()
		return r.c.HealAll(ctx)
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

func (r *run) wait(ctx context.Context, a script.Wait) error {
	within := a.Within
	if within == 0 {
		within = DefaultWait
	}
	switch a.Until {
	case "":
		return sleepCtx(ctx, a.For)
	case script.WaitLeaderChange:
		old := r.c.Leader()
		wctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		_, err := r.c.WaitNewLeader(wctx, old)
		return err
	case script.WaitAdvance:
		wctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		_, err := r.rec.WaitKind(wctx, r.rec.Len(), record.KindAdvance, "")
		return err
	}
	return fmt.Errorf("unknown wait %q", a.Until)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finish stops the background work, checks invariants and validity, closes
// the cluster and fills in the result.
func (r *run) finish(runErr error) {
	if r.c != nil {
		r.checkArmedPoints()
		for _, ni := range r.activeInjections() {
			r.checkFired(ni.in)
		}
	}
	r.settle()
	r.stopBg()
	r.bg.Wait()
	if r.c != nil {
		if errs := advancer.CheckInvariants(r.rec.Events()); len(errs) > 0 {
			for _, e := range errs {
				r.res.Failures = append(r.res.Failures, "invariant: "+e.Error())
			}
		}
		if r.advOn {
			r.res.Recovery = r.recovery()
			r.fillMeasured()
		}
		if err := r.c.Close(); err != nil {
			r.res.Failures = append(r.res.Failures, "close: "+err.Error())
		}
	}
	if runErr != nil && !errors.Is(runErr, ErrSkip) {
		r.res.Failures = append(r.res.Failures, runErr.Error())
	}
	r.res.Events = r.rec.Events()
	r.res.Duration = time.Since(r.start)
	passed := r.res.Valid && len(r.res.Failures) == 0 && r.res.Skipped == ""
	for _, e := range r.res.Expectations {
		passed = passed && e.Passed
	}
	r.res.Passed = passed
}

// SettleElections bounds, in election timeouts, how long a finished script
// waits for an advancer the watchdog sees stalled to catch up, so that the
// recovery figure is measured rather than cut off by the end of the script.
const SettleElections = 10

// settle waits, after the last step, until the watchdog has no open stall or
// SettleElections election timeouts pass.
func (r *run) settle() {
	if r.c == nil || !r.advOn || !r.writerOn {
		return
	}
	ev := r.rec.Events()
	open := false
	for _, e := range ev {
		switch e.Kind {
		case record.KindStalled:
			open = true
		case record.KindCaughtUp:
			open = false
		}
	}
	if !open {
		return
	}
	ctx, cancel := context.WithTimeout(r.bgCtx, SettleElections*r.c.Profile().Election)
	defer cancel()
	_, _ = r.rec.WaitKind(ctx, len(ev), record.KindCaughtUp, "")
}

// recovery measures from the first fault step until the advancer is caught
// up for good: the advance that ended the last stall the watchdog saw after
// the fault, or, with no stall, the first advance of a value written after
// the fault. An advancer that advanced once and then got stuck has not
// recovered; one still stalled at the end never did (nil).
func (r *run) recovery() *time.Duration {
	r.mu.Lock()
	ff := r.firstFault
	r.mu.Unlock()
	if ff == nil {
		return nil
	}
	ev := r.rec.Events()
	lastStall := -1
	for i, e := range ev {
		if e.Kind == record.KindStalled && e.At >= ff.at {
			lastStall = i
		}
	}
	if lastStall < 0 {
		at, ok := firstAdvanceAfter(ev, ff.at)
		if !ok {
			return nil
		}
		d := at - ff.at
		return &d
	}
	for k := lastStall + 1; k < len(ev); k++ {
		if ev[k].Kind != record.KindCaughtUp {
			continue
		}
		for j := k - 1; j > lastStall; j-- {
			if ev[j].Kind == record.KindAdvance {
				d := ev[j].At - ff.at
				return &d
			}
		}
		d := ev[k].At - ff.at
		return &d
	}
	return nil
}

// firstAdvanceAfter finds the first advance, at or after t0, to a value that
// was written at or after t0, and returns when it was observed.
func firstAdvanceAfter(events []record.Event, t0 time.Duration) (time.Duration, bool) {
	var v0 uint64
	haveV0 := false
	for _, e := range events {
		if e.Kind == record.KindWrite && e.At >= t0 {
			v0, haveV0 = e.Value, true
			break
		}
	}
	if !haveV0 {
		return 0, false
	}
	for _, e := range events {
		if e.Kind == record.KindAdvance && e.At >= t0 && e.Value >= v0 {
			return e.At, true
		}
	}
	return 0, false
}

// seedRand is a random source for choices the runner itself makes.
func seedRand(seed int64) *rand.Rand { return rand.New(rand.NewSource(seed)) }
