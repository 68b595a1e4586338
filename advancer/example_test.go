package advancer_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/workload"
)

// poller is a user's own checkpoint waiter: it polls the key with a
// linearizable read instead of watching. Anything with Name and Run can be
// judged like the presets.
type poller struct{ every time.Duration }

func (p poller) Name() string { return "my-poller" }

func (p poller) Run(ctx context.Context, env *advancer.Env) error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: env.Endpoints, Logger: env.Logger})
	if err != nil {
		return err
	}
	defer cli.Close()
	var current uint64
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		rctx, cancel := context.WithTimeout(ctx, p.every*5)
		resp, err := cli.Get(rctx, env.Key())
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			env.ObserveError(err)
		case len(resp.Kvs) == 1:
			v, err := advancer.DecodeCheckpoint(resp.Kvs[0].Value)
			if err != nil {
				env.ObserveError(err)
			} else if v > current {
				current = v
				env.ObserveAdvance(v, resp.Kvs[0].ModRevision)
			}
		}
	}
}

// Run a user's own Advancer against a real 3-member cluster with the
// checkpoint writer as upstream, then judge it with the same invariants as
// the presets.
func Example_pluginAdvancer() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := harness.Start(ctx, harness.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	rec := c.Recorder()

	env := &advancer.Env{Endpoints: c.Endpoints(), Pinned: c.Leader().ClientURL(), Task: "example",
		Recorder: rec, Failpoints: c.Failpoints(), Logger: zap.NewNop()}
	writer := &workload.Writer{Endpoints: c.Endpoints(), Task: "example", Every: 20 * time.Millisecond,
		Recorder: rec, Failpoints: c.Failpoints()}
	var mine advancer.Advancer = poller{every: 20 * time.Millisecond}

	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = writer.Run(runCtx) })
	wg.Go(func() { _ = mine.Run(runCtx, env) })

	// Wait until the poller has seen the 20th upload, then stop both.
	_, err = rec.Wait(ctx, 0, func(e record.Event) bool { return e.Kind == record.KindAdvance && e.Value >= 20 })
	stop()
	wg.Wait()

	fmt.Println(mine.Name(), "saw the 20th checkpoint:", err == nil)
	fmt.Println("invariant violations:", len(check.Invariants(rec.Events())))
	// Output:
	// my-poller saw the 20th checkpoint: true
	// invariant violations: 0
}
