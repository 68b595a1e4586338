package harness

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"

	"github.com/leaderfault/leaderfault/record"
)

const watchedKey = "leaderfault/watched"

// put writes the watched key through the leader's direct client (not through
// any client proxy) and returns the revision.
func put(t *testing.T, ctx context.Context, c *Cluster) int64 {
	t.Helper()
	l, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	cli, err := l.DirectClient()
	require.NoError(t, err)
	resp, err := cli.Put(ctx, watchedKey, time.Now().String())
	require.NoError(t, err)
	return resp.Header.Revision
}

// next returns the next response of a watch, failing the test at ctx's end.
func next(t *testing.T, ctx context.Context, ch clientv3.WatchChan) clientv3.WatchResponse {
	t.Helper()
	select {
	case wr, ok := <-ch:
		require.True(t, ok, "watch channel closed")
		require.NoError(t, wr.Err())
		return wr
	case <-ctx.Done():
		require.FailNow(t, "no watch response", "%v", ctx.Err())
	}
	return clientv3.WatchResponse{}
}

// watching starts a client that knows every member and watches the watched
// key; it returns the watch channel and the member whose response came
// first (the client closes with the test).
func watching(t *testing.T, ctx context.Context, c *Cluster) (clientv3.WatchChan, *Member) {
	t.Helper()
	cli, err := c.NewClient(clientv3.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { cli.Close() })
	ch := cli.Watch(ctx, watchedKey, clientv3.WithCreatedNotify())
	return ch, servedBy(t, c, next(t, ctx, ch))
}

// servedBy is the member that sent a watch response, by the member ID etcd
// puts in every response header: the client's own view, independent of the
// proxies' observers.
func servedBy(t *testing.T, c *Cluster, wr clientv3.WatchResponse) *Member {
	t.Helper()
	m := c.byID(wr.Header.MemberId)
	require.NotNil(t, m, "member id %x", wr.Header.MemberId)
	return m
}

// waitStreams waits until the open Watch streams satisfy ok.
func waitStreams(t *testing.T, ctx context.Context, c *Cluster, what string, ok func([]WatchStream) bool) []WatchStream {
	t.Helper()
	for {
		ch := c.watchChanged.C()
		ws := c.WatchStreams()
		if ok(ws) {
			return ws
		}
		select {
		case <-ch:
		case <-ctx.Done():
			require.FailNow(t, "waiting for "+what, "%v; %s; %v", ctx.Err(), c.describeWatches(ws), c.ClientTraffic())
		}
	}
}

// A real client with every endpoint watches; Watched is the member that
// serves the watch as the client itself sees it (the member ID in the
// responses), for fresh clients whose streams land on different members, and
// again after the watch's link is reset and the client re-creates it.
func TestWatchedIsTheMemberServingTheClientsWatch(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 30*time.Second)
	_, err := c.Resolve(Watched)
	require.ErrorContains(t, err, "no open Watch stream on any client link")

	// Inject waits, bounded (10 election timeouts), for a watch to aim
	// at: here none comes.
	_, err = c.Inject(ctx, ClientReset{}, Watched)
	require.ErrorContains(t, err, "no open Watch stream on any client link")

	served := map[string]bool{}
	for i := range 3 {
		// Rotating the endpoint list moves where the balancer starts.
		eps := c.Endpoints()
		eps = append(eps[i:], eps[:i]...)
		cli, err := c.NewClient(clientv3.Config{Endpoints: eps})
		require.NoError(t, err)
		wctx, cancel := context.WithCancel(ctx)
		ch := cli.Watch(wctx, watchedKey, clientv3.WithCreatedNotify())
		created := next(t, ctx, ch)
		rev := put(t, ctx, c)
		ev := next(t, ctx, ch)
		require.Len(t, ev.Events, 1)
		m := servedBy(t, c, ev)
		require.Equal(t, m.Name(), servedBy(t, c, created).Name(), "one stream, one member")
		served[m.Name()] = true

		got, err := c.WaitWatched(ctx, rev)
		require.NoError(t, err)
		assert.Equal(t, m.Name(), got.Name(), "client %d: the client's responses come from %s", i, m)
		ms, err := c.Resolve(Watched)
		require.NoError(t, err)
		assert.Equal(t, names(m), names(ms...))
		ms, err = c.Resolve(Connected)
		require.NoError(t, err)
		assert.Contains(t, names(ms...), m.Name())

		// Reset the watch's link: clientv3 re-creates the watch on a new
		// connection, wherever the balancer now picks. Watched follows it.
		in, err := c.Inject(ctx, ClientReset{}, Watched)
		require.NoError(t, err)
		require.Equal(t, names(m), names(in.Members...))
		require.True(t, in.Fired())
		var moved *Member
		for moved == nil {
			// A write made before the new stream was created is
			// replayed to it (clientv3 resumes from its last revision),
			// so some response of the new stream carries rev2.
			rev2 := put(t, ctx, c)
			wr := next(t, ctx, ch)
			if wr.Header.Revision >= rev2 && len(wr.Events) > 0 {
				moved = servedBy(t, c, wr)
				got, err := c.WaitWatched(ctx, rev2)
				require.NoError(t, err)
				assert.Equal(t, moved.Name(), got.Name(), "after the reset the client's responses come from %s", moved)
			}
		}
		require.NoError(t, in.Heal(ctx))
		cancel()
		require.NoError(t, cli.Close())
		waitStreams(t, ctx, c, "the closed client's streams to end", func(ws []WatchStream) bool { return len(ws) == 0 })
	}
	t.Logf("watches served by %v", served)
	require.Eventually(t, func() bool { return SumTraffic(c.ClientTraffic()...).ConnsOpen == 0 }, 10*time.Second, 5*time.Millisecond,
		"the closed clients' connections end at the proxies")
	_, err = c.Resolve(Watched)
	assert.ErrorContains(t, err, "target watched: no open Watch stream")

	opened, closed := 0, 0
	for _, e := range c.Recorder().OfKind(record.KindWatchStream) {
		if strings.Contains(e.Detail, " opened ") {
			opened++
		} else {
			closed++
		}
	}
	assert.Equal(t, 6, opened, "3 clients, each re-creating its watch once")
	assert.Equal(t, 6, closed)
}

