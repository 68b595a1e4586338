package harness

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/leaderfault/leaderfault/record"
)

// Direction says which way a link fault acts, from the member's point of view.
type Direction string

// Directions.
const (
	Both Direction = "both" // in and out
	In   Direction = "in"   // bytes arriving at the member
	Out  Direction = "out"  // bytes leaving the member
)

// ParseDirection parses "in", "out" or "both" ("" is both).
func ParseDirection(s string) (Direction, error) {
	switch Direction(s) {
	case "", Both:
		return Both, nil
	case In, Out:
		return Direction(s), nil
	}
	return "", fmt.Errorf("direction %q: expected in, out or both", s)
}

func (d Direction) has(x Direction) bool { return d == Both || d == "" || d == x }

type linkKind int

const (
	linkClient linkKind = iota
	linkPeer
)

// linkEffect is a rule on one member's client or peer link.
type linkEffect struct {
	kind   linkKind
	member string
	dir    Direction
	rule   LinkRule
	fired  func()
}

func (fs *faultSet) addLink(m *Member, e *linkEffect) Effect {
	fs.mu.Lock()
	fs.links = append(fs.links, e)
	fs.mu.Unlock()
	fs.notifyLink(m, e.kind)
	return effectFunc(func(context.Context) error {
		fs.mu.Lock()
		for i, x := range fs.links {
			if x == e {
				fs.links = append(fs.links[:i], fs.links[i+1:]...)
				break
			}
		}
		fs.mu.Unlock()
		fs.notifyLink(m, e.kind)
		return nil
	})
}

// notifyLink wakes paused pumps. Peer rules between two members are enforced
// by both members' proxies, so every peer proxy is told.
func (fs *faultSet) notifyLink(m *Member, kind linkKind) {
	if kind == linkClient {
		m.client.rulesChanged()
		return
	}
	for _, x := range fs.c.live() {
		x.peer.rulesChanged()
	}
}

func (fs *faultSet) rule(kind linkKind, from, to string) (LinkRule, func()) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var r LinkRule
	var hits []func()
	for _, e := range fs.links {
		if e.kind != kind {
			continue
		}
		if (e.member == from && e.dir.has(Out)) || (e.member == to && e.dir.has(In)) {
			r = r.merge(e.rule)
			hits = append(hits, e.fired)
		}
	}
	return r, func() {
		for _, h := range hits {
			h()
		}
	}
}

// peerRule is the rule for raft bytes from one member to another.
func (fs *faultSet) peerRule(from, to string) (LinkRule, func()) {
	return fs.rule(linkPeer, from, to)
}

// clientRule is the rule for bytes between a member and its clients; the
// client side is unknownPeer.
func (fs *faultSet) clientRule(from, to string) (LinkRule, func()) {
	return fs.rule(linkClient, from, to)
}

type effectFunc func(context.Context) error

func (f effectFunc) Heal(ctx context.Context) error { return f(ctx) }

// ClientDelay delays the bytes between clients and the member by
// Latency ± Jitter (jitter drawn from the cluster's seed).
type ClientDelay struct {
	Latency, Jitter time.Duration
	Direction       Direction
}

// Kind implements Fault.
func (ClientDelay) Kind() string { return "client-delay" }
func (f ClientDelay) String() string {
	return fmt.Sprintf("client-delay %v±%v %s", f.Latency, f.Jitter, orBoth(f.Direction))
}

// Apply implements Fault.
func (f ClientDelay) Apply(_ context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	if f.Latency <= 0 || f.Jitter < 0 || f.Jitter > f.Latency {
		return nil, fmt.Errorf("client-delay: need latency > 0 and 0 <= jitter <= latency (got %v±%v)", f.Latency, f.Jitter)
	}
	return c.faults.addLink(m, &linkEffect{kind: linkClient, member: m.name, dir: orBoth(f.Direction), rule: LinkRule{Latency: f.Latency, Jitter: f.Jitter}, fired: fired}), nil
}

