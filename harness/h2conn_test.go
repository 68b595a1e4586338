package harness

import (
	"bytes"
	"encoding/binary"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	"github.com/leaderfault/leaderfault/record"
)

// marshalPB encodes an etcdserverpb message with whichever protobuf runtime
// the etcd line in use generated it for (gogo in v3.5, Go protobuf in v3.6+).
func marshalPB(t *testing.T, m any) []byte {
	t.Helper()
	if g, ok := m.(interface{ Marshal() ([]byte, error) }); ok {
		b, err := g.Marshal()
		require.NoError(t, err)
		return b
	}
	pm, ok := m.(proto.Message)
	require.True(t, ok, "%T is no protobuf message", m)
	b, err := proto.Marshal(pm)
	require.NoError(t, err)
	return b
}

// grpcMessage frames a message as gRPC does on the wire.
func grpcMessage(t *testing.T, m any) []byte {
	b := marshalPB(t, m)
	out := make([]byte, 5, 5+len(b))
	binary.BigEndian.PutUint32(out[1:], uint32(len(b)))
	return append(out, b...)
}

// h2side writes one direction of a connection: frames into a buffer, header
// blocks through its own HPACK encoder (so later blocks refer to the dynamic
// table that earlier ones filled).
type h2side struct {
	t   *testing.T
	buf bytes.Buffer
	fr  *http2.Framer
	enc *hpack.Encoder
	blk bytes.Buffer
}

func newH2Side(t *testing.T) *h2side {
	s := &h2side{t: t}
	s.fr = http2.NewFramer(&s.buf, nil)
	s.enc = hpack.NewEncoder(&s.blk)
	return s
}

func (s *h2side) block(kv ...string) []byte {
	s.blk.Reset()
	for i := 0; i < len(kv); i += 2 {
		require.NoError(s.t, s.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]}))
	}
	return append([]byte(nil), s.blk.Bytes()...)
}

// headers writes a header block, split over a HEADERS and a CONTINUATION
// frame when split is set.
func (s *h2side) headers(id uint32, end, split bool, kv ...string) {
	b := s.block(kv...)
	if !split || len(b) < 2 {
		require.NoError(s.t, s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: b, EndStream: end, EndHeaders: true}))
		return
	}
	require.NoError(s.t, s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: b[:1], EndStream: end}))
	require.NoError(s.t, s.fr.WriteContinuation(id, true, b[1:]))
}

func (s *h2side) data(id uint32, end bool, p []byte) {
	require.NoError(s.t, s.fr.WriteData(id, end, p))
}

// take returns what was written since the last take.
func (s *h2side) take() []byte {
	b := append([]byte(nil), s.buf.Bytes()...)
	s.buf.Reset()
	return b
}

// feedSplit feeds b to the parser in chunks of n bytes, so that frames,
// prefixes and messages straddle chunk boundaries.
func feedSplit(c *h2conn, dir int, b []byte, n int) {
	for len(b) > 0 {
		k := min(n, len(b))
		c.feed(dir, b[:k])
		b = b[k:]
	}
}

func request(path string) []string {
	return []string{":method", "POST", ":scheme", "http", ":path", path, ":authority", "127.0.0.1", "content-type", "application/grpc", "te", "trailers"}
}