// A watch that opens while a step resolves Watched is waited for: a client
// that opens a stream per wait has none for a moment between two waits.
func TestResolveAgreedWaitsForAWatchStream(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 20*time.Second)
	type resolved struct {
		ms  []*Member
		err error
	}
	done := make(chan resolved, 1)
	go func() {
		ms, err := c.ResolveAgreed(ctx, Watched)
		done <- resolved{ms, err}
	}()
	_, m := watching(t, ctx, c)
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, names(m), names(r.ms...))
}

// The watched member crashes: from that moment it is no longer Watched (its
// proxy reset the connections), and once the client's watch is back, on
// another member, Watched is that one.
func TestWatchedFollowsTheWatchAwayFromACrashedMember(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 20*time.Second)
	ch, m := watching(t, ctx, c)
	got, err := c.WaitWatched(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, m.Name(), got.Name())

	in, err := c.Inject(ctx, Crash{}, Watched)
	require.NoError(t, err)
	require.Equal(t, names(m), names(in.Members...))
	// Even while its parser still lists a stream (here: a stream it is
	// told about after the crash), the crashed member is not Watched.
	m.client.observer.streamOpened(99, &h2stream{id: 1, method: MethodWatch, opened: time.Now()})
	for _, w := range c.WatchStreams() {
		assert.NotEqual(t, m.Name(), w.Member, "a crashed member serves no watch")
	}
	if ms, err := c.Resolve(Watched); err == nil {
		assert.NotContains(t, names(ms...), m.Name(), "a crashed member serves no watch")
	}
	for {
		rev := put(t, ctx, c)
		wr := next(t, ctx, ch)
		if wr.Header.Revision >= rev && len(wr.Events) > 0 {
			on := servedBy(t, c, wr)
			require.NotEqual(t, m.Name(), on.Name())
			got, err := c.WaitWatched(ctx, rev)
			require.NoError(t, err)
			assert.Equal(t, on.Name(), got.Name())
			break
		}
	}
	require.NoError(t, in.Heal(ctx))
}

