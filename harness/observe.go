package harness

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/leaderfault/leaderfault/record"
)

// ClientTraffic is what one member's client proxy has seen of its clients
// (in a scenario: the advancer alone; the writer and the harness use other
// links) since the cluster started. Counts only grow; ConnsOpen and
// OpenStreams are levels. Calls and streams are read from the HTTP/2 frames
// of plaintext connections; a connection that is not plaintext HTTP/2 (TLS,
// HTTP/1) is counted in ConnsUnparsed and its calls are not seen.
type ClientTraffic struct {
	Member string
	At     time.Time // when the snapshot was taken

	ConnsAccepted int // TCP connections accepted, refused ones included
	ConnsRefused  int // reset at once: member down, client-refuse, backend unreachable
	ConnsOpen     int // forwarded and still open
	ConnsUnparsed int // not plaintext HTTP/2, or the observer gave them up

	Calls       map[string]int // gRPC calls started, by method (:path)
	OpenStreams map[string]int // gRPC streams open now, by method

	// Requests and responses carried by Watch streams: a client can
	// re-create watches on a stream it keeps, which Calls does not show.
	WatchCreates, WatchCancels, ProgressRequests int
	WatchResponses                               int // events and progress notifications alike

	// LastDelivery is when the member last sent DATA on any of the
	// client's streams (zero: never): where a client without a Watch
	// stream, a poller, has its reads answered.
	LastDelivery time.Time
}

// Since returns the counts t gained after before (a snapshot of the same
// member, taken earlier); ConnsOpen and OpenStreams stay t's levels. Divide by
// t.At.Sub(before.At) for rates.
func (t ClientTraffic) Since(before ClientTraffic) ClientTraffic {
	d := t
	d.ConnsAccepted -= before.ConnsAccepted
	d.ConnsRefused -= before.ConnsRefused
	d.ConnsUnparsed -= before.ConnsUnparsed
	d.WatchCreates -= before.WatchCreates
	d.WatchCancels -= before.WatchCancels
	d.ProgressRequests -= before.ProgressRequests
	d.WatchResponses -= before.WatchResponses
	d.Calls = map[string]int{}
	for m, n := range t.Calls {
		if n -= before.Calls[m]; n != 0 {
			d.Calls[m] = n
		}
	}
	d.OpenStreams = maps.Clone(t.OpenStreams)
	return d
}

// TotalCalls is the number of gRPC calls of every method.
func (t ClientTraffic) TotalCalls() int {
	n := 0
	for _, c := range t.Calls {
		n += c
	}
	return n
}

// SumTraffic adds snapshots of several members into one (Member "all"; At is
// the latest).
func SumTraffic(ts ...ClientTraffic) ClientTraffic {
	sum := ClientTraffic{Member: "all", Calls: map[string]int{}, OpenStreams: map[string]int{}}
	for _, t := range ts {
		if t.At.After(sum.At) {
			sum.At = t.At
		}
		sum.ConnsAccepted += t.ConnsAccepted
		sum.ConnsRefused += t.ConnsRefused
		sum.ConnsOpen += t.ConnsOpen
		sum.ConnsUnparsed += t.ConnsUnparsed
		sum.WatchCreates += t.WatchCreates
		sum.WatchCancels += t.WatchCancels
		sum.ProgressRequests += t.ProgressRequests
		sum.WatchResponses += t.WatchResponses
		for m, n := range t.Calls {
			sum.Calls[m] += n
		}
		for m, n := range t.OpenStreams {
			sum.OpenStreams[m] += n
		}
	}
	return sum
}

// String summarises the snapshot on one line, e.g.
// "m0: conns 3 (1 open, 1 refused) calls Range×12 Watch×1 open Watch×1".
func (t ClientTraffic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: conns %d (%d open", t.Member, t.ConnsAccepted, t.ConnsOpen)
	if t.ConnsRefused > 0 {
		fmt.Fprintf(&b, ", %d refused", t.ConnsRefused)
	}
	if t.ConnsUnparsed > 0 {
		fmt.Fprintf(&b, ", %d not HTTP/2", t.ConnsUnparsed)
	}
	b.WriteString(")")
	if len(t.Calls) > 0 {
		b.WriteString(" calls" + methodCounts(t.Calls))
	}
	if open := methodCounts(t.OpenStreams); open != "" {
		b.WriteString(" open" + open)
	}
	return b.String()
}

func methodCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k, n := range m {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		short := k[strings.LastIndex(k, "/")+1:]
		fmt.Fprintf(&b, " %s×%d", short, m[k])
	}
	return b.String()
}

