package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/script"
	"github.com/leaderfault/leaderfault/workload"
)

func (r *run) ensureCluster(ctx context.Context, a *script.ClusterSpec) error {
	if r.c != nil {
		return nil
	}
	opts := harness.Options{Seed: r.res.Seed, Recorder: r.rec, Failpoints: r.fps, Logf: r.opts.Logf, Release: ReleaseFor(r.sc, r.opts)}
	p, err := clusterProfile(a, r.stretch)
	if err != nil {
		return err
	}
	opts.Profile = p
	if a != nil {
		opts.Members = a.Members
		opts.Disk = a.Disk
		if a.Disk {
			if err := harness.DiskAvailable(); errors.Is(err, harness.ErrDiskRequired) {
				return err
			} else if err != nil {
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
	if c.Release() != "" {
		r.res.Etcd, r.res.EtcdProcesses = c.Release(), true
	}
	// Who wins the first election is up to timing; move leadership to a
	// member chosen by the seed so that a replay starts from the same leader
	// and role targets (follower, follower:N) resolve to the same members.
	ms := c.Members()
	first := ms[seedRand(r.res.Seed).Intn(len(ms))]
	if err := c.MoveLeader(ctx, first); err != nil {
		return fmt.Errorf("seeded initial leader: %w", err)
	}
	r.rec.Add(record.KindNote, first.Name(), "initial leader chosen by seed %d", r.res.Seed)
	if a != nil && a.DataMiB > 0 {
		if err := c.Fill(ctx, a.DataMiB); err != nil {
			return err
		}
	}
	// The start's burst of CPU is over: admission stops counting the run
	// as starting.
	r.lease.Started()
	p = c.Profile()
	r.res.Profile, r.res.Tick, r.res.Elect = p.Name, p.Tick, p.Election
	// Scripts may arm the advancers' and the writer's points before either
	// starts.
	return errors.Join(model.RegisterPoints(r.fps), workload.RegisterPoints(r.fps))
}

// clusterProfile is the cluster timing of a cluster line (nil: none, the
// fast profile) in a time base stretch times slower: the profile's tick and
// election, or the line's own, multiplied by stretch. The result carries a
// profile's name when it is one (fast stretched by 10 is production), else
// "custom".
func clusterProfile(a *script.ClusterSpec, stretch float64) (harness.Profile, error) {
	var c script.ClusterSpec
	if a != nil {
		c = *a
	}
	p, err := harness.ProfileByName(c.Profile)
	if err != nil {
		return harness.Profile{}, err
	}
	if c.Tick > 0 {
		p.Tick, p.Name = c.Tick, "custom"
	}
	if c.Election > 0 {
		p.Election, p.Name = c.Election, "custom"
	}
	if stretch == 0 || stretch == 1 {
		return p, nil
	}
	p.Tick = time.Duration(math.Round(float64(p.Tick) * stretch))
	p.Election = time.Duration(math.Round(float64(p.Election) * stretch))
	p.Name = "custom"
	for _, named := range []harness.Profile{harness.ProfileFast, harness.ProfileProduction} {
		if p.Tick == named.Tick && p.Election == named.Election {
			p.Name = named.Name
		}
	}
	if p.Tick%time.Millisecond != 0 || p.Election%time.Millisecond != 0 {
		return harness.Profile{}, fmt.Errorf("stretch %g: tick %v and election %v are not whole milliseconds (etcd counts them in ms)", stretch, p.Tick, p.Election)
	}
	return p, p.Validate()
}

// Times are the values of Options.Time, the default first.
var Times = []string{"production", "fast", "script"}

// TimeStretch is the Options.Stretch that runs sc in the timing named by
// time (see Options.Time; "" is production).
func TimeStretch(sc *script.Script, time string) (float64, error) {
	switch time {
	case "", "production":
		return StretchTo(sc, harness.ProfileProduction)
	case "fast":
		return StretchTo(sc, harness.ProfileFast)
	case "script":
		return 1, nil
	}
	return 0, fmt.Errorf("unknown time %q; known: %s", time, strings.Join(Times, ", "))
}

// StretchTo is the Options.Stretch that runs sc at profile p's election
// timeout: p's election over the one sc's cluster line sets (the fast
// profile's without one). StretchTo(sc, harness.ProfileFast) runs a
// catalog scenario, written in production time, at the fast profile.
func StretchTo(sc *script.Script, p harness.Profile) (float64, error) {
	own, err := clusterProfile(clusterLine(sc), 1)
	if err != nil {
		return 0, err
	}
	return float64(p.Election) / float64(own.Election), nil
}

// clusterLine is the script's cluster line, nil when it has none.
func clusterLine(sc *script.Script) *script.ClusterSpec {
	for _, st := range sc.Steps {
		if c, ok := st.Action.(script.ClusterSpec); ok {
			return &c
		}
	}
	return nil
}

// target converts a script target to a harness target.
func (r *run) target(t script.TargetSpec) harness.Target {
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
	case script.TargetWatched:
		return harness.Watched
	}
	return harness.Leader
}

// stepTarget is the member target a step acts on, if any.
func stepTarget(a script.Action) script.TargetSpec {
	switch a := a.(type) {
	case script.Inject:
		return a.Target
	case script.Lifecycle:
		return a.Target
	case script.MoveLeader:
		return a.To
	}
	return script.TargetSpec{}
}

// freshWatch, before a step resolves the watched target, waits (at most 2
// election timeouts) for an advancer's Watch stream to deliver the revision
// of the writer's last confirmed write, so the target names the member
// serving the watch now: one that lags (cut off, or on a stalled disk)
// answers only at its own older revision. A watch that delivers nothing in
// that time (stalled, or none: a poller) leaves the resolution to the
// proxies' view of the open streams, most current first, or to its error.
func (r *run) freshWatch(ctx context.Context, t script.TargetSpec) {
	if t.Kind != script.TargetWatched || r.c == nil {
		return
	}
	var rev int64
	if ws := r.rec.OfKind(record.KindWrite); len(ws) > 0 {
		rev = ws[len(ws)-1].Revision
	}
	wctx, cancel := context.WithTimeout(ctx, 2*r.c.Profile().Election)
	defer cancel()
	if m, err := r.c.WaitWatched(wctx, rev); err == nil {
		r.rec.Add(record.KindNote, m.Name(), "the advancer's watch is on %s (delivered rev %d or later)", m.Name(), rev)
	}
}

func (r *run) startAdvancer(a script.StartAdvancer) error {
	if r.advOn {
		return errors.New("the advancer is already running")
	}
	watchOn := a.WatchOn
	if watchOn.IsZero() {
		watchOn = script.TargetSpec{Kind: script.TargetLeader}
	}
	if watchOn.Kind == script.TargetPinned || watchOn.Kind == script.TargetWatched {
		return fmt.Errorf("watch-on=%s: the advancer's own member is what watch-on chooses", watchOn.Kind)
	}
	ms, err := r.c.ResolveAgreed(r.bgCtx, r.target(watchOn))
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
		cfg, err := model.Preset(r.preset)
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
		if err := model.CheckKnobsRead(cfg.Design, slices.Sorted(maps.Keys(r.opts.Knobs))); err != nil {
			return err
		}
		cfg, notes := cfg.Scale(scale)
		for _, n := range notes {
			r.res.Notes = append(r.res.Notes, n)
			r.rec.Add(record.KindNote, advancer.AdvancerMember, "%s", n)
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		adv = model.New(cfg)
	} else if len(a.Knobs) > 0 || len(r.opts.Knobs) > 0 {
		return fmt.Errorf("knobs apply to presets only; %s is a plug-in", adv.Name())
	}
	// What the advancer's client may know is the scenario's environment, the
	// same for presets and plug-ins.
	endpoints := r.c.Endpoints()
	if a.Endpoints == script.EndpointsPinned {
		endpoints = []string{r.pinned.ClientURL()}
	}
	env := &advancer.Env{Endpoints: endpoints, Pinned: r.pinned.ClientURL(), Task: taskName, Recorder: r.rec, Failpoints: r.fps}
	if err := env.Validate(); err != nil {
		return err
	}
	r.rec.Add(record.KindAdvancerInfo, advancer.AdvancerMember, "%s starts, watch on %s, knows %d endpoint(s), scale %g", adv.Name(), r.pinned.Name(), len(endpoints), scale)
	r.advOn = true
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		if err := adv.Run(r.bgCtx, env); err != nil {
			r.rec.Add(record.KindAdvancerError, advancer.AdvancerMember, "advancer stopped: %v", err)
		}
	}()
	r.startWatchdog()
	r.startTrafficSampler()
	return r.awaitFollowing(r.bgCtx)
}

// followingAdvances is how many advances the advancer must have observed
// before the step after its start (or the writer's, whichever is later)
// runs: faults hit an advancer in its steady state — its watch open — and
// not one still starting, whatever the machine's speed.
const followingAdvances = 3

func (r *run) awaitFollowing(ctx context.Context) error {
	if !r.advOn || !r.writerOn {
		return nil
	}
	// A precondition, not a budget: unstretched, so that an advancer starting
	// slowly (at the fast profile under -race, say) is not an error.
	ctx, cancel := context.WithTimeout(ctx, max(r.bound(defaultWait), defaultWait))
	defer cancel()
	n := 0
	_, err := r.rec.Wait(ctx, 0, func(e record.Event) bool {
		if e.Kind == record.KindAdvance {
			n++
		}
		return n >= followingAdvances
	})
	if err != nil {
		if w := writesConfirmed(r.rec.Events()); w < followingAdvances {
			// Nothing to follow: the cluster took (almost) no writes, which
			// judges the machine, not the advancer.
			r.invalid(fmt.Sprintf("%s to follow before the first fault: %d value(s) confirmed, %d advance(s), in %v",
				writerStoredTooLittle, w, n, max(r.bound(defaultWait), defaultWait)))
			return nil
		}
		return fmt.Errorf("the advancer did not follow the writer (%d advances): %w", n, err)
	}
	r.awaitSteadyTraffic(ctx)
	return nil
}

// writesConfirmed counts the values the writer stored.
func writesConfirmed(ev []record.Event) int {
	n := 0
	for _, e := range ev {
		if e.Kind == record.KindWrite {
			n++
		}
	}
	return n
}

func knobText(v script.Value) string {
	if s, ok := v.AsString(); ok {
		return s
	}
	return v.String()
}

func (r *run) startWriter(a script.StartWriter) error {
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
	w := &workload.Writer{Endpoints: eps, Task: taskName, Every: a.Every, Recorder: r.rec, Failpoints: r.fps}
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
