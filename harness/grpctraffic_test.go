package harness

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// putEvery writes key every period through the cluster's upstream proxies
// (which the client-proxy observers never see) until ctx ends.
func putEvery(ctx context.Context, t *testing.T, c *Cluster, key string, period time.Duration) {
	t.Helper()
	w, err := clientv3.New(clientv3.Config{Endpoints: c.UpstreamEndpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	require.NoError(t, err)
	go func() {
		defer w.Close()
		tick := time.NewTicker(period)
		defer tick.Stop()
		for i := 0; ctx.Err() == nil; i++ {
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			_, _ = w.Put(pctx, key, fmt.Sprint(i))
			cancel()
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	}()
}

// deliversWithin reports whether the watch channel delivers an event within d.
func deliversWithin(wc clientv3.WatchChan, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case resp, ok := <-wc:
			if !ok {
				return false
			}
			if len(resp.Events) > 0 {
				return true
			}
		case <-timer.C:
			return false
		}
	}
}

// A plain clientv3 watch on a client that knows every member lands where
// gRPC's round-robin puts it. Watched names that member: blackholing its
// client link silences the watch, blackholing any other member's does not.
func TestWatchedIsWhereTheWatchReallyIs(t *testing.T) {
	c := StartT(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Resolve(Watched)
	require.ErrorContains(t, err, "no watch stream delivered", "nothing watches yet")

	cli, err := c.NewClient(clientv3.Config{Endpoints: c.Endpoints(), Logger: zap.NewNop()})
	require.NoError(t, err)
	defer cli.Close()
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	wc := cli.Watch(wctx, "k")
	putEvery(wctx, t, c, "k", 20*time.Millisecond)
	watched, err := c.WaitWatched(ctx, time.Now())
	require.NoError(t, err)
	got, err := c.Resolve(Watched)
	require.NoError(t, err)
	assert.Equal(t, watched, got[0])
	tr := watched.ClientTraffic()
	assert.Equal(t, 1, tr.Open[WatchMethod])
	assert.Equal(t, 1, tr.Calls[WatchMethod])
	assert.Zero(t, tr.Unparsed)

	for _, m := range c.Members() {
		if m == watched {
			continue
		}
		in, err := c.Inject(ctx, ClientBlackhole{}, Named(m.Name()))
		require.NoError(t, err)
		assert.True(t, deliversWithin(wc, 2*time.Second), "blackholing %s (not watched) must not silence the watch on %s", m, watched)
		require.NoError(t, in.Heal(ctx))
	}
	in, err := c.Inject(ctx, ClientBlackhole{}, Watched)
	require.NoError(t, err)
	assert.Equal(t, []*Member{watched}, in.Members)
	for len(wc) > 0 {
		<-wc
	}
	assert.False(t, deliversWithin(wc, time.Second), "blackholing the watched member %s must silence its watch", watched)
	require.NoError(t, in.Heal(ctx))
}

// The proxies count each gRPC call by method; a stream ends when the client
// cancels it.
func TestClientTrafficCountsCallsAndStreams(t *testing.T) {
	c := StartT(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := c.Members()[1]
	cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}, Logger: zap.NewNop()})
	require.NoError(t, err)
	defer cli.Close()
	for range 5 {
		_, err := cli.Get(ctx, "x", clientv3.WithSerializable())
		require.NoError(t, err)
	}
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	cli.Watch(wctx, "k")
	putEvery(wctx, t, c, "k", 20*time.Millisecond)
	got, err := c.WaitWatched(ctx, time.Now())
	require.NoError(t, err)
	assert.Equal(t, m, got, "the client knows only %s", m)
	tr := m.ClientTraffic()
	assert.Equal(t, 5, tr.Calls["/etcdserverpb.KV/Range"])
	assert.Zero(t, tr.Open["/etcdserverpb.KV/Range"])
	assert.Equal(t, 1, tr.Open[WatchMethod])
	assert.GreaterOrEqual(t, tr.Connections, 1)
	for _, other := range c.Members() {
		if other != m {
			assert.Zero(t, other.ClientTraffic().Connections, "%s was never dialled", other)
		}
	}
	wcancel()
	require.Eventually(t, func() bool { return m.ClientTraffic().Open[WatchMethod] == 0 }, 5*time.Second, 10*time.Millisecond,
		"the cancelled watch stream still counts as open: %+v", m.ClientTraffic())
}
