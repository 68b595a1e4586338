package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"time"
)

// Why a hand-written proxy instead of go.etcd.io/etcd/pkg/v3/proxy:
//   - pkg/proxy listens on ":port" (every interface) whenever a port is given,
//     and with port 0 it has no way to tell which port it got; we must bind
//     127.0.0.1 only, on kernel-chosen ports that cannot collide between
//     parallel test binaries, and keep that port for the member's lifetime.
//   - A peer link fault is per direction between two members. Raft traffic
//     from A to B flows both on connections B dialed to A (streams) and on
//     connections A dialed to B (pipeline, snapshots), so a byte-level proxy
//     must know who dialed each connection. This proxy reads the first HTTP
//     request's X-Server-From header (set by etcd's rafthttp) to learn it.
//   - While a member is not serving, its proxy resets new connections at once:
//     that is what makes a new cluster bootstrap fast (docs/facts.md §1).
// The fault semantics (delay with jitter, blackhole, pause, reset) follow
// pkg/proxy's.

// LinkRule is what a link does to bytes flowing in one direction.
type LinkRule struct {
	Refuse    bool          // reset every new connection at once (and existing ones when applied)
	Blackhole bool          // drop every byte (the connection stays open)
	Pause     bool          // hold bytes until the rule changes
	Latency   time.Duration // delay every chunk by Latency ± Jitter
	Jitter    time.Duration
}

func (r LinkRule) zero() bool { return r == LinkRule{} }

// merge combines two rules that both apply: the harsher of each field.
func (r LinkRule) merge(o LinkRule) LinkRule {
	r.Refuse = r.Refuse || o.Refuse
	r.Blackhole = r.Blackhole || o.Blackhole
	r.Pause = r.Pause || o.Pause
	if o.Latency > r.Latency {
		r.Latency, r.Jitter = o.Latency, o.Jitter
	}
	return r
}

func (r LinkRule) String() string {
	switch {
	case r.Refuse:
		return "refuse"
	case r.Blackhole:
		return "blackhole"
	case r.Pause:
		return "pause"
	case r.Latency > 0:
		return fmt.Sprintf("delay %v±%v", r.Latency, r.Jitter)
	}
	return "pass"
}

// unknownPeer names the dialer of a peer connection that carried no
// X-Server-From header (bootstrap probes, version checks, lease forwarding).
const unknownPeer = "?"

// ruleFunc returns the rule for bytes flowing from one end to the other, and
// a function to call when the rule acted on some bytes.
type ruleFunc func(from, to string) (LinkRule, func())

// proxy is a TCP forwarder on 127.0.0.1 in front of one member's client or
// peer listener.
type proxy struct {
	name     string // e.g. "m0/client"
	owner    string // member name: the server side of every connection
	identify bool   // peer proxy: learn the dialer from X-Server-From
	peerName func(id string) string
	rules    ruleFunc
	onEvent  func(format string, args ...any)
	// observer follows the gRPC traffic of a client proxy; nil on the
	// others.
	observer *observer

	ln   net.Listener
	done chan struct{}
	wg   sync.WaitGroup

	mu         sync.Mutex
	backend    string // "" while the member is down: connections are reset
	conns      map[*proxyConn]struct{}
	ruleChange signal // notified when the rules change
	rng        *rand.Rand
}

func newProxy(name, owner string, identify bool, seed int64) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy %s: listen: %w", name, err)
	}
	p := &proxy{
		name: name, owner: owner, identify: identify,
		rules:    func(string, string) (LinkRule, func()) { return LinkRule{}, func() {} },
		peerName: func(id string) string { return unknownPeer },
		onEvent:  func(string, ...any) {},
		ln:       ln, done: make(chan struct{}),
		conns: map[*proxyConn]struct{}{},
		rng:   rand.New(rand.NewSource(seed)),
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// URL is the proxy's address as an http URL.
func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) setBackend(addr string) {
	p.mu.Lock()
	p.backend = addr
	p.mu.Unlock()
}

// rulesChanged wakes every paused pump so it re-reads its rule.
func (p *proxy) rulesChanged() { p.ruleChange.Notify() }

func (p *proxy) jitter(j time.Duration) time.Duration {
	if j <= 0 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Duration(p.rng.Int63n(int64(2*j+1))) - j
}

// resetConns closes every open connection with a TCP RST and returns how many.
func (p *proxy) resetConns() int { return p.resetConnsFrom("") }

// resetConnsFrom resets the connections dialed by the named member ("" = all).
func (p *proxy) resetConnsFrom(dialer string) int {
	p.mu.Lock()
	conns := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		if dialer == "" || c.dialer == dialer {
			conns = append(conns, c)
		}
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.reset()
	}
	return len(conns)
}

func (p *proxy) close() {
	select {
	case <-p.done:
		return
	default:
	}
	close(p.done)
	p.ln.Close()
	p.resetConns()
	p.rulesChanged()
	p.wg.Wait()
}