// ClientBlackhole is a silent network blackhole between clients and the
// member: nothing arrives either way while it lasts, no error is raised, the
// connection stays open. As on a real network, where TCP retransmits what
// was lost, the bytes are held, not discarded: after the heal they arrive in
// order and the connection carries on (a watch loses no event) — unless the
// client gave up on it first (keepalive, deadlines). Dropping bytes
// mid-stream instead would corrupt HTTP/2 framing, which no real blackhole
// does.
type ClientBlackhole struct{ Direction Direction }

// Kind implements Fault.
func (ClientBlackhole) Kind() string     { return "client-blackhole" }
func (f ClientBlackhole) String() string { return "client-blackhole " + string(orBoth(f.Direction)) }

// Apply implements Fault.
func (f ClientBlackhole) Apply(_ context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	return c.faults.addLink(m, &linkEffect{kind: linkClient, member: m.name, dir: orBoth(f.Direction), rule: LinkRule{Pause: true}, fired: fired}), nil
}

// ClientPause holds every byte between clients and the member until healed.
// It is the same mechanism as ClientBlackhole, named for symmetry with
// PeerPause.
type ClientPause struct{ Direction Direction }

// Kind implements Fault.
func (ClientPause) Kind() string     { return "client-pause" }
func (f ClientPause) String() string { return "client-pause " + string(orBoth(f.Direction)) }

// Apply implements Fault.
func (f ClientPause) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	return ClientBlackhole(f).Apply(ctx, c, m, fired)
}

// ClientRefuse takes the member's client link down hard: open client
// connections are reset and every new one is reset as soon as it connects,
// until healed. Each reconnect attempt fails fast, so gRPC's reconnect
// backoff grows for as long as it lasts.
type ClientRefuse struct{}

// Kind implements Fault.
func (ClientRefuse) Kind() string { return "client-refuse" }

// Apply implements Fault.
func (ClientRefuse) Apply(_ context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	eff := c.faults.addLink(m, &linkEffect{kind: linkClient, member: m.name, dir: In, rule: LinkRule{Refuse: true}, fired: fired})
	if n := m.client.resetConns(); n > 0 {
		fired()
		c.rec.Add(record.KindProxy, m.name, "reset %d client connections; refusing new ones", n)
	}
	return eff, nil
}

// ClientReset resets (TCP RST) every client connection of the member; with
// Every > 0 it keeps doing so at that interval until healed, so clients
// reconnect again and again and their gRPC backoff grows.
type ClientReset struct{ Every time.Duration }

// Kind implements Fault.
func (ClientReset) Kind() string { return "client-reset" }
func (f ClientReset) String() string {
	if f.Every > 0 {
		return fmt.Sprintf("client-reset every %v", f.Every)
	}
	return "client-reset"
}

// Apply implements Fault.
func (f ClientReset) Apply(_ context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	reset := func() {
		if n := m.client.resetConns(); n > 0 {
			fired()
			c.rec.Add(record.KindProxy, m.name, "reset %d client connections", n)
		}
	}
	reset()
	if f.Every <= 0 {
		return effectFunc(func(context.Context) error { return nil }), nil
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(f.Every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-c.life.Done():
				return
			case <-t.C:
				reset()
			}
		}
	}()
	return effectFunc(func(context.Context) error {
		close(stop)
		wg.Wait()
		return nil
	}), nil
}

// PeerDelay delays raft traffic of the member by Latency ± Jitter in the given
// direction (in: what it hears, out: what it says).
type PeerDelay struct {
	Latency, Jitter time.Duration
	Direction       Direction
}

// Kind implements Fault.
func (PeerDelay) Kind() string { return "peer-delay" }
func (f PeerDelay) String() string {
	return fmt.Sprintf("peer-delay %v±%v %s", f.Latency, f.Jitter, orBoth(f.Direction))
}

// Apply implements Fault.
func (f PeerDelay) Apply(_ context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	if f.Latency <= 0 || f.Jitter < 0 || f.Jitter > f.Latency {
		return nil, fmt.Errorf("peer-delay: need latency > 0 and 0 <= jitter <= latency (got %v±%v)", f.Latency, f.Jitter)
	}
	return c.faults.addLink(m, &linkEffect{kind: linkPeer, member: m.name, dir: orBoth(f.Direction), rule: LinkRule{Latency: f.Latency, Jitter: f.Jitter}, fired: fired}), nil
}