// A client holds Watch streams on two members; one of them is cut off from
// the cluster and still answers a progress request — at its own stale
// revision, and after the other stream's last data. Watched and WaitWatched
// pick the member whose watch is current, not the one heard from last.
func TestWatchedPrefersTheCurrentStreamOverAStaleOneAnsweringProgress(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 30*time.Second)
	cli, err := c.NewClient(clientv3.Config{})
	require.NoError(t, err)
	defer cli.Close()

	// clientv3 opens a stream per distinct outgoing metadata; each new
	// stream goes where the round-robin balancer picks among the members
	// it is connected to — so first let it connect to more than one.
	// The balancer picks only among ready connections, and the others
	// become ready in the background (later under load): read until the
	// proxies see more than one.
	require.Eventually(t, func() bool {
		_, err := cli.Get(ctx, watchedKey)
		require.NoError(t, err)
		connected, err := c.Resolve(Connected)
		return err == nil && len(connected) > 1
	}, 10*time.Second, 10*time.Millisecond, "the client connected to one member only")
	type watch struct {
		ctx context.Context
		ch  clientv3.WatchChan
		on  *Member
	}
	var watches []watch
	members := map[*Member]bool{}
	// A proxy accepts a connection before the client's HTTP/2 handshake on
	// it is done, and the balancer uses only ready ones: poll, opening a
	// stream every 10ms, until one lands elsewhere.
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; len(members) < 2; i++ {
		require.True(t, time.Now().Before(deadline), "the balancer put all %d streams on one member in 5s", i)
		if i > 0 {
			time.Sleep(10 * time.Millisecond)
		}
		wctx := metadata.AppendToOutgoingContext(ctx, "leaderfault-stream", strconv.Itoa(i))
		ch := cli.Watch(wctx, watchedKey, clientv3.WithCreatedNotify())
		w := watch{wctx, ch, servedBy(t, c, next(t, ctx, ch))}
		watches = append(watches, w)
		members[w.on] = true
	}
	ws := waitStreams(t, ctx, c, "every stream to deliver its creation", func(ws []WatchStream) bool {
		n := 0
		for _, w := range ws {
			if w.Responses > 0 {
				n++
			}
		}
		return n == len(watches)
	})
	all, err := c.Resolve(AllWatched)
	require.NoError(t, err)
	assert.ElementsMatch(t, names(keys(members)...), names(all...), "streams: %v", ws)

	// The victim: a watched member that does not lead, so the cluster keeps
	// its leader; the other watched members stay current.
	lead := c.Leader()
	var victim *Member
	for m := range members {
		if m != lead {
			victim = m
		}
	}
	in, err := c.Inject(ctx, Isolate{}, Named(victim.Name()))
	require.NoError(t, err)
	defer func() { require.NoError(t, in.Heal(ctx)) }()
	rev := put(t, ctx, c)
	var stale watch
	for _, w := range watches {
		if w.on != victim {
			wr := next(t, ctx, w.ch)
			require.Equal(t, rev, wr.Header.Revision)
		} else {
			stale = w
		}
	}
	require.NoError(t, cli.RequestProgress(stale.ctx))
	wr := next(t, ctx, stale.ch)
	require.True(t, wr.IsProgressNotify())
	require.Equal(t, victim.Name(), servedBy(t, c, wr).Name())
	require.Less(t, wr.Header.Revision, rev, "the isolated member answered at a revision it cannot have")

	// The stale stream is the one heard from last.
	ws = waitStreams(t, ctx, c, "the progress response", func(ws []WatchStream) bool {
		for _, w := range ws {
			if w.Member == victim.Name() && w.Responses >= 2 {
				return true
			}
		}
		return false
	})
	var latest WatchStream
	for _, w := range ws {
		if w.LastData.After(latest.LastData) {
			latest = w
		}
	}
	require.Equal(t, victim.Name(), latest.Member, "streams: %v", ws)

	got, err := c.WaitWatched(ctx, rev)
	require.NoError(t, err)
	assert.NotEqual(t, victim.Name(), got.Name())
	assert.True(t, members[got])
	ms, err := c.Resolve(Watched)
	require.NoError(t, err)
	assert.Equal(t, names(got), names(ms...))
	all, err = c.Resolve(AllWatched)
	require.NoError(t, err)
	assert.Equal(t, victim.Name(), all[len(all)-1].Name(), "the stale member comes last")

	short, cancel := context.WithTimeout(ctx, 10*c.Profile().Election)
	defer cancel()
	_, err = c.WaitWatched(short, rev+1000)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "open Watch streams: ")
	assert.Contains(t, err.Error(), victim.Name()+" conn ")
}

// names are the members' names: assertions on them print readably.
func names(ms ...*Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name()
	}
	return out
}

