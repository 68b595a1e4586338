package advancertest

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/record"
)

// Mutant is a known-bad advancer: one way a checkpoint waiter fails to
// recover, or lies about what it saw. The catalog must fail every one of
// them on at least one scenario (TestMutantsAreCaught); run your own
// scenario files against them to see what your scenarios catch.
type Mutant struct {
	Name string
	Flaw string // what is wrong with it, in one line
	New  func() advancer.Advancer
}

// Mutants lists the known-bad advancers.
func Mutants() []Mutant {
	preset := func(name, preset string) func() advancer.Advancer {
		return func() advancer.Advancer {
			cfg, err := model.Preset(preset)
			if err != nil {
				panic(err) // the presets are the package's own
			}
			cfg.Name = name
			return model.New(cfg)
		}
	}
	return []Mutant{
		{"progress-resets-idle", "BR after PR #69047 under another name: progress responses reset the idle timer, and their revisions are never compared with the cluster's",
			preset("progress-resets-idle", model.PresetPR69047)},
		{"plain-watch", "BR before PR #69047 under another name: a plain watch, no require-leader, no progress, no idle guard",
			preset("plain-watch", model.PresetLegacy)},
		{"static-endpoints", "BR before PR #69047 under another name with clientv3's auto-sync off: its client only ever knows the addresses it was given",
			func() advancer.Advancer {
				cfg, err := model.Preset(model.PresetLegacy)
				if err != nil {
					panic(err)
				}
				cfg.Name, cfg.AutoSyncInterval = "static-endpoints", 0
				return model.New(cfg)
			}},
		{"read-no-deadline-pinned", "polls with a linearizable read without deadline, on a client that knows only the pinned member",
			func() advancer.Advancer {
				return &poller{name: "read-no-deadline-pinned", every: 100 * time.Millisecond, pinnedOnly: true}
			}},
		{"watch-pinned", "a plain watch on a client that knows only the pinned member, re-opened there after an error",
			func() advancer.Advancer { return &watcher{name: "watch-pinned"} }},
		{"plain-client", "a real client's default: a plain clientv3 watch on a client that knows every endpoint, never reading watch-on; its watch sits wherever gRPC's round-robin puts it",
			func() advancer.Advancer { return &watcher{name: "plain-client", allEndpoints: true} }},
		{"hangs-on-compacted", "a plain watch on every endpoint that, resumed after an outage from a compacted revision, waits on the cancelled watch instead of reading again",
			func() advancer.Advancer {
				return &watcher{name: "hangs-on-compacted", allEndpoints: true, hangOnCompacted: true}
			}},
		{"gives-up", "a require-leader watch that stops for good at its first error",
			func() advancer.Advancer { return &watcher{name: "gives-up", requireLeader: true, giveUp: true} }},
		{"slow-poll", "polls with a deadline, but only every 3s, longer than the 2s stall threshold",
			func() advancer.Advancer {
				return &poller{name: "slow-poll", every: 3 * time.Second, deadline: time.Second}
			}},
		{"stuck-after-fault", "recovers from the first fault, reports one advance, then never again",
			func() advancer.Advancer { return StopsAt("stuck-after-fault", afterFirstAdvanceAfterFault) }},
		{"goes-backwards", "a good poller that now and then reports an older value again",
			func() advancer.Advancer {
				return &poller{name: "goes-backwards", every: 100 * time.Millisecond, deadline: time.Second, backwardsEvery: 20}
			}},
		{"retry-storm", "polls well, but on an error makes a new client and reads again at once (50ms deadline, no backoff): etcd-io/etcd#9578",
			func() advancer.Advancer { return &stormer{name: "retry-storm"} }},
		{"leaks-watches", "rebuilds its require-leader watch on a new client after a second of silence or an error, never closing the old client or cancelling the old watch: m3db/m3#2984",
			func() advancer.Advancer { return &leaker{name: "leaks-watches"} }},
		{"reports-unwritten", "a good poller that now and then reports a value ahead of any upload",
			func() advancer.Advancer {
				return &poller{name: "reports-unwritten", every: 100 * time.Millisecond, deadline: time.Second, aheadEvery: 20}
			}},
	}
}

