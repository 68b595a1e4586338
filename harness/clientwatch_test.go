package harness

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
)

// TestCancelledWatchComesBackWithItsMember shows a clientv3 behaviour the
// robust preset works around (docs/facts.md §3.14): a watch cancelled while
// its client is reconnecting to a dead member leaves the reconnecting on, and
// when the member is back the client opens a Watch stream there that no
// watch uses, held until the watcher is closed. Closing the watcher ends it.
func TestCancelledWatchComesBackWithItsMember(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 60*time.Second)
	m := othersOf(c, c.Leader())[0]
	// Each attempt to open a Watch stream passes this interceptor; the
	// attempt after the crash means the client is reconnecting.
	var opens atomic.Int32
	count := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		if method == "/etcdserverpb.Watch/Watch" {
			opens.Add(1)
		}
		return streamer(ctx, desc, cc, method, opts...)
	}
	cli, err := c.NewClient(clientv3.Config{
		Endpoints:   []string{m.ClientURL()},
		DialOptions: []grpc.DialOption{grpc.WithChainStreamInterceptor(count)},
	})
	require.NoError(t, err)
	defer cli.Close()

	streamsOn := func() int {
		n := 0
		for _, s := range c.WatchStreams() {
			if s.Member == m.Name() {
				n++
			}
		}
		return n
	}
	waitStreams := func(what string, ok func(int) bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok(streamsOn()) {
			require.True(t, time.Now().Before(deadline), "%s: %d Watch streams on %s after 20 s", what, streamsOn(), m.Name())
			time.Sleep(10 * time.Millisecond)
		}
	}

	w := clientv3.NewWatcher(cli)
	defer w.Close()
	wctx, cancel := context.WithCancel(ctx)
	wch := w.Watch(wctx, "leaderfault/k")
	waitStreams("the watch opens", func(n int) bool { return n == 1 })

	require.NoError(t, m.Crash())
	// Cancel only once the client is reconnecting: a cancel that reaches
	// clientv3 before it sees the stream break closes the watch the
	// ordinary way and nothing comes back.
	deadline := time.Now().Add(20 * time.Second)
	for opens.Load() < 2 {
		require.True(t, time.Now().Before(deadline), "the client did not try to reopen its Watch stream within 20 s of the crash")
		time.Sleep(time.Millisecond)
	}
	cancel()
	for range wch {
	}
	require.NoError(t, m.Restart(ctx))
	waitStreams("the client reconnects", func(n int) bool { return n == 1 })
	assert.Equal(t, 1, streamsOn(), "a Watch stream with no watch on it")

	require.NoError(t, w.Close())
	waitStreams("closing the watcher", func(n int) bool { return n == 0 })
}
