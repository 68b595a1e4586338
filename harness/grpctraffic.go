package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// WatchMethod is the gRPC method of etcd's watch streams.
const WatchMethod = "/etcdserverpb.Watch/Watch"

// ClientTraffic is what a member's client proxy saw of the gRPC calls that
// went through it (the advancer's: the writer has a proxy of its own). It
// is read from the HTTP/2 frames on a copy of the bytes, after the proxy has
// forwarded them, so watching costs the link nothing.
type ClientTraffic struct {
	// Connections is how many client connections the proxy accepted.
	Connections int
	// Unparsed counts connections that did not speak plaintext HTTP/2
	// (TLS, say) or outran the observer: their calls are not counted.
	Unparsed int
	// Calls counts the gRPC calls started, per method (":path").
	Calls map[string]int
	// Open counts the streams open now, per method.
	Open map[string]int
	// LastWatchDelivery is when a watch stream last delivered data to the
	// client through this proxy (zero: never).
	LastWatchDelivery time.Time
	// LastDelivery is when any call last delivered data to the client.
	LastDelivery time.Time
}

// grpcTraffic observes the gRPC calls of one proxy's connections.
type grpcTraffic struct {
	mu    sync.Mutex
	stats ClientTraffic
}

func newGRPCTraffic() *grpcTraffic {
	return &grpcTraffic{stats: ClientTraffic{Calls: map[string]int{}, Open: map[string]int{}}}
}

func (g *grpcTraffic) snapshot() ClientTraffic {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Calls, s.Open = maps.Clone(s.Calls), maps.Clone(s.Open)
	return s
}

// observerQueue bounds the chunks waiting to be parsed on one direction of a
// connection; an observer that falls that far behind gives the connection up
// rather than slow the link.
const observerQueue = 1024

// connTraffic parses both directions of one proxied connection.
type connTraffic struct {
	g        *grpcTraffic
	toServer chan []byte
	toClient chan []byte
	wg       sync.WaitGroup

	streams map[uint32]string // open streams by id: their method; under g.mu
	lost    bool              // under g.mu
}

func (g *grpcTraffic) newConn() *connTraffic {
	g.mu.Lock()
	g.stats.Connections++
	g.mu.Unlock()
	c := &connTraffic{g: g, toServer: make(chan []byte, observerQueue), toClient: make(chan []byte, observerQueue), streams: map[uint32]string{}}
	c.wg.Add(2)
	go c.parse(c.toServer, true)
	go c.parse(c.toClient, false)
	return c
}

// tap hands a copy of forwarded bytes to the observer without ever blocking.
func (c *connTraffic) tap(toServer bool, b []byte) {
	ch := c.toClient
	if toServer {
		ch = c.toServer
	}
	select {
	case ch <- b:
	default:
		c.giveUp()
	}
}

// close ends the observation: the connection is gone, its streams with it.
func (c *connTraffic) close() {
	close(c.toServer)
	close(c.toClient)
	c.wg.Wait()
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	for id, method := range c.streams {
		c.g.stats.Open[method]--
		delete(c.streams, id)
	}
}

func (c *connTraffic) giveUp() {
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	if !c.lost {
		c.lost = true
		c.g.stats.Unparsed++
	}
}

// parse reads the frames of one direction. A stream opens with the
// client's HEADERS and closes with an END_STREAM from the server (its
// trailers) or a RST_STREAM from either side.
func (c *connTraffic) parse(ch chan []byte, toServer bool) {
	defer c.wg.Done()
	r := &chanReader{ch: ch}
	defer r.drain()
	if toServer {
		preface := make([]byte, len(http2.ClientPreface))
		if _, err := io.ReadFull(r, preface); err != nil || !bytes.Equal(preface, []byte(http2.ClientPreface)) {
			if err == nil {
				c.giveUp()
			}
			return
		}
	}
	fr := http2.NewFramer(io.Discard, r)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.MaxHeaderListSize = 1 << 20
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			if err != io.EOF && err != io.ErrUnexpectedEOF {
				c.giveUp()
			}
			return
		}
		c.g.mu.Lock()
		if c.lost {
			c.g.mu.Unlock()
			return
		}
		id := f.Header().StreamID
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			if toServer {
				if _, open := c.streams[id]; !open {
					method := f.PseudoValue("path")
					c.streams[id] = method
					c.g.stats.Calls[method]++
					c.g.stats.Open[method]++
				}
			} else if f.StreamEnded() {
				c.endStream(id)
			}
		case *http2.DataFrame:
			if !toServer && len(f.Data()) > 0 {
				if _, open := c.streams[id]; open {
					c.g.stats.LastDelivery = time.Now()
				}
				if c.streams[id] == WatchMethod {
					c.g.stats.LastWatchDelivery = c.g.stats.LastDelivery
				}
			}
			if !toServer && f.StreamEnded() {
				c.endStream(id)
			}
		case *http2.RSTStreamFrame:
			c.endStream(id)
		}
		c.g.mu.Unlock()
	}
}