func TestH2ConnFollowsStreamsAcrossFramesAndChunks(t *testing.T) {
	rec := record.New()
	notified := 0
	o := newObserver("m0", rec, func() { notified++ })
	c := o.open()
	cl, sv := newH2Side(t), newH2Side(t)

	cl.buf.WriteString(http2.ClientPreface)
	require.NoError(t, cl.fr.WriteSettings())
	cl.headers(1, false, false, request(MethodRange)...)
	cl.data(1, true, grpcMessage(t, &etcdserverpb.RangeRequest{Key: []byte("k")}))
	feedSplit(c, toServer, cl.take(), 7)
	require.NoError(t, sv.fr.WriteSettings())
	sv.headers(1, false, false, ":status", "200", "content-type", "application/grpc")
	sv.data(1, false, grpcMessage(t, &etcdserverpb.RangeResponse{Count: 1}))
	sv.headers(1, true, false, "grpc-status", "0")
	feedSplit(c, toClient, sv.take(), 5)

	// A Watch stream: its HEADERS continues in a CONTINUATION frame, its
	// create request spans two DATA frames, its responses share one.
	cl.headers(3, false, true, request(MethodWatch)...)
	create := grpcMessage(t, &etcdserverpb.WatchRequest{RequestUnion: &etcdserverpb.WatchRequest_CreateRequest{
		CreateRequest: &etcdserverpb.WatchCreateRequest{Key: []byte("leaderfault/ckpt")}}})
	cl.data(3, false, create[:4])
	cl.data(3, false, create[4:])
	feedSplit(c, toServer, cl.take(), 3)
	sv.headers(3, false, false, ":status", "200", "content-type", "application/grpc")
	events := grpcMessage(t, &etcdserverpb.WatchResponse{Header: &etcdserverpb.ResponseHeader{Revision: 42},
		Events: []*mvccpb.Event{{Kv: &mvccpb.KeyValue{Key: []byte("a")}}, {Kv: &mvccpb.KeyValue{Key: []byte("b")}}}})
	progress := grpcMessage(t, &etcdserverpb.WatchResponse{Header: &etcdserverpb.ResponseHeader{Revision: 43}})
	sv.data(3, false, append(events, progress...))
	feedSplit(c, toClient, sv.take(), 11)

	// A second Watch stream the client cancels, and a Range the member
	// refuses with GOAWAY. The encoder's dynamic table now holds :path
	// entries: decoding them needs the table the earlier blocks filled.
	cl.headers(5, false, false, request(MethodWatch)...)
	cl.data(5, false, grpcMessage(t, &etcdserverpb.WatchRequest{RequestUnion: &etcdserverpb.WatchRequest_ProgressRequest{
		ProgressRequest: &etcdserverpb.WatchProgressRequest{}}}))
	require.NoError(t, cl.fr.WriteRSTStream(5, http2.ErrCodeCancel))
	cl.headers(7, false, false, request(MethodRange)...)
	feedSplit(c, toServer, cl.take(), 13)
	require.NoError(t, sv.fr.WriteGoAway(5, http2.ErrCodeNo, nil))
	feedSplit(c, toClient, sv.take(), 4)
	c.take()
	require.NoError(t, c.parse())
	tr := o.snapshot()
	assert.Equal(t, map[string]int{MethodWatch: 1}, tr.OpenStreams, "stream 7 is past the GOAWAY, 5 was reset")
	ws := o.watchStreams()
	require.Len(t, ws, 1)
	assert.Equal(t, uint32(3), ws[0].Stream)
	assert.Equal(t, int64(43), ws[0].Revision)
	assert.Equal(t, 2, ws[0].Responses)
	assert.Equal(t, 2, ws[0].Events)

	c.close()
	c.run() // ends the streams still open

	tr = o.snapshot()
	assert.Equal(t, map[string]int{MethodRange: 2, MethodWatch: 2}, tr.Calls)
	assert.Equal(t, map[string]int{}, tr.OpenStreams, "every stream ends with the connection")
	assert.Equal(t, 1, tr.WatchCreates)
	assert.Equal(t, 1, tr.ProgressRequests)
	assert.Equal(t, 2, tr.WatchResponses)
	assert.Zero(t, tr.ConnsUnparsed)

	var notes []string
	for _, e := range rec.OfKind(record.KindWatchStream) {
		assert.Equal(t, "m0", e.Member)
		notes = append(notes, e.Detail)
	}
	require.Len(t, notes, 4, "%q", notes)
	assert.Contains(t, notes[0], "watch stream 3 opened on connection 1")
	assert.Contains(t, notes[1], "watch stream 5 opened")
	assert.Contains(t, notes[2], "watch stream 5 on connection 1 closed")
	assert.Contains(t, notes[2], "RST_STREAM CANCEL from the client")
	assert.Contains(t, notes[3], "watch stream 3 on connection 1 closed")
	assert.Contains(t, notes[3], "connection closed (2 responses, 2 events, rev 43)")
	assert.Positive(t, notified)
}

// Before it closes, the parser knows the Watch stream and its revision.
func TestH2ConnReportsOpenWatchStream(t *testing.T) {
	o := newObserver("m1", record.New(), func() {})
	c := o.open()
	cl, sv := newH2Side(t), newH2Side(t)
	cl.buf.WriteString(http2.ClientPreface)
	cl.headers(1, false, false, request(MethodWatch)...)
	c.feed(toServer, cl.take())
	sv.headers(1, false, false, ":status", "200")
	sv.data(1, false, grpcMessage(t, &etcdserverpb.WatchResponse{Header: &etcdserverpb.ResponseHeader{Revision: 7}, Created: true}))
	c.feed(toClient, sv.take())
	done := make(chan struct{})
	go func() { defer close(done); c.run() }()
	defer func() { c.close(); <-done }()

	deadline := time.Now().Add(5 * time.Second)
	for len(o.watchStreams()) == 0 || o.watchStreams()[0].Responses == 0 {
		require.True(t, time.Now().Before(deadline), "the parser never reported the Watch stream's response")
		time.Sleep(time.Millisecond)
	}
	ws := o.watchStreams()
	require.Len(t, ws, 1)
	assert.Equal(t, WatchStream{Member: "m1", Conn: 1, Stream: 1, Opened: ws[0].Opened, LastData: ws[0].LastData, Revision: 7, Responses: 1}, ws[0])
	assert.False(t, ws[0].LastData.Before(ws[0].Opened))
	assert.Equal(t, map[string]int{MethodWatch: 1}, o.snapshot().OpenStreams)
}

