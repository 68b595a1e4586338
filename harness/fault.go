package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/record"
)

// Fault is something that can be done to one member and undone. Faults are
// small values configured by their fields (see faults_*.go); Cluster.Inject
// applies one to every member a Target selects.
type Fault interface {
	// Kind is the fault's catalog name, e.g. "disk-stall".
	Kind() string
	// Apply breaks m. fired must be called (any number of times) when the
	// fault has observably taken effect. Apply must leave nothing applied
	// when it returns an error.
	Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error)
}

// Effect is a fault applied to one member.
type Effect interface {
	// Heal undoes the fault.
	Heal(ctx context.Context) error
}

// Injection is one Fault applied to the members its Target resolved to.
type Injection struct {
	ID      int
	Fault   Fault
	Target  Target
	Members []*Member
	At      time.Duration // on the recorder's clock

	c       *Cluster
	mu      sync.Mutex
	effects []Effect
	fired   []atomic.Bool
	healed  bool
}

// Fired reports whether the fault took effect on every targeted member.
func (in *Injection) Fired() bool {
	for i := range in.Members {
		if !in.fired[i].Load() {
			return false
		}
	}
	return len(in.Members) > 0
}

// NotFired lists the targeted members on which the fault never took effect.
func (in *Injection) NotFired() []string {
	var out []string
	for i := range in.Members {
		if !in.fired[i].Load() {
			out = append(out, in.Members[i].name)
		}
	}
	return out
}

// Healed reports whether the injection was healed.
func (in *Injection) Healed() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.healed
}

func (in *Injection) String() string {
	names := make([]string, len(in.Members))
	for i, m := range in.Members {
		names[i] = m.name
	}
	return fmt.Sprintf("#%d %s target=%v→%s", in.ID, describe(in.Fault), in.Target, strings.Join(names, ","))
}

func describe(f Fault) string {
	if s, ok := f.(fmt.Stringer); ok {
		return s.String()
	}
	return f.Kind()
}

// Heal undoes the injection on every member. Healing twice is an error.
func (in *Injection) Heal(ctx context.Context) error {
	in.mu.Lock()
	if in.healed {
		in.mu.Unlock()
		return fmt.Errorf("heal %v: already healed", in)
	}
	in.healed = true
	effects := in.effects
	in.mu.Unlock()
	var errs []error
	for i := len(effects) - 1; i >= 0; i-- {
		if err := effects[i].Heal(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", in.Members[i].name, err))
		}
	}
	in.c.faults.remove(in)
	detail := "fired"
	if nf := in.NotFired(); len(nf) > 0 {
		detail = "NEVER FIRED on " + strings.Join(nf, ",")
	}
	in.c.rec.Record(record.Event{Kind: record.KindFaultHealed, Member: strings.Join(in.memberNames(), ","),
		Fault: in.ID, Name: in.Fault.Kind(), Fired: detail == "fired", Detail: fmt.Sprintf("%v (%s)", in, detail)})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("heal %v: %w", in, err)
	}
	return nil
}

func (in *Injection) memberNames() []string {
	out := make([]string, len(in.Members))
	for i, m := range in.Members {
		out[i] = m.name
	}
	return out
}

// Inject resolves target now (ResolveAgreed: a role waits, bounded, for an
// agreed leader) and applies f to each selected member. If any
// member fails, what was applied is undone and the error returned. In a
// cluster from StartT, a HealAll is registered as test cleanup before the
// first fault is applied.
func (c *Cluster) Inject(ctx context.Context, f Fault, target Target) (*Injection, error) {
	if f == nil {
		return nil, errors.New("inject: nil fault")
	}
	c.registerHealCleanup()
	members, err := c.ResolveAgreed(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", f.Kind(), err)
	}
	in := &Injection{Fault: f, Target: target, Members: members, c: c, fired: make([]atomic.Bool, len(members))}
	c.faults.add(in)
	// Armed is recorded before the fault acts, so the timeline reads in
	// order: armed, fired, healed.
	in.At = c.rec.Record(record.Event{Kind: record.KindFaultArmed, Member: strings.Join(in.memberNames(), ","),
		Fault: in.ID, Name: f.Kind(), Detail: in.String()}).At
	for i, m := range members {
		idx := i
		fired := func() {
			if !in.fired[idx].Swap(true) {
				c.rec.Record(record.Event{Kind: record.KindFaultFired, Member: m.name, Fault: in.ID, Name: f.Kind(), Detail: describe(f)})
			}
		}
		eff, err := f.Apply(ctx, c, m, fired)
		if err != nil {
			c.rec.Add(record.KindNote, m.name, "%v failed on %s: %v; undoing", in, m.name, err)
			in.mu.Lock()
			in.Members = members[:i]
			in.mu.Unlock()
			herr := in.Heal(ctx)
			return nil, errors.Join(fmt.Errorf("inject %s on %s: %w", describe(f), m.name, err), herr)
		}
		in.mu.Lock()
		in.effects = append(in.effects, eff)
		in.mu.Unlock()
	}
	return in, nil
}

