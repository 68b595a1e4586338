package model

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/workload"
)

// fastScale maps production constants to the fast profile (E = 100 ms).
const fastScale = 10

const fastElection = 100 * time.Millisecond

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// goUntilCleanup runs fn in a goroutine until the returned stop is called
// (at the latest at cleanup), and waits for it; fn's error fails the test.
func goUntilCleanup(t *testing.T, name string, fn func(ctx context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var err error
	wg.Go(func() { err = fn(ctx) })
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// startAdvancer runs preset cfg (scaled to the fast profile) with its watch
// starting on member on.
func startAdvancer(t *testing.T, c *harness.Cluster, cfg Config, on *harness.Member) *advancer.Env {
	t.Helper()
	scaled, notes := cfg.Scale(fastScale)
	for _, n := range notes {
		t.Logf("%s: %s", cfg.Name, n)
	}
	env := &advancer.Env{Endpoints: c.Endpoints(), Pinned: on.ClientURL(), Task: "t1", Recorder: c.Recorder(), Failpoints: c.Failpoints()}
	a := New(scaled)
	_ = goUntilCleanup(t, "advancer "+a.Name(), func(ctx context.Context) error { return a.Run(ctx, env) })
	return env
}

// startWriter runs the checkpoint writer until the returned stop (or
// cleanup). Stop it before judging invariants: an upload in flight is only
// recorded when it ends.
func startWriter(t *testing.T, c *harness.Cluster) (stop func()) {
	t.Helper()
	w := &workload.Writer{Endpoints: c.Endpoints(), Task: "t1", Every: 20 * time.Millisecond, Recorder: c.Recorder(), Failpoints: c.Failpoints()}
	return goUntilCleanup(t, "writer", w.Run)
}

// writeOnce stores value v under the task's key directly, for tests that need
// a quiet key.
// writeOnce stores v through the leader and returns its revision.
func writeOnce(t *testing.T, c *harness.Cluster, v uint64) int64 {
	t.Helper()
	ctx := ctxFor(t, 10*time.Second)
	l, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	cli, err := l.DirectClient()
	require.NoError(t, err)
	resp, err := cli.Put(ctx, advancer.CheckpointKey("t1"), string(advancer.EncodeCheckpoint(v)))
	require.NoError(t, err)
	c.Recorder().Record(record.Event{Kind: record.KindWrite, Member: workload.Member, Value: v, Revision: resp.Header.Revision, Detail: "test"})
	return resp.Header.Revision
}

// waitAdvance waits for an advance to at least v, recorded at or after from.
func waitAdvance(ctx context.Context, rec *record.Recorder, from int, v uint64) (record.Event, error) {
	e, err := rec.Wait(ctx, from, func(e record.Event) bool { return e.Kind == record.KindAdvance && e.Value >= v })
	if err != nil {
		return e, fmt.Errorf("no advance to >= %d: %w", v, err)
	}
	return e, nil
}

// startBackgroundWrites puts another key every 50 ms through the leader's
// direct client, so the cluster's revision moves while the checkpoint key
// stays quiet (as PD's etcd always has traffic).
func startBackgroundWrites(t *testing.T, c *harness.Cluster) {
	t.Helper()
	_ = goUntilCleanup(t, "background writes", func(ctx context.Context) error {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
			l := c.Leader()
			if l == nil {
				continue
			}
			cli, err := l.DirectClient()
			if err != nil {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			_, _ = cli.Put(pctx, "/leaderfault/background", fmt.Sprint(i))
			cancel()
		}
	})
}