func TestH2ConnGivesUpOnWhatIsNotPlaintextHTTP2(t *testing.T) {
	for name, first := range map[string][]byte{
		"http1": []byte("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
		"tls":   {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03},
		"post":  []byte("POST /v3/kv/range HTTP/1.1\r\n"),
	} {
		t.Run(name, func(t *testing.T) {
			o := newObserver("m0", record.New(), func() {})
			c := o.open()
			feedSplit(c, toServer, first, 2)
			c.feed(toClient, []byte("HTTP/1.1 200 OK\r\n\r\n"))
			c.close()
			c.run()
			tr := o.snapshot()
			assert.Equal(t, 1, tr.ConnsUnparsed)
			assert.Empty(t, tr.Calls)
			assert.True(t, c.gaveUp.Load())
			c.feed(toServer, []byte("more"))
			assert.Empty(t, c.inbox[toServer], "a connection given up keeps no bytes")
		})
	}
}

// A preface that has not fully arrived is not judged yet.
func TestH2ConnWaitsForTheWholePreface(t *testing.T) {
	o := newObserver("m0", record.New(), func() {})
	c := o.open()
	c.feed(toServer, []byte(http2.ClientPreface[:10]))
	c.take()
	require.NoError(t, c.parse())
	assert.False(t, c.prefaceOK)
	c.feed(toServer, []byte(http2.ClientPreface[10:]))
	c.close()
	c.run()
	assert.True(t, c.prefaceOK)
	assert.Zero(t, o.snapshot().ConnsUnparsed)
}

func TestGRPCMessagesSplitAcrossWrites(t *testing.T) {
	a := grpcMessage(t, &etcdserverpb.WatchResponse{Header: &etcdserverpb.ResponseHeader{Revision: 1 << 40}, WatchId: 3})
	b := grpcMessage(t, &etcdserverpb.WatchResponse{Header: &etcdserverpb.ResponseHeader{Revision: 9},
		Events: []*mvccpb.Event{{}, {}, {}}})
	compressed := []byte{1, 0, 0, 0, 3, 'x', 'y', 'z'}
	all := append(append(append([]byte(nil), a...), compressed...), b...)
	for n := 1; n <= len(all); n++ {
		var g grpcMessages
		var got [][]byte
		for p := all; len(p) > 0; {
			k := min(n, len(p))
			g.write(p[:k], func(m []byte) { got = append(got, m) })
			p = p[k:]
		}
		require.Len(t, got, 3, "chunks of %d", n)
		rev, events, ok := decodeWatchResponse(got[0])
		assert.True(t, ok)
		assert.Equal(t, int64(1<<40), rev)
		assert.Zero(t, events)
		assert.Nil(t, got[1], "a compressed message is counted, not read")
		rev, events, ok = decodeWatchResponse(got[2])
		assert.True(t, ok)
		assert.Equal(t, int64(9), rev)
		assert.Equal(t, 3, events)
	}
	_, _, ok := decodeWatchResponse([]byte{0x0a, 0x05, 0x18})
	assert.False(t, ok, "a truncated message is not well formed")
	assert.Equal(t, watchRequestCancel, decodeWatchRequest(marshalPB(t, &etcdserverpb.WatchRequest{
		RequestUnion: &etcdserverpb.WatchRequest_CancelRequest{CancelRequest: &etcdserverpb.WatchCancelRequest{WatchId: 1}}})))
}

// A client that opens and closes Watch streams in a loop fills the record
// with watchNoteBurst of their events, then one per watchNoteEvery; the next
// recorded one says how many were left out, and the counters keep them all.
func TestWatchStreamNotesAreRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := record.New()
		o := newObserver("m2", rec, func() {})
		churn := func(n int) {
			for i := range n {
				s := &h2stream{id: uint32(2*i + 1), method: MethodWatch, opened: time.Now()}
				o.streamOpened(1, s)
				o.streamClosed(1, s, "test")
			}
		}
		churn(3 * watchNoteBurst)
		assert.Len(t, rec.OfKind(record.KindWatchStream), watchNoteBurst)
		assert.Equal(t, 3*watchNoteBurst, o.snapshot().Calls[MethodWatch])
		time.Sleep(watchNoteEvery)
		churn(1)
		notes := rec.OfKind(record.KindWatchStream)
		require.Len(t, notes, watchNoteBurst+1)
		assert.Contains(t, notes[watchNoteBurst].Detail, "opened")
		assert.Contains(t, notes[watchNoteBurst].Detail, "(50 watch-stream events before it not recorded")
		time.Sleep(watchNoteBurst * watchNoteEvery)
		churn(watchNoteBurst / 2)
		assert.Len(t, rec.OfKind(record.KindWatchStream), 2*watchNoteBurst+1, "the bucket fills up again")
	})
}