// PeerBlackhole drops the member's raft traffic in the given direction at the
// byte level (connections stay open). Direction in is a member that speaks
// but cannot hear; out is one that hears but cannot speak.
type PeerBlackhole struct{ Direction Direction }

// Kind implements Fault.
func (PeerBlackhole) Kind() string     { return "peer-blackhole" }
func (f PeerBlackhole) String() string { return "peer-blackhole " + string(orBoth(f.Direction)) }

// Apply implements Fault.
func (f PeerBlackhole) Apply(_ context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	eff := c.faults.addLink(m, &linkEffect{kind: linkPeer, member: m.name, dir: orBoth(f.Direction), rule: LinkRule{Blackhole: true}, fired: fired})
	// Bytes already queued in etcd's stream buffers were sent before the
	// fault; reset connections so that nothing crosses after this point.
	m.peer.resetConns()
	for _, x := range c.live() {
		if x != m {
			x.peer.resetConnsFrom(m.name)
		}
	}
	return eff, nil
}

// PeerPause holds the member's raft traffic in the given direction until
// healed (then it all arrives at once).
type PeerPause struct{ Direction Direction }

// Kind implements Fault.
func (PeerPause) Kind() string     { return "peer-pause" }
func (f PeerPause) String() string { return "peer-pause " + string(orBoth(f.Direction)) }

// Apply implements Fault.
func (f PeerPause) Apply(_ context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	return c.faults.addLink(m, &linkEffect{kind: linkPeer, member: m.name, dir: orBoth(f.Direction), rule: LinkRule{Pause: true}, fired: fired}), nil
}

// Mute is a member that hears its peers but cannot speak to them.
type Mute struct{}

// Kind implements Fault.
func (Mute) Kind() string { return "peer-mute" }

// Apply implements Fault.
func (Mute) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	return PeerBlackhole{Direction: Out}.Apply(ctx, c, m, fired)
}

// Deaf is a member that speaks to its peers but cannot hear them.
type Deaf struct{}

// Kind implements Fault.
func (Deaf) Kind() string { return "peer-deaf" }

// Apply implements Fault.
func (Deaf) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	return PeerBlackhole{Direction: In}.Apply(ctx, c, m, fired)
}

// Isolate cuts the member off from every peer, completely and symmetrically:
// every byte of peer HTTP to and from the member is blackholed, so neither
// raft nor the non-raft peer requests (version checks, lease forwarding) get
// through, and on members in this process raft messages are also dropped on
// both sides (etcd's CutPeer on the member for every peer and on every peer
// for the member). Its client link stays up: clients still talk to an
// isolated member.
type Isolate struct{}

// Kind implements Fault.
func (Isolate) Kind() string { return "peer-isolate" }

// Apply implements Fault.
func (Isolate) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	if !m.Running() {
		return nil, fmt.Errorf("%s: %w", m.name, ErrNotRunning)
	}
	link, err := PeerBlackhole{Direction: Both}.Apply(ctx, c, m, fired)
	if err != nil {
		return nil, err
	}
	type cut struct{ on, peer *Member }
	var cuts []cut
	for _, x := range c.live() {
		if x == m {
			continue
		}
		if s := m.Server(); s != nil {
			s.CutPeer(x.id)
			cuts = append(cuts, cut{m, x})
		}
		if xs := x.Server(); xs != nil {
			xs.CutPeer(m.id)
			cuts = append(cuts, cut{x, m})
		}
	}
	fired()
	return effectFunc(func(ctx context.Context) error {
		for _, ct := range cuts {
			// A member restarted since has a fresh transport with no cut.
			if s := ct.on.Server(); s != nil {
				s.MendPeer(ct.peer.id)
			}
		}
		return link.Heal(ctx)
	}), nil
}

func orBoth(d Direction) Direction {
	if d == "" {
		return Both
	}
	return d
}
