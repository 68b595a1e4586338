package model

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/internal/memberclient"
)

// robustAdvancer is leaderfault's own design: a watch for low latency, and a
// guard that does not trust it.
//
// The guard reads the key linearizably from every member at once, every
// GuardInterval, and takes the first answer. That answer is the quorum's
// truth, and it is used twice:
//   - a value larger than the last one seen is reported at once, so an advance
//     is never later than one guard interval (plus a read) after a member that
//     can serve linearizable reads has it, whatever the watch does;
//   - the watch is judged against it: when the watch has not delivered the
//     key's quorum ModRevision StaleAfter after the guard saw it, the watch is
//     stale and is rebuilt on the member that answered the read.
//
// Each choice below names the fault scenario (and the docs/facts.md §3 trap) that
// needs it.
type robustAdvancer struct{ cfg Config }

func (a *robustAdvancer) Name() string { return a.cfg.Name }

var errStaleWatch = errors.New("watch is stale")

func (a *robustAdvancer) Run(ctx context.Context, env *advancer.Env) error {
	if err := a.cfg.prepare(env); err != nil {
		return err
	}
	// One client per member, each knowing only its member: the advancer, not
	// gRPC's round-robin picker, decides where the watch goes ("client link
	// blackhole", "pinned member down then back": the picker would keep
	// handing out a sub-connection whose TCP is up but carries nothing). They
	// reconnect with a small backoff, so none is parked behind gRPC's 120 s
	// default (trap: client parked behind long reconnect backoff).
	mc, err := newMemberClients(a.cfg, env.Endpoints, env.Log())
	if err != nil {
		return fmt.Errorf("advancer %s: %w", a.cfg.Name, err)
	}
	defer mc.Close()
	if a.cfg.MemberSync > 0 {
		sctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { syncMembers(sctx, a.cfg, env, mc) })
		defer func() {
			stop()
			wg.Wait()
		}()
	}
	r := &robustRun{cfg: a.cfg, env: env, mc: mc, key: env.Key(), watchOn: mc.Index(env.PinnedOrFirst())}
	for {
		err := r.follow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		env.ObserveError(err)
		if !sleepCtx(ctx, a.cfg.RetryInterval) {
			return nil
		}
	}
}

