package advancer

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// brAdvancer runs brWaiter in the loop of BR's CRR service: wait for the
// checkpoint to pass the last one seen; on error record it, pause
// RetryInterval (1 s in BR) and go again.
//
// Each wait opens a fresh watch, as BR does, and the watch's gRPC stream
// closes when the wait returns (clientv3 shuts a stream down with its last
// watcher). So only the first watch is sure to sit on Env.Pinned; later ones
// land where gRPC's round-robin picker sends them, exactly as BR's would.
type brAdvancer struct{ cfg Config }

func (a *brAdvancer) Name() string { return a.cfg.Name }

func (a *brAdvancer) Run(ctx context.Context, env *Env) error {
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
	return serve(ctx, env, a.cfg.RetryInterval, func(ctx context.Context, current uint64) (uint64, int64, error) {
		v, rev, err := w.WaitGlobalCheckpointAdvance(ctx, current)
		if err != nil {
			// The first watch may never have opened (pinned member down):
			// do not let it hold the client on one endpoint.
			cli.widenNow(env, "first wait failed")
		}
		return v, rev, err
	})
}

// serve is the CRR service loop around a wait: report each advance and wait
// for the next one; on error report it and pause retry first. It returns nil
// when ctx ends.
func serve(ctx context.Context, env *Env, retry time.Duration, wait func(context.Context, uint64) (uint64, int64, error)) error {
	var current uint64
	for {
		v, rev, err := wait(ctx, current)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			env.ObserveError(err)
			if !sleepCtx(ctx, retry) {
				return nil
			}
			continue
		}
		env.ObserveAdvance(v, rev)
		current = v
	}
}
