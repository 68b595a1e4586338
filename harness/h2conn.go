package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Directions of a client-proxy connection.
const (
	toServer = 0 // client → member
	toClient = 1 // member → client
)

// maxObserveBacklog bounds the bytes a connection's parser may fall behind
// the proxy; past it the parser gives the connection up rather than hold the
// proxy's memory (the proxy itself is never slowed).
const maxObserveBacklog = 32 << 20

// observeBatch is how long the parser lets chunks gather after it is woken,
// before parsing them: a busy connection wakes its parser about a thousand
// times a second, not once per forwarded chunk. The frames keep the times
// they were forwarded at, so a batch only delays when the observer learns of
// them.
const observeBatch = time.Millisecond

// errNotH2C marks a connection that does not begin with the HTTP/2 client
// preface: TLS, HTTP/1, or something else.
var errNotH2C = errors.New("not plaintext HTTP/2")

// tapChunk is bytes the proxy forwarded in one write. seq orders the chunks
// of both directions of a connection as the proxy forwarded them.
type tapChunk struct {
	data []byte
	seq  uint64
	at   time.Time
}

// h2conn follows the HTTP/2 frames of one client-proxy connection, both
// directions, on a goroutine of its own (run). The proxy's pumps only hand it
// each chunk before forwarding it (feed); the chunk is already the pump's own
// copy, so parsing never delays or changes a byte.
//
// The parser handles the frames of both directions in one order: a frame
// counts when its last byte was forwarded, and since chunks are numbered
// before they are written, a frame the other end caused by answering (a
// response to a request) always comes after its cause. So a stream's start
// (the client's HEADERS) is always seen before its DATA and its end.
type h2conn struct {
	o      *observer
	id     uint64
	gaveUp atomic.Bool // parsing stopped: feed drops chunks

	mu     sync.Mutex
	seq    uint64
	inbox  [2][]tapChunk
	behind int // bytes in inbox
	closed bool
	wake   chan struct{}

	// Owned by run.
	dirs      [2]*h2dir
	prefaceOK bool
	streams   map[uint32]*h2stream
}

// h2dir is one direction's bytes not parsed yet, read by its Framer, and its
// HPACK state: each direction has its own dynamic table.
type h2dir struct {
	chunks []tapChunk
	off    int // bytes of chunks[0] already read
	n      int // bytes not read yet
	fr     *http2.Framer
	dec    *hpack.Decoder

	block       []byte // header block being assembled (HEADERS + CONTINUATION)
	blockStream uint32
	blockEnd    bool // the HEADERS that began the block ended its stream
	blockPush   bool // a PUSH_PROMISE's block: decoded only to keep the table in step
}

// h2stream is one HTTP/2 stream the client opened.
type h2stream struct {
	id       uint32
	method   string
	opened   time.Time
	lastData time.Time       // last member → client DATA frame
	msgs     [2]grpcMessages // Watch streams only: messages per direction
}

func newH2Conn(o *observer, id uint64) *h2conn {
	c := &h2conn{o: o, id: id, wake: make(chan struct{}, 1), streams: map[uint32]*h2stream{}}
	for i := range c.dirs {
		d := &h2dir{dec: hpack.NewDecoder(4096, nil)}
		// Lenient where the protocol lets endpoints agree on more: the
		// observer checks nothing, it only must not lose its place.
		d.dec.SetAllowedMaxDynamicTableSize(1 << 30)
		d.fr = http2.NewFramer(io.Discard, d)
		d.fr.SetMaxReadFrameSize(1<<24 - 1)
		c.dirs[i] = d
	}
	return c
}