// syncMembers lists the members at once and then every MemberSync, and adds
// a client for each one the set lacks, which the guard's quorum reads then
// ask and a watch can move to: a client given one address learns the others
// ("endpoints=pinned"), and a member that replaced one at a new address
// ("pinned member replaced") is found. A member gone from the list keeps its
// client: a read it cannot answer costs the guard nothing.
func syncMembers(ctx context.Context, cfg Config, env *advancer.Env, mc *memberclient.Set) {
	tick := time.NewTicker(cfg.MemberSync)
	defer tick.Stop()
	failing := false
	for {
		urls, err := mc.MemberURLs(ctx, cfg.GuardReadTimeout)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if !failing {
				env.Note("members: %v", err)
			}
			failing = true
		default:
			failing = false
			added, err := mc.Add(urls...)
			if len(added) > 0 {
				env.Note("members: learned %s", strings.Join(added, ", "))
			}
			if err != nil {
				env.Note("members: %v", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// robustRun is the state of one robust advancer between watches.
type robustRun struct {
	cfg     Config
	env     *advancer.Env
	mc      *memberclient.Set
	key     string
	watchOn int // member the next watch opens on

	current    uint64 // last value reported
	currentRev int64  // its ModRevision
	generation int    // watches opened so far; names each watch's gRPC stream
}

func (r *robustRun) observe(value uint64, modRev int64, how string) {
	if value <= r.current {
		return
	}
	r.current, r.currentRev = value, modRev
	r.env.ObserveAdvanceVia(value, modRev, how)
}

// follow opens a watch and follows it until it fails or goes stale; the
// service loop then records why, pauses and calls follow again.
func (r *robustRun) follow(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	guard := make(chan memberclient.Read, 1)
	guardDone := make(chan struct{})
	go func() {
		defer close(guardDone)
		r.guard(ctx, guard)
	}()
	defer func() {
		cancel()
		<-guardDone
	}()

	// Start from a quorum read, not from the watch member's own view: the
	// member may be the one that is behind ("leader disk stall").
	var q memberclient.Read
	select {
	case q = <-guard:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.observe(q.Value, q.ModRev, "quorum read via "+r.mc.Endpoint(q.Member))
	from := max(q.Revision, r.currentRev) + 1

	// A watcher of its own, closed when this watch ends: cancelling a
	// watch while its client reconnects to a dead member leaves clientv3
	// to reopen the gRPC stream when the member is back, with no watch on
	// it (facts.md §3.14); closing the watcher ends the reconnecting too.
	w := clientv3.NewWatcher(r.mc.Client(r.watchOn))
	defer w.Close()
	wch, err := r.openWatch(ctx, w, from)
	if err != nil {
		// Next time, open where a read just succeeded.
		r.watchOn = q.Member
		return err
	}
	on := r.mc.Endpoint(r.watchOn)
	r.env.Note("watch #%d on %s from rev %d", r.generation, on, from)
	watchRev := from - 1 // everything up to here is delivered (or irrelevant)
	var pendingRev int64 // a quorum ModRevision the watch has not delivered yet
	var pendingSince time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case resp, ok := <-wch:
			if _, drop := r.env.Eval(PointDropWatchResponse); drop && ok {
				continue
			}
			if !ok {
				r.watchOn = q.Member
				return fmt.Errorf("watch on %s closed", on)
			}
			if err := resp.Err(); err != nil {
				// "leader deaf", "quorum loss": a leaderless member cancels
				// the require-leader watch. Reopen where a read succeeds.
				r.watchOn = q.Member
				return fmt.Errorf("watch on %s: %w", on, err)
			}
			if resp.IsProgressNotify() {
				watchRev = max(watchRev, resp.Header.GetRevision())
			}
			for _, ev := range resp.Events {
				watchRev = max(watchRev, ev.Kv.ModRevision)
				if ev.Type != clientv3.EventTypePut {
					continue
				}
				v, err := advancer.DecodeCheckpoint(ev.Kv.Value)
				if err != nil {
					return err
				}
				r.observe(v, ev.Kv.ModRevision, "watch on "+on)
			}
			if pendingRev != 0 && watchRev >= pendingRev {
				pendingRev = 0
			}
		case q = <-guard:
			r.observe(q.Value, q.ModRev, "quorum read via "+r.mc.Endpoint(q.Member))
			switch {
			case q.ModRev <= watchRev:
				pendingRev = 0
			case pendingRev == 0 || watchRev >= pendingRev:
				pendingRev, pendingSince = q.ModRev, time.Now()
			}
			// "leader disk stall", "leader mute", "peer delay": the watch
			// member knows a leader (so require-leader never trips) and may
			// even send progress, but it does not deliver what the quorum
			// committed. Only a comparison with a quorum read shows it (trap:
			// stale progress on a member that cannot catch up).
			if pendingRev != 0 && time.Since(pendingSince) >= r.cfg.StaleAfter {
				r.watchOn = q.Member
				return fmt.Errorf("%w: watch on %s delivered rev %d, quorum has had rev %d for %v; reopening on %s",
					errStaleWatch, on, watchRev, pendingRev, time.Since(pendingSince).Round(time.Millisecond), r.mc.Endpoint(q.Member))
			}
		}
	}
}

// openWatch opens a require-leader watch on member r.watchOn.
//
// Every watch gets ctx metadata of its own, so clientv3 opens a new gRPC
// stream for it instead of adding it to an existing stream with the same
// metadata — which may be the stuck one it replaces (trap: a watch re-created
// on the same stuck stream). The old stream closes when its ctx is cancelled.
//
// Watch() blocks until the stream is open; on a link that accepts TCP but
// carries nothing ("client link blackhole") that is never, so creation has a
// deadline (watch-create-timeouts, first entry) after which the watch is
// abandoned and the next follow starts where a read succeeded.
func (r *robustRun) openWatch(ctx context.Context, cli clientv3.Watcher, from int64) (clientv3.WatchChan, error) {
	r.generation++
	wctx := metadata.AppendToOutgoingContext(ctx, "leaderfault-watch", strconv.Itoa(r.generation))
	if r.cfg.RequireLeader {
		wctx = clientv3.WithRequireLeader(wctx)
	}
	opts := []clientv3.OpOption{clientv3.WithRev(from)}
	if r.cfg.ProgressNotify {
		opts = append(opts, clientv3.WithProgressNotify())
	}
	if len(r.cfg.WatchCreateTimeouts) == 0 {
		return cli.Watch(wctx, r.key, opts...), nil
	}
	wctx, cancel := context.WithCancel(wctx)
	timeout := r.cfg.WatchCreateTimeouts[0]
	timer := time.AfterFunc(timeout, cancel)
	wch := cli.Watch(wctx, r.key, opts...)
	if !timer.Stop() {
		return nil, fmt.Errorf("watch on %s not created within %v", r.mc.Endpoint(r.watchOn), timeout)
	}
	// cancel is released with ctx (follow's), which ends the watch.
	context.AfterFunc(ctx, cancel)
	return wch, nil
}

// guard sends the result of a quorum read to out at once and then every
// GuardInterval, replacing a result not yet taken. Each read has its own
// deadline (trap: a request on a stuck member blocks until its deadline), and
// goes to every member, so one stuck member costs nothing ("leader isolated",
// "client link blackhole").
func (r *robustRun) guard(ctx context.Context, out chan memberclient.Read) {
	tick := time.NewTicker(r.cfg.GuardInterval)
	defer tick.Stop()
	failing := false
	for {
		q, err := r.quorumRead(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			failing = true
			r.env.Note("guard: %v", err)
		case err == nil:
			if failing {
				failing = false
				r.env.Note("guard: quorum read answered again via %s", r.mc.Endpoint(q.Member))
			}
			select {
			case <-out:
			default:
			}
			out <- q
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (r *robustRun) quorumRead(ctx context.Context) (memberclient.Read, error) {
	if _, ok := r.env.Eval(PointFailCheckpointRead); ok {
		return memberclient.Read{}, fmt.Errorf("%s: %w", PointFailCheckpointRead, context.DeadlineExceeded)
	}
	return r.mc.QuorumRead(ctx, r.key, r.cfg.GuardReadTimeout)
}