// endStream closes stream id; under g.mu.
func (c *connTraffic) endStream(id uint32) {
	if method, ok := c.streams[id]; ok {
		c.g.stats.Open[method]--
		delete(c.streams, id)
	}
}

// chanReader reads the chunks of a channel as one stream.
type chanReader struct {
	ch  chan []byte
	buf []byte
}

func (r *chanReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		b, ok := <-r.ch
		if !ok {
			return 0, io.EOF
		}
		r.buf = b
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// drain empties the channel until it is closed, so the tap never sees a
// full queue from a parser that has stopped.
func (r *chanReader) drain() {
	for range r.ch {
	}
}

// ClientTraffic is what the member's client proxy has seen of the gRPC
// calls through it since the cluster started.
func (m *Member) ClientTraffic() ClientTraffic {
	if m.client.grpc == nil {
		return ClientTraffic{}
	}
	return m.client.grpc.snapshot()
}

// watchedMembers are the running members whose client proxy has carried a
// watch stream that delivered, the one that delivered last first. A stream
// need not be open now: BR's waiter, for one, opens a watch per wait and
// ends it at the advance. An advancer with no watch delivery on a running
// member (a poller, or one whose watched member crashed before its new watch
// delivered) is where its calls are answered: then the running members that
// delivered any call, the last first.
func (c *Cluster) watchedMembers() ([]*Member, []ClientTraffic) {
	last := func(t ClientTraffic) time.Time { return t.LastWatchDelivery }
	anyWatch := false
	for _, m := range c.members {
		anyWatch = anyWatch || m.Running() && !m.ClientTraffic().LastWatchDelivery.IsZero()
	}
	if !anyWatch {
		last = func(t ClientTraffic) time.Time { return t.LastDelivery }
	}
	type seen struct {
		m *Member
		t ClientTraffic
	}
	var all []seen
	for _, m := range c.members {
		if t := m.ClientTraffic(); m.Running() && !last(t).IsZero() {
			all = append(all, seen{m, t})
		}
	}
	slices.SortStableFunc(all, func(a, b seen) int { return last(b.t).Compare(last(a.t)) })
	ms, ts := make([]*Member, len(all)), make([]ClientTraffic, len(all))
	for i, s := range all {
		ms[i], ts[i] = s.m, s.t
	}
	return ms, ts
}

// watchSummary says, for an error, what each member's proxy saw of watches.
func (c *Cluster) watchSummary() string {
	var parts []string
	for _, m := range c.members {
		t := m.ClientTraffic()
		last := "never"
		if !t.LastWatchDelivery.IsZero() {
			last = time.Since(t.LastWatchDelivery).Round(time.Millisecond).String() + " ago"
		}
		parts = append(parts, fmt.Sprintf("%s: %d watch streams open (%d opened), last delivery %s", m.name, t.Open[WatchMethod], t.Calls[WatchMethod], last))
	}
	return strings.Join(parts, "; ")
}

// WaitWatched waits until a running member's client proxy carried a watch
// stream that delivered data at or after since, and returns the one that
// delivered last: the member really serving the advancer's watch (a
// watch response follows every upload, so an active watch delivers within
// one upload period). It polls every few milliseconds until ctx ends.
func (c *Cluster) WaitWatched(ctx context.Context, since time.Time) (*Member, error) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		ms, ts := c.watchedMembers()
		if len(ms) > 0 && (!ts[0].LastWatchDelivery.Before(since) || ts[0].LastWatchDelivery.IsZero() && !ts[0].LastDelivery.Before(since)) {
			return ms[0], nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("no watch stream delivered since %v ago: %w (%s)", time.Since(since).Round(time.Millisecond), ctx.Err(), c.watchSummary())
		}
	}
}