// feed hands the parser a chunk the proxy is about to forward in direction
// dir. It never blocks on the parser.
func (c *h2conn) feed(dir int, data []byte) {
	if c.gaveUp.Load() {
		return
	}
	c.mu.Lock()
	c.seq++
	c.inbox[dir] = append(c.inbox[dir], tapChunk{data: data, seq: c.seq, at: time.Now()})
	c.behind += len(data)
	if c.behind > maxObserveBacklog {
		c.gaveUp.Store(true)
		c.inbox = [2][]tapChunk{}
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close tells the parser the connection is gone; it parses what it has,
// ends the connection's streams and returns.
func (c *h2conn) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run parses until the connection closes or the parser gives it up.
func (c *h2conn) run() {
	reason := "connection closed"
	defer func() { c.endAll(reason) }()
	for {
		closed := c.take()
		err := c.parse()
		if c.gaveUp.Load() {
			err = fmt.Errorf("parser fell more than %d bytes behind the proxy", maxObserveBacklog)
		}
		if err != nil {
			c.gaveUp.Store(true)
			c.o.connUnparsed()
			reason = "observer gave the connection up: " + err.Error()
			return
		}
		if closed {
			return
		}
		<-c.wake
		c.mu.Lock()
		closed = c.closed
		c.mu.Unlock()
		if !closed {
			time.Sleep(observeBatch)
		}
	}
}

// take moves the chunks fed so far to the parser's queues and reports
// whether the connection has closed (then nothing more will be fed).
func (c *h2conn) take() (closed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.inbox {
		d := c.dirs[i]
		for _, ch := range c.inbox[i] {
			d.chunks = append(d.chunks, ch)
			d.n += len(ch.data)
		}
		c.inbox[i] = nil
	}
	c.behind = 0
	return c.closed
}

var clientPreface = []byte(http2.ClientPreface)

// parse handles every complete frame both directions hold, in the order
// their last bytes were forwarded.
func (c *h2conn) parse() error {
	cs, sc := c.dirs[toServer], c.dirs[toClient]
	if !c.prefaceOK {
		n := min(cs.n, len(clientPreface))
		got := make([]byte, n)
		cs.peek(got)
		if !bytes.Equal(got, clientPreface[:n]) {
			return errNotH2C
		}
		if n < len(clientPreface) {
			return nil
		}
		_, _ = io.ReadFull(cs, got)
		c.prefaceOK = true
	}
	for {
		kc, okc := cs.nextFrame()
		ks, oks := sc.nextFrame()
		if !okc && !oks {
			return nil
		}
		dir := toServer
		if !okc || (oks && ks.seq < kc.seq) {
			dir = toClient
		}
		at := kc.at
		if dir == toClient {
			at = ks.at
		}
		f, err := c.dirs[dir].fr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				continue // the frame was read; only its stream is at fault
			}
			return fmt.Errorf("reading a frame: %w", err)
		}
		if err := c.handle(dir, f, at); err != nil {
			return err
		}
	}
}

// peek copies the next len(p) unread bytes into p without reading them; the
// caller knows they are there.
func (d *h2dir) peek(p []byte) {
	off, got := d.off, 0
	for i := 0; got < len(p) && i < len(d.chunks); i++ {
		got += copy(p[got:], d.chunks[i].data[off:])
		off = 0
	}
}

// nextFrame returns the chunk that completes the next frame, if the whole
// frame has been forwarded.
func (d *h2dir) nextFrame() (tapChunk, bool) {
	if d.n < 9 {
		return tapChunk{}, false
	}
	var h [9]byte
	d.peek(h[:])
	end := 9 + (int(h[0])<<16 | int(h[1])<<8 | int(h[2])) // offset after the frame's last byte
	if d.n < end {
		return tapChunk{}, false
	}
	end += d.off
	for _, ch := range d.chunks {
		if end <= len(ch.data) {
			return ch, true
		}
		end -= len(ch.data)
	}
	return tapChunk{}, false
}

// Read reads forwarded bytes for the Framer; it only ever asks for bytes of
// a frame nextFrame found complete.
func (d *h2dir) Read(p []byte) (int, error) {
	if d.n == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	got := 0
	for got < len(p) && len(d.chunks) > 0 {
		n := copy(p[got:], d.chunks[0].data[d.off:])
		got += n
		d.off += n
		if d.off == len(d.chunks[0].data) {
			d.chunks[0] = tapChunk{}
			d.chunks = d.chunks[1:]
			d.off = 0
		}
	}
	d.n -= got
	return got, nil
}