// WatchStream is one open gRPC Watch stream on a member's client proxy.
type WatchStream struct {
	Member string
	Conn   uint64 // the proxy's connection number, from 1
	Stream uint32 // the HTTP/2 stream id
	Opened time.Time
	// LastData is when the member last sent DATA on the stream (a watch
	// response, or part of one); zero until it does.
	LastData time.Time
	// Revision is the highest header revision among the responses the
	// stream delivered, 0 until one: a member cut off from the cluster still
	// answers progress requests, but only at its own, stale, revision.
	Revision  int64
	Responses int // watch responses delivered (events and progress notifications)
	Events    int // events among them
}

func (w WatchStream) String() string {
	data := "no data yet"
	if !w.LastData.IsZero() {
		data = fmt.Sprintf("last data %v ago", time.Since(w.LastData).Round(time.Millisecond))
	}
	return fmt.Sprintf("%s conn %d stream %d: %d responses, rev %d, %s", w.Member, w.Conn, w.Stream, w.Responses, w.Revision, data)
}

// moreCurrent orders watch streams: the highest revision delivered first,
// then the latest DATA, then the newest.
func moreCurrent(a, b WatchStream) bool {
	if a.Revision != b.Revision {
		return a.Revision > b.Revision
	}
	if !a.LastData.Equal(b.LastData) {
		return a.LastData.After(b.LastData)
	}
	return a.Opened.After(b.Opened)
}

// The watch-stream events one member's observer writes to the record are
// bounded by a token bucket: up to watchNoteBurst at once, then one per
// watchNoteEvery. A client that keeps its watch stream (the usual design)
// is recorded in full; one that opens a stream per wait (clientv3 cancels a
// stream with its last watcher) would otherwise add two events per advance.
// The next recorded event says how many were left out; the counters keep
// every one.
const (
	watchNoteBurst = 10
	watchNoteEvery = 2 * time.Second
)

type watchKey struct {
	conn   uint64
	stream uint32
}

// observer keeps what one member's client proxy has seen. Its h2conns call
// it from their parsing goroutines; snapshots read it.
type observer struct {
	member string
	rec    *record.Recorder
	notify func() // a watch stream opened, closed or delivered a response

	mu      sync.Mutex
	t       ClientTraffic // counts; At, Calls and OpenStreams copied on snapshot
	nconns  uint64
	watches map[watchKey]*WatchStream

	noteTokens      float64
	noteRefilled    time.Time
	notesSuppressed int
}

func newObserver(member string, rec *record.Recorder, notify func()) *observer {
	return &observer{
		member: member, rec: rec, notify: notify,
		t:       ClientTraffic{Member: member, Calls: map[string]int{}, OpenStreams: map[string]int{}},
		watches: map[watchKey]*WatchStream{},
	}
}

func (o *observer) snapshot() ClientTraffic {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.t
	t.At = time.Now()
	t.Calls = maps.Clone(o.t.Calls)
	t.OpenStreams = map[string]int{}
	for m, n := range o.t.OpenStreams {
		if n != 0 {
			t.OpenStreams[m] = n
		}
	}
	return t
}

func (o *observer) watchStreams() []WatchStream {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]WatchStream, 0, len(o.watches))
	for _, w := range o.watches {
		out = append(out, *w)
	}
	return out
}

// accepted counts a connection the proxy accepted; refused: reset at once.
func (o *observer) accepted(refused bool) {
	if o == nil {
		return
	}
	o.mu.Lock()
	o.t.ConnsAccepted++
	if refused {
		o.t.ConnsRefused++
	}
	o.mu.Unlock()
}

// refused counts an accepted connection the proxy reset before forwarding
// anything (its backend could not be reached).
func (o *observer) refused() {
	if o == nil {
		return
	}
	o.mu.Lock()
	o.t.ConnsRefused++
	o.mu.Unlock()
}

