package harness

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Every member's client proxy follows the gRPC traffic it forwards (HTTP/2
// frames, parsed off the forwarding path), so the harness knows where the
// client under test really is: which members it holds connections to, which
// of them serves its Watch streams, and what it asked for. A real client
// with every endpoint puts its streams wherever gRPC's balancer picks,
// whatever member a script meant it to use. The targets Watched,
// AllWatched and Connected resolve from this.

// ClientTraffic is a snapshot of what the member's client proxy has seen.
func (m *Member) ClientTraffic() ClientTraffic { return m.client.observer.snapshot() }

// ClientTraffic returns a snapshot of every member's client traffic, in
// member order (SumTraffic adds them up).
func (c *Cluster) ClientTraffic() []ClientTraffic {
	out := make([]ClientTraffic, len(c.live()))
	for i, m := range c.live() {
		out[i] = m.ClientTraffic()
	}
	return out
}

// WatchStreams returns the gRPC Watch streams open on the client proxies of
// the running members, most current first: the highest revision delivered,
// then the latest DATA, then the newest. Several streams of one client may
// sit on different members (clientv3 opens one stream per distinct context
// metadata, and each new stream goes where the balancer picks). A member
// that is down has none: its proxy reset every connection when it went down,
// even if the observer has not parsed the end yet.
func (c *Cluster) WatchStreams() []WatchStream {
	var out []WatchStream
	for _, m := range c.live() {
		if m.Running() {
			out = append(out, m.client.observer.watchStreams()...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return moreCurrent(out[i], out[j]) })
	return out
}

// WaitWatched waits until a member's client proxy carries an open Watch
// stream that has delivered a response at revision rev or later, and returns
// that member (the most current, if several). Give it a revision the watched
// key reached (a checkpoint write's): a watch response follows every write of
// the key, and a member that lags — cut off, or stalled on its disk — can only
// answer, progress requests included, at its own older revision, so it never
// qualifies while it lags; a stream just opened on a current member qualifies
// with its creation response. rev <= 0 accepts any open stream that has
// delivered a response.
func (c *Cluster) WaitWatched(ctx context.Context, rev int64) (*Member, error) {
	for {
		ch := c.watchChanged.C()
		streams := c.WatchStreams()
		for _, w := range streams {
			if w.Responses > 0 && w.Revision >= rev {
				return c.Member(w.Member)
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a Watch stream that delivered revision %d: %w (%s)", rev, ctx.Err(), c.describeWatches(streams))
		}
	}
}

// awaitWatchStream waits until a running member's client proxy carries an
// open Watch stream, the client shows itself a poller (a read answered, no
// Watch stream ever), or ctx ends. A poller's answers do not signal
// watchChanged: it is checked every few milliseconds.
func (c *Cluster) awaitWatchStream(ctx context.Context) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		ch := c.watchChanged.C()
		if len(c.WatchStreams()) > 0 || c.watchCalls() == 0 && c.lastDelivered() != nil {
			return
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// describeWatches says what the client proxies saw, for errors.
func (c *Cluster) describeWatches(streams []WatchStream) string {
	if len(streams) == 0 {
		var parts []string
		for _, t := range c.ClientTraffic() {
			parts = append(parts, t.String())
		}
		return "no open Watch stream on any client link; " + strings.Join(parts, "; ")
	}
	parts := make([]string, len(streams))
	for i, w := range streams {
		parts[i] = w.String()
	}
	return "open Watch streams: " + strings.Join(parts, "; ")
}

// resolveWatched returns the members carrying open Watch streams, most
// current first; only the first when all is false. A client with no Watch
// stream open — a poller, or one that opens a stream per wait (BR's waiter)
// and is between two — is where its calls are answered: the running member
// whose proxy last delivered DATA to it.
func (c *Cluster) resolveWatched(t Target, all bool) ([]*Member, error) {
	streams := c.WatchStreams()
	if len(streams) == 0 {
		if m := c.lastDelivered(); m != nil {
			return []*Member{m}, nil
		}
		return nil, fmt.Errorf("target %v: %s", t, c.describeWatches(nil))
	}
	var out []*Member
	seen := map[string]bool{}
	for _, w := range streams {
		if seen[w.Member] {
			continue
		}
		seen[w.Member] = true
		m, err := c.Member(w.Member)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
		if !all {
			break
		}
	}
	return out, nil
}

// watchCalls is how many Watch streams the client has opened on every
// member's client link so far.
func (c *Cluster) watchCalls() int {
	n := 0
	for _, m := range c.live() {
		n += m.ClientTraffic().Calls[MethodWatch]
	}
	return n
}

// lastDelivered is the running member whose client proxy last delivered
// DATA to the client over a connection still open, nil if none has.
func (c *Cluster) lastDelivered() *Member {
	var last *Member
	var at time.Time
	for _, m := range c.live() {
		if t := m.ClientTraffic(); m.Running() && t.ConnsOpen > 0 && t.LastDelivery.After(at) {
			last, at = m, t.LastDelivery
		}
	}
	return last
}

// resolveConnected returns the members whose client proxy holds an open
// connection, in member order.
func (c *Cluster) resolveConnected(t Target) ([]*Member, error) {
	var out []*Member
	var parts []string
	for _, m := range c.live() {
		tr := m.ClientTraffic()
		parts = append(parts, tr.String())
		if tr.ConnsOpen > 0 {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("target %v: no open connection on any client link (%s)", t, strings.Join(parts, "; "))
	}
	return out, nil
}