func keys[K comparable, V any](m map[K]V) []K {
	var out []K
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A client pinned to one member: Connected aims a client-link fault at the
// one link it holds, and the fault fires; All would also aim at links it
// never dialled, where the fault cannot fire.
func TestConnectedIsTheLinksTheClientHolds(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 20*time.Second)
	m := c.Members()[1]
	cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}})
	require.NoError(t, err)
	defer cli.Close()
	_, err = cli.Get(ctx, watchedKey)
	require.NoError(t, err)

	in, err := c.Inject(ctx, ClientRefuse{}, Connected)
	require.NoError(t, err)
	assert.Equal(t, names(m), names(in.Members...))
	assert.True(t, in.Fired())
	require.NoError(t, in.Heal(ctx))

	_, err = cli.Get(ctx, watchedKey) // reconnect
	require.NoError(t, err)
	in, err = c.Inject(ctx, ClientRefuse{}, All)
	require.NoError(t, err)
	require.NoError(t, in.Heal(ctx))
	assert.ElementsMatch(t, []string{c.Members()[0].Name(), c.Members()[2].Name()}, in.NotFired())
}

// A client that never opens a Watch stream (a poller) is watched where its
// reads are answered: the member that last delivered to it, found at once
// (ResolveAgreed does not wait for a stream a poller never opens). A client
// between two watches (BR's waiter opens one per wait) is too.
func TestWatchedIsWhereAPollerReads(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 20*time.Second)
	for _, i := range []int{2, 0} {
		m := c.Members()[i]
		cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}})
		require.NoError(t, err)
		sent := time.Now()
		_, err = cli.Get(ctx, watchedKey)
		require.NoError(t, err)
		// The observer parses in batches, a moment behind the client.
		require.Eventually(t, func() bool { return m.ClientTraffic().LastDelivery.After(sent) }, 5*time.Second, time.Millisecond)
		start := time.Now()
		got, err := c.ResolveAgreed(ctx, Watched)
		require.NoError(t, err)
		assert.Equal(t, names(m), names(got...), "the poller last read from %s", m)
		assert.Less(t, time.Since(start), c.Profile().Election, "a poller has no stream to wait for")
		require.NoError(t, cli.Close())
	}

	m := c.Members()[1]
	cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}})
	require.NoError(t, err)
	defer cli.Close()
	wctx, wcancel := context.WithCancel(ctx)
	wch := cli.Watch(wctx, watchedKey)
	put(t, ctx, c)
	next(t, ctx, wch)
	require.Eventually(t, func() bool { return len(c.WatchStreams()) == 1 }, 5*time.Second, time.Millisecond, "the observer sees the watch stream")
	wcancel()
	require.Eventually(t, func() bool { return len(c.WatchStreams()) == 0 }, 5*time.Second, 10*time.Millisecond, "the cancelled watch's stream closes")
	// The pollers' clients are closed: only m's connection is open.
	got, err := c.Resolve(Watched)
	require.NoError(t, err)
	assert.Equal(t, names(m), names(got...), "the member that last delivered: %v", c.ClientTraffic())
}

// A client-link blackhole aimed at Watched holds the watch's responses (its
// events arrive only after the heal); aimed at every other member it holds
// nothing the watch needs.
func TestClientBlackholeOnWatchedHoldsTheWatch(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 20*time.Second)
	ch, m := watching(t, ctx, c)
	_, err := c.WaitWatched(ctx, 0)
	require.NoError(t, err)

	// Every other member's link blackholed: the watch goes on.
	var others []*Injection
	for _, x := range othersOf(c, m) {
		in, err := c.Inject(ctx, ClientBlackhole{}, Named(x.Name()))
		require.NoError(t, err)
		others = append(others, in)
	}
	rev := put(t, ctx, c)
	assert.Equal(t, rev, next(t, ctx, ch).Header.Revision)
	for _, in := range others {
		require.NoError(t, in.Heal(ctx))
	}

	// The watched member's link blackholed (member → client): once bytes
	// of the member are held (fired), the event the member sends is not
	// delivered; after the heal it is.
	mark := c.Recorder().Len()
	in, err := c.Inject(ctx, ClientBlackhole{Direction: Out}, Watched)
	require.NoError(t, err)
	require.Equal(t, names(m), names(in.Members...))
	rev = put(t, ctx, c)
	_, err = c.Recorder().WaitKind(ctx, mark, record.KindFaultFired, m.Name())
	require.NoError(t, err)
	select {
	case wr := <-ch:
		require.FailNow(t, "a response crossed the blackhole", "rev %d", wr.Header.Revision)
	default:
	}
	require.NoError(t, in.Heal(ctx))
	wr := next(t, ctx, ch)
	assert.Equal(t, rev, wr.Header.Revision)
	assert.Equal(t, m.Name(), servedBy(t, c, wr).Name())
}