func (c *h2conn) handle(dir int, f http2.Frame, at time.Time) error {
	d := c.dirs[dir]
	switch f := f.(type) {
	case *http2.HeadersFrame:
		d.block = append(d.block[:0], f.HeaderBlockFragment()...)
		d.blockStream, d.blockEnd, d.blockPush = f.StreamID, f.StreamEnded(), false
		if f.HeadersEnded() {
			return c.headerBlock(dir, at)
		}
	case *http2.PushPromiseFrame:
		d.block = append(d.block[:0], f.HeaderBlockFragment()...)
		d.blockStream, d.blockEnd, d.blockPush = f.StreamID, false, true
		if f.HeadersEnded() {
			return c.headerBlock(dir, at)
		}
	case *http2.ContinuationFrame:
		d.block = append(d.block, f.HeaderBlockFragment()...)
		if f.HeadersEnded() {
			return c.headerBlock(dir, at)
		}
	case *http2.DataFrame:
		c.data(dir, f.StreamID, f.Data(), f.StreamEnded(), at)
	case *http2.RSTStreamFrame:
		c.end(f.StreamID, fmt.Sprintf("RST_STREAM %v from the %s", f.ErrCode, sideName(dir)))
	case *http2.GoAwayFrame:
		if dir == toClient {
			for id := range c.streams {
				if id > f.LastStreamID {
					c.end(id, fmt.Sprintf("GOAWAY %v from the member", f.ErrCode))
				}
			}
		}
	}
	return nil
}

func sideName(dir int) string {
	if dir == toServer {
		return "client"
	}
	return "member"
}

// headerBlock decodes a complete header block. Every block is decoded, even
// one the observer does not need, to keep the direction's HPACK dynamic
// table in step with the encoder's.
func (c *h2conn) headerBlock(dir int, at time.Time) error {
	d := c.dirs[dir]
	fields, err := d.dec.DecodeFull(d.block)
	if err != nil {
		return fmt.Errorf("HPACK: %w", err)
	}
	if d.blockPush {
		return nil
	}
	id := d.blockStream
	if dir == toServer {
		if _, ok := c.streams[id]; !ok {
			s := &h2stream{id: id, method: fieldValue(fields, ":path"), opened: at}
			c.streams[id] = s
			c.o.streamOpened(c.id, s)
		}
		return nil
	}
	if d.blockEnd {
		reason := "ended by the member"
		if st := fieldValue(fields, "grpc-status"); st != "" {
			reason = "grpc-status " + st
			if msg := fieldValue(fields, "grpc-message"); msg != "" {
				reason += " " + msg
			}
		}
		c.end(id, reason)
	}
	return nil
}

func fieldValue(fields []hpack.HeaderField, name string) string {
	for _, f := range fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

func (c *h2conn) data(dir int, id uint32, p []byte, ended bool, at time.Time) {
	s := c.streams[id]
	if s == nil {
		return
	}
	if dir == toClient && len(p) > 0 {
		s.lastData = at
		c.o.delivered(at)
	}
	if s.method == MethodWatch {
		if dir == toClient {
			c.o.watchData(c.id, id, at)
		}
		s.msgs[dir].write(p, func(msg []byte) { c.o.watchMessage(c.id, id, dir, msg) })
	}
	if ended && dir == toClient {
		c.end(id, "ended by the member")
	}
}

func (c *h2conn) end(id uint32, reason string) {
	s := c.streams[id]
	if s == nil {
		return
	}
	delete(c.streams, id)
	c.o.streamClosed(c.id, s, reason)
}

func (c *h2conn) endAll(reason string) {
	for id := range c.streams {
		c.end(id, reason)
	}
}