// Injections returns the active (unhealed) injections in order.
func (c *Cluster) Injections() []*Injection { return c.faults.active() }

// HealAll heals every active injection, disables every fault point, restarts
// members that are down, and then checks that the cluster is whole: a leader
// is agreed, a write succeeds, and every member reaches its revision.
func (c *Cluster) HealAll(ctx context.Context) error {
	var errs []error
	act := c.faults.active()
	for i := len(act) - 1; i >= 0; i-- {
		if err := act[i].Heal(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, c.fps.DisableAll())
	for _, m := range c.live() {
		if s := m.State(); s != StateRunning && s != StateRemoved {
			if err := m.Restart(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("heal all: %w", err)
	}
	if err := c.CheckWhole(ctx); err != nil {
		return fmt.Errorf("heal all: %w", err)
	}
	return nil
}

// CheckWhole checks that the cluster works: every member running, one agreed
// leader, a write succeeds, and every member applies it.
func (c *Cluster) CheckWhole(ctx context.Context) error {
	for _, m := range c.live() {
		if !m.Running() {
			return fmt.Errorf("cluster not whole: %s is %s", m.name, m.State())
		}
	}
	l, err := c.WaitLeader(ctx)
	if err != nil {
		return fmt.Errorf("cluster not whole: %w", err)
	}
	cli, err := l.DirectClient()
	if err != nil {
		return err
	}
	resp, err := cli.Put(ctx, "leaderfault/whole", time.Now().String())
	if err != nil {
		return fmt.Errorf("cluster not whole: write through leader %s: %w", l.name, err)
	}
	rev := resp.Header.Revision
	for _, m := range c.live() {
		if err := m.waitRevision(ctx, rev); err != nil {
			return fmt.Errorf("cluster not whole: %w", err)
		}
	}
	return nil
}

// waitRevision waits until the member has applied rev, using a watch from rev
// on its direct client, so it is event driven.
func (m *Member) waitRevision(ctx context.Context, rev int64) error {
	cli, err := m.DirectClient()
	if err != nil {
		return err
	}
	if r, err := m.Revision(ctx); err == nil && r >= rev {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for wr := range cli.Watch(wctx, "leaderfault/", clientv3.WithPrefix(), clientv3.WithRev(rev), clientv3.WithProgressNotify()) {
		if err := wr.Err(); err != nil {
			return fmt.Errorf("%s: waiting for revision %d: %w", m.name, rev, err)
		}
		if wr.Header.Revision >= rev {
			return nil
		}
	}
	return fmt.Errorf("%s: did not reach revision %d: %w", m.name, rev, context.Cause(ctx))
}

func (c *Cluster) registerHealCleanup() {
	c.mu.Lock()
	tb, registered := c.tb, c.healRegistered
	c.healRegistered = true
	c.mu.Unlock()
	if tb == nil || registered {
		return
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := c.HealAll(ctx); err != nil {
			tb.Errorf("harness: %v", err)
		}
	})
}

// faultSet holds the active injections and answers the proxies' questions
// about what to do with bytes between two members.
type faultSet struct {
	c      *Cluster
	mu     sync.Mutex
	nextID int
	list   []*Injection
	links  []*linkEffect
}

func newFaultSet(c *Cluster) *faultSet { return &faultSet{c: c} }

func (fs *faultSet) add(in *Injection) {
	fs.mu.Lock()
	fs.nextID++
	in.ID = fs.nextID
	fs.list = append(fs.list, in)
	fs.mu.Unlock()
}

func (fs *faultSet) remove(in *Injection) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, x := range fs.list {
		if x == in {
			fs.list = append(fs.list[:i], fs.list[i+1:]...)
			return
		}
	}
}

func (fs *faultSet) active() []*Injection {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]*Injection(nil), fs.list...)
}

// release drops every link rule without healing bookkeeping; used by Close.
func (fs *faultSet) release() {
	fs.mu.Lock()
	fs.links = nil
	fs.mu.Unlock()
	for _, m := range fs.c.live() {
		m.peer.rulesChanged()
		m.client.rulesChanged()
	}
}