// poller reads the checkpoint key every so often and reports each larger
// value; its flaws are switched on by its fields.
type poller struct {
	name       string
	every      time.Duration
	deadline   time.Duration // 0: reads without deadline
	pinnedOnly bool          // the client knows only env.Pinned
	// stopAt, if set, finds in the run's record the moment from which the
	// poller reports nothing.
	stopAt         func(ev []record.Event) (time.Duration, bool)
	backwardsEvery int // every n-th advance, report the one before again
	aheadEvery     int // every n-th advance, report a value never written
}

func (p *poller) Name() string { return p.name }

func (p *poller) Run(ctx context.Context, env *advancer.Env) error {
	endpoints := env.Endpoints
	if p.pinnedOnly {
		endpoints = []string{env.PinnedOrFirst()}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, Logger: zap.NewNop(), DialTimeout: time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()
	var current, previous uint64
	var prevRev int64
	n := 0
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if p.deadline > 0 {
			rctx, cancel = context.WithTimeout(ctx, p.deadline)
		}
		resp, err := cli.Get(rctx, env.Key())
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			env.ObserveError(err)
			continue
		case len(resp.Kvs) != 1:
			continue
		}
		v, err := advancer.DecodeCheckpoint(resp.Kvs[0].Value)
		if err != nil || v <= current {
			continue
		}
		if p.stopped(env) {
			continue
		}
		n++
		switch {
		case p.backwardsEvery > 0 && n%p.backwardsEvery == 0 && previous > 0:
			env.ObserveAdvance(previous, prevRev)
		case p.aheadEvery > 0 && n%p.aheadEvery == 0:
			env.ObserveAdvance(v+1000, 0)
		}
		previous, prevRev, current = current, resp.Kvs[0].ModRevision, v
		env.ObserveAdvance(v, resp.Kvs[0].ModRevision)
	}
}

// StopsAt is a good poller — a linearizable read with a 1s deadline
// every 100ms, on a client that knows every endpoint — that reports nothing
// from the moment stop finds in the run's record on: an advancer that goes
// stuck exactly when you choose, to show that an expectation catches it.
func StopsAt(name string, stop func(ev []record.Event) (time.Duration, bool)) advancer.Advancer {
	return &poller{name: name, every: 100 * time.Millisecond, deadline: time.Second, stopAt: stop}
}

func (p *poller) stopped(env *advancer.Env) bool {
	if p.stopAt == nil || env.Recorder == nil {
		return false
	}
	at, ok := p.stopAt(env.Recorder.Events())
	return ok && env.Recorder.Now() >= at
}

// afterFirstAdvanceAfterFault is the moment of the advancer's first advance
// after the first reference step.
func afterFirstAdvanceAfterFault(ev []record.Event) (time.Duration, bool) {
	ref := false
	for _, e := range ev {
		switch {
		case e.Kind == record.KindStep && e.Reference:
			ref = true
		case ref && e.Kind == record.KindAdvance && e.Member == advancer.AdvancerMember:
			return e.At, true
		}
	}
	return 0, false
}

// watcher watches the checkpoint key from the pinned member only, or
// (allEndpoints) from wherever the client's balancer puts the stream.
type watcher struct {
	name          string
	requireLeader bool
	giveUp        bool // stop for good at the first error
	allEndpoints  bool
	// hangOnCompacted: a watch cancelled with ErrCompacted (clientv3
	// resumed it after an outage from a revision compacted meanwhile) is
	// waited on forever instead of read again.
	hangOnCompacted bool
}

func (w *watcher) Name() string { return w.name }

func (w *watcher) Run(ctx context.Context, env *advancer.Env) error {
	endpoints := []string{env.PinnedOrFirst()}
	if w.allEndpoints {
		endpoints = env.Endpoints
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, Logger: zap.NewNop(), DialTimeout: time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()
	var current uint64
	for ctx.Err() == nil {
		wctx := ctx
		if w.requireLeader {
			wctx = clientv3.WithRequireLeader(ctx)
		}
		wctx, cancel := context.WithCancel(wctx)
		for resp := range cli.Watch(wctx, env.Key()) {
			if err := resp.Err(); err != nil {
				env.ObserveError(err)
				if w.hangOnCompacted && resp.CompactRevision != 0 {
					<-ctx.Done()
				}
				break
			}
			for _, ev := range resp.Events {
				if v, err := advancer.DecodeCheckpoint(ev.Kv.Value); err == nil && v > current {
					current = v
					env.ObserveAdvance(v, ev.Kv.ModRevision)
				}
			}
		}
		cancel()
		if w.giveUp {
			<-ctx.Done()
			return nil
		}
	}
	return nil
}