// open starts observing a forwarded connection.
func (o *observer) open() *h2conn {
	o.mu.Lock()
	o.nconns++
	id := o.nconns
	o.t.ConnsOpen++
	o.mu.Unlock()
	return newH2Conn(o, id)
}

func (o *observer) connClosed() {
	o.mu.Lock()
	o.t.ConnsOpen--
	o.mu.Unlock()
}

// connUnparsed counts a connection the parser gave up; nothing is recorded,
// a TLS client is not an event.
func (o *observer) connUnparsed() {
	o.mu.Lock()
	o.t.ConnsUnparsed++
	o.mu.Unlock()
}

func (o *observer) streamOpened(conn uint64, s *h2stream) {
	o.mu.Lock()
	o.t.Calls[s.method]++
	o.t.OpenStreams[s.method]++
	watch := s.method == MethodWatch
	if watch {
		o.watches[watchKey{conn, s.id}] = &WatchStream{Member: o.member, Conn: conn, Stream: s.id, Opened: s.opened}
	}
	o.mu.Unlock()
	if watch {
		o.note("watch stream %d opened on connection %d", s.id, conn)
		o.notify()
	}
}

func (o *observer) streamClosed(conn uint64, s *h2stream, reason string) {
	o.mu.Lock()
	o.t.OpenStreams[s.method]--
	w := o.watches[watchKey{conn, s.id}]
	delete(o.watches, watchKey{conn, s.id})
	o.mu.Unlock()
	if w != nil {
		o.note("watch stream %d on connection %d closed after %v: %s (%d responses, %d events, rev %d)",
			s.id, conn, time.Since(w.Opened).Round(time.Millisecond), reason, w.Responses, w.Events, w.Revision)
		o.notify()
	}
}

// delivered notes DATA the member sent on any stream.
func (o *observer) delivered(at time.Time) {
	o.mu.Lock()
	if at.After(o.t.LastDelivery) {
		o.t.LastDelivery = at
	}
	o.mu.Unlock()
}

func (o *observer) watchData(conn uint64, stream uint32, at time.Time) {
	o.mu.Lock()
	if w := o.watches[watchKey{conn, stream}]; w != nil {
		w.LastData = at
	}
	o.mu.Unlock()
}

// watchMessage takes one gRPC message of a Watch stream; msg is nil when it
// was compressed or too large to read.
func (o *observer) watchMessage(conn uint64, stream uint32, dir int, msg []byte) {
	o.mu.Lock()
	if dir == toServer {
		switch decodeWatchRequest(msg) {
		case watchRequestCreate:
			o.t.WatchCreates++
		case watchRequestCancel:
			o.t.WatchCancels++
		case watchRequestProgress:
			o.t.ProgressRequests++
		}
		o.mu.Unlock()
		return
	}
	o.t.WatchResponses++
	if w := o.watches[watchKey{conn, stream}]; w != nil {
		w.Responses++
		if rev, events, ok := decodeWatchResponse(msg); ok {
			w.Events += events
			w.Revision = max(w.Revision, rev)
		}
	}
	o.mu.Unlock()
	o.notify()
}

// note records a watch-stream event if the bucket has a token.
func (o *observer) note(format string, args ...any) {
	o.mu.Lock()
	now := time.Now()
	if o.noteRefilled.IsZero() {
		o.noteTokens = watchNoteBurst
	} else {
		o.noteTokens = min(watchNoteBurst, o.noteTokens+float64(now.Sub(o.noteRefilled))/float64(watchNoteEvery))
	}
	o.noteRefilled = now
	if o.noteTokens < 1 {
		o.notesSuppressed++
		o.mu.Unlock()
		return
	}
	o.noteTokens--
	suppressed := o.notesSuppressed
	o.notesSuppressed = 0
	o.mu.Unlock()
	detail := fmt.Sprintf(format, args...)
	if suppressed > 0 {
		detail += fmt.Sprintf(" (%d watch-stream events before it not recorded; ClientTraffic counts them)", suppressed)
	}
	o.rec.Record(record.Event{Kind: record.KindWatchStream, Member: o.member, Detail: detail})
}