// waitTraffic polls the member's counters until ok holds (the observer
// parses on its own goroutine, a moment behind the client).
func waitTraffic(t *testing.T, m *Member, what string, ok func(ClientTraffic) bool) ClientTraffic {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tr := m.ClientTraffic()
		if ok(tr) {
			return tr
		}
		require.True(t, time.Now().Before(deadline), "waiting for %s: %s", what, tr)
		time.Sleep(time.Millisecond)
	}
}

// A client of one member makes a known number of Range calls over a known
// number of connections; the counters say exactly that.
func TestClientTrafficCountsCallsAndReconnects(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 20*time.Second)
	m := c.Members()[0]
	before := m.ClientTraffic()
	cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}})
	require.NoError(t, err)
	const gets, resets = 10, 4
	for i := range gets {
		// The client holds one connection; the one reset before may still
		// be in the proxy's set while its goroutines wind down.
		if i > 0 && i%(gets/resets) == 0 && m.client.resetConns() < 1 {
			require.FailNow(t, "the client should hold a connection")
		}
		_, err := cli.Get(ctx, fmt.Sprintf("leaderfault/k%d", i))
		require.NoError(t, err)
	}
	tr := waitTraffic(t, m, "every Range to end", func(tr ClientTraffic) bool {
		return tr.Calls[MethodRange] >= gets && tr.OpenStreams[MethodRange] == 0
	})
	d := tr.Since(before)
	assert.Equal(t, map[string]int{MethodRange: gets}, d.Calls)
	assert.Equal(t, resets+1, d.ConnsAccepted, "one connection, reconnected after each reset")
	assert.Equal(t, 1, d.ConnsOpen)
	assert.Zero(t, d.ConnsRefused)
	assert.Zero(t, d.ConnsUnparsed)
	assert.Empty(t, d.OpenStreams)
	require.NoError(t, cli.Close())
	tr = waitTraffic(t, m, "the connection to close", func(tr ClientTraffic) bool { return tr.ConnsOpen == 0 })
	assert.Equal(t, resets+1, tr.Since(before).ConnsAccepted)
	for _, x := range othersOf(c, m) {
		assert.Zero(t, x.ClientTraffic().ConnsAccepted, "%s was never dialled", x)
	}

	// Refused connections count as accepted and refused.
	in, err := c.Inject(ctx, ClientRefuse{}, Named(m.Name()))
	require.NoError(t, err)
	for range 3 {
		// The reset may come before the dial returns, or after.
		if conn, err := dialTCP(strings.TrimPrefix(m.ClientURL(), "http://")); err == nil {
			_, _ = conn.Read(make([]byte, 1))
			conn.Close()
		}
	}
	require.NoError(t, in.Heal(ctx))
	d = m.ClientTraffic().Since(tr)
	assert.Equal(t, 3, d.ConnsAccepted)
	assert.Equal(t, 3, d.ConnsRefused)
}

// Connections that are not plaintext HTTP/2 — TLS, HTTP/1 — pass through
// unchanged and uncounted as calls; the observer only counts them.
func TestClientTrafficIgnoresTLSAndHTTP1(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 20*time.Second)
	m := c.Members()[2]

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(m.ClientURL() + "/health")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	// The member answered through the proxy (its health may say "leader
	// changed" right after a start: that is not what is tested here).
	assert.Contains(t, string(body), `"health":`)

	conn, err := tls.Dial("tcp", strings.TrimPrefix(m.ClientURL(), "http://"), &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // a handshake the member cannot answer
	if err == nil {
		conn.Close()
	}
	assert.Error(t, err, "the member serves no TLS")
	waitTraffic(t, m, "both connections given up", func(tr ClientTraffic) bool { return tr.ConnsUnparsed == 2 })

	cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}})
	require.NoError(t, err)
	defer cli.Close()
	_, err = cli.Get(ctx, watchedKey)
	require.NoError(t, err)
	got := waitTraffic(t, m, "the Range", func(tr ClientTraffic) bool { return tr.Calls[MethodRange] == 1 })
	assert.Equal(t, map[string]int{MethodRange: 1}, got.Calls)
	assert.Equal(t, 3, got.ConnsAccepted)
	assert.Equal(t, 2, got.ConnsUnparsed)
}
