package model

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/internal/memberclient"
)

// brAdvancer runs brWaiter in the loop of BR's CRR service (docs/facts.md
// §4.6): each round first reads the checkpoint through the same etcd client
// (the calculator's GetGlobalCheckpointForTask); a value past the last one
// seen is an advance; otherwise wait for the checkpoint to pass it and go
// round again, so what the wait saw is reported by the next round's read. On
// an error of either, record it, pause RetryInterval (1 s in BR) and go again.
//
// The loop's read is the wait's read (brWaiter.read): no deadline unless
// request-timeouts gives it per-attempt ones, as later BR does for both. A
// read without deadline that lands on a stalled member holds the loop until
// the member answers.
//
// Each wait opens a fresh watch, as BR does, and the watch's gRPC stream
// closes when the wait returns (clientv3 shuts a stream down with its last
// watcher). So only the first watch is sure to sit on Env.Pinned; later ones
// land where gRPC's round-robin picker sends them, exactly as BR's would.
type brAdvancer struct{ cfg Config }

func (a *brAdvancer) Name() string { return a.cfg.Name }

func (a *brAdvancer) Run(ctx context.Context, env *advancer.Env) error {
	if err := a.cfg.prepare(env); err != nil {
		return err
	}
	cli, err := newPinnedClient(a.cfg, env)
	if err != nil {
		return err
	}
	defer cli.Close()
	w := &brWaiter{
		cfg:           a.cfg,
		env:           env,
		kv:            cli.KV,
		watcher:       clientv3.NewWatcher(cli.Client),
		newWatcher:    func() clientv3.Watcher { return clientv3.NewWatcher(cli.Client) },
		createdNotify: cli.needsCreatedNotify,
		onResponse:    cli.widenAfter,
	}
	defer func() { w.watcher.Close() }()
	read := func(ctx context.Context) (memberclient.Read, error) { return w.read(ctx, env.Key()) }
	// Until its first watch is open the client knows only the pinned member
	// (newPinnedClient), and the scenario asked for that watch to sit there
	// when the faults begin. With a writer faster than the loop, every read
	// finds a new value and BR's loop would never reach its wait; so the
	// rounds wait even after an advance until the first watch is open.
	// Otherwise a fault on the pinned member before the first watch leaves
	// every read on the one member the client knows.
	return serve(ctx, env, a.cfg.RetryInterval, read, cli.needsCreatedNotify, func(ctx context.Context, current uint64) error {
		_, _, err := w.WaitGlobalCheckpointAdvance(ctx, current)
		if err != nil {
			// The first watch may never have opened (pinned member down):
			// do not let it hold the client on one endpoint.
			cli.widenNow(env, "first wait failed")
		}
		return err
	})
}

// loopReadHow is the Detail of an advance the service loop's read found.
const loopReadHow = "service loop read"

// serve is BR's CRR Service.Run around a read and a wait (br/pkg/stream/crr/
// service/service.go): read the checkpoint; if it passed the last one seen,
// report the advance and read again; otherwise wait for it to move, then read
// again. An error of the read or the wait is reported, then retry passes. It
// returns nil when ctx ends. While waitAnyway (nil: never) reports true, a
// round waits even after its read found an advance.
func serve(ctx context.Context, env *advancer.Env, retry time.Duration,
	read func(context.Context) (memberclient.Read, error),
	waitAnyway func() bool,
	wait func(ctx context.Context, current uint64) error) error {
	var current uint64
	for {
		r, err := read(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			env.ObserveError(fmt.Errorf("%s: %w", loopReadHow, err))
			if !sleepCtx(ctx, retry) {
				return nil
			}
			continue
		}
		if r.Value > current {
			env.ObserveAdvanceVia(r.Value, r.ModRev, loopReadHow)
			current = r.Value
			if waitAnyway == nil || !waitAnyway() {
				continue
			}
		}
		err = wait(ctx, current)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			env.ObserveError(err)
			if !sleepCtx(ctx, retry) {
				return nil
			}
		}
	}
}