func (p *proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			select {
			case <-p.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		p.mu.Lock()
		backend := p.backend
		p.mu.Unlock()
		if backend == "" {
			p.observer.accepted(true)
			rst(in)
			continue
		}
		if r, hit := p.rules(unknownPeer, p.owner); r.Refuse {
			p.observer.accepted(true)
			hit()
			rst(in)
			continue
		}
		p.observer.accepted(false)
		p.wg.Add(1)
		go p.serve(in, backend)
	}
}

func rst(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

type proxyConn struct {
	dialer  string // peer proxies: the member that dialed, once known
	in, out net.Conn
	once    sync.Once
	closed  chan struct{}
}

func (c *proxyConn) reset() {
	c.once.Do(func() {
		close(c.closed)
		rst(c.in)
		if c.out != nil {
			rst(c.out)
		}
	})
}

func (p *proxy) serve(in net.Conn, backend string) {
	defer p.wg.Done()
	out, err := net.DialTimeout("tcp", backend, time.Second)
	if err != nil {
		p.observer.refused()
		rst(in)
		return
	}
	c := &proxyConn{in: in, out: out, closed: make(chan struct{})}
	p.mu.Lock()
	select {
	case <-p.done:
		p.mu.Unlock()
		c.reset()
		return
	default:
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		c.reset()
	}()

	dialer := unknownPeer
	br := bufio.NewReaderSize(in, 16<<10)
	var header []byte
	if p.identify {
		// Read the first request header to learn who dialed. A deadline
		// keeps a silent client from pinning this goroutine.
		_ = in.SetReadDeadline(time.Now().Add(5 * time.Second))
		header, dialer = readDialer(br, p.peerName)
		_ = in.SetReadDeadline(time.Time{})
		p.mu.Lock()
		c.dialer = dialer
		p.mu.Unlock()
		if len(header) > 0 {
			// Connection setup passes regardless of rules, like a TCP
			// handshake; the rules apply to what follows.
			if _, err := out.Write(header); err != nil {
				return
			}
		}
	}
	var tapIn, tapOut func([]byte) // client → member, member → client
	if p.observer != nil {
		h2 := p.observer.open()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			h2.run()
		}()
		defer p.observer.connClosed()
		defer h2.close()
		tapIn = func(b []byte) { h2.feed(toServer, b) }
		tapOut = func(b []byte) { h2.feed(toClient, b) }
	}
	var pumps sync.WaitGroup
	pumps.Add(2)
	go func() {
		defer pumps.Done()
		p.pump(out, br, c.closed, tapIn, func() (LinkRule, func()) { return p.rules(dialer, p.owner) })
		c.reset()
	}()
	go func() {
		defer pumps.Done()
		p.pump(in, out, c.closed, tapOut, func() (LinkRule, func()) { return p.rules(p.owner, dialer) })
		c.reset()
	}()
	pumps.Wait()
}

// readDialer reads one HTTP request header from br and returns its bytes and
// the dialer's member name.
func readDialer(br *bufio.Reader, peerName func(string) string) ([]byte, string) {
	var buf bytes.Buffer
	for buf.Len() < 16<<10 {
		line, err := br.ReadSlice('\n')
		buf.Write(line)
		if err != nil {
			return buf.Bytes(), unknownPeer
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(buf.Bytes())))
	if err != nil {
		return buf.Bytes(), unknownPeer
	}
	from := req.Header.Get("X-Server-From")
	if from == "" {
		return buf.Bytes(), unknownPeer
	}
	return buf.Bytes(), peerName(from)
}

type chunk struct {
	data    []byte
	release time.Time
}

// pump copies src to dst applying the current rule to every chunk. Delayed
// chunks go through a queue so order is kept while reading continues. tap,
// if set, is handed each chunk just before it is written (the chunk is the
// pump's own copy, never reused).
func (p *proxy) pump(dst io.Writer, src io.Reader, closed <-chan struct{}, tap func([]byte), rule func() (LinkRule, func())) {
	queue := make(chan chunk, 1024)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for ch := range queue {
			if d := time.Until(ch.release); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-closed:
					t.Stop()
					return
				case <-p.done:
					t.Stop()
					return
				}
			}
			if tap != nil {
				tap(ch.data)
			}
			if _, err := dst.Write(ch.data); err != nil {
				return
			}
		}
	}()
	defer func() {
		close(queue)
		<-writerDone
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			data := append([]byte(nil), buf[:n]...)
			for {
				gen := p.ruleChange.C()
				r, hit := rule()
				if !r.zero() {
					hit()
				}
				if r.Pause {
					select {
					case <-gen:
						continue
					case <-closed:
						return
					case <-p.done:
						return
					}
				}
				if r.Blackhole {
					break
				}
				release := time.Now()
				if r.Latency > 0 {
					release = release.Add(r.Latency + p.jitter(r.Jitter))
				}
				select {
				case queue <- chunk{data, release}:
				case <-writerDone:
					return
				}
				break
			}
		}
		if err != nil {
			return
		}
	}
}
