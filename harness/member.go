package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/etcdserver"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/leaderfault/leaderfault/harness/disk"
	"github.com/leaderfault/leaderfault/record"
)

// MemberState is the lifecycle state of a member.
type MemberState string

// Member states.
const (
	StateNew     MemberState = "new"
	StateRunning MemberState = "running"
	StateStopped MemberState = "stopped" // graceful stop
	StateCrashed MemberState = "crashed" // hard stop
)

// ErrNotRunning is wrapped by errors about members that are stopped or crashed.
var ErrNotRunning = errors.New("member is not running")

// Member is one etcd member of a Cluster. Its client and peer URLs are those
// of its proxies and stay the same across restarts.
type Member struct {
	c       *Cluster
	name    string
	index   int
	id      types.ID
	dataDir string // where etcd keeps its data (on the FUSE mount with Disk)

	peer, client *proxy
	upstream     *proxy        // a second client endpoint that faults never touch
	disk         *disk.Mounted // nil unless the cluster has the Disk option

	mu     sync.Mutex
	state  MemberState
	srv    server           // the running etcd; nil when down
	ports  []*reservedPort  // a process member's client and peer ports
	direct *clientv3.Client // bypasses the proxy: the harness's own view
	lead   uint64           // leader as this member sees it (from raft)
	term   uint64
	// listsAll: the member's membership was seen to list every member with
	// its name and client URL since it last started. Members' attributes
	// never change (stable proxy URLs), so it stays so until Replace changes
	// the membership and clears it.
	listsAll bool
}

// Name is the member's name ("m0", "m1", ...).
func (m *Member) Name() string { return m.name }

// Index is the member's position in the cluster, from 0.
func (m *Member) Index() int { return m.index }

// ID is the member's raft ID.
func (m *Member) ID() types.ID { return m.id }

// ClientURL is the member's client endpoint, through its client-link proxy.
func (m *Member) ClientURL() string { return m.client.URL() }

// UpstreamURL is a second client endpoint of the member that client-link
// faults never touch, stable across restarts: for load generators (the
// checkpoint writer) whose traffic must not share the faults of the client
// under test. Peer, disk and process faults still affect it.
func (m *Member) UpstreamURL() string { return m.upstream.URL() }

// PeerURL is the member's advertised peer URL, through its peer-link proxy.
func (m *Member) PeerURL() string { return m.peer.URL() }

// DataDir is the member's data directory.
func (m *Member) DataDir() string { return m.dataDir }

// String returns the member's name.
func (m *Member) String() string { return m.name }

// State is the member's lifecycle state.
func (m *Member) State() MemberState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

// Running reports whether the member is serving.
func (m *Member) Running() bool { return m.State() == StateRunning }

// Server is the running etcd server, or nil when the member is down or runs
// as a process of its own (Options.Release).
func (m *Member) Server() *etcdserver.EtcdServer { return etcdServer(m.server()) }

// SeenLeader is the leader as this member sees it, and the term; nil when it
// knows none.
func (m *Member) SeenLeader() (*Member, uint64) {
	m.mu.Lock()
	lead, term := m.lead, m.term
	m.mu.Unlock()
	return m.c.byID(lead), term
}

// DirectClient is a client connected straight to the member, bypassing its
// client-link proxy: the harness uses it to observe the member as it is. It is
// closed when the member stops.
func (m *Member) DirectClient() (*clientv3.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.direct == nil {
		return nil, fmt.Errorf("%s: %w", m.name, ErrNotRunning)
	}
	return m.direct, nil
}

func (m *Member) observeRaft(elected bool, lead, term uint64) {
	m.mu.Lock()
	if elected {
		m.lead, m.term = lead, term
	} else {
		m.lead, m.term = 0, term
	}
	m.mu.Unlock()
	if elected {
		m.c.rec.Record(record.Event{Kind: record.KindLeader, Member: m.name, Leader: m.c.nameOf(lead), Term: term})
	} else {
		m.c.rec.Record(record.Event{Kind: record.KindLeaderLost, Member: m.name, Leader: m.c.nameOf(lead), Term: term})
	}
	m.c.notify()
}

// start boots the member's etcd and points its proxies at it. It does not wait
// for the member to be ready.
func (m *Member) start(initial bool) error {
	// Forget the leader a previous run of the member saw, before this one
	// starts: it can learn its leader while it starts (it dials its peers'
	// proxies itself), and a reset after it would erase that.
	m.mu.Lock()
	m.lead, m.term = 0, 0
	m.mu.Unlock()
	var srv server
	var err error
	if m.c.opts.Release != "" {
		srv, err = startProcess(m, initial)
	} else {
		srv, err = startEmbedded(m, initial)
	}
	if err != nil {
		return fmt.Errorf("start %s: %w", m.name, err)
	}
	clientAddr := srv.clientAddr()
	direct, err := newDirectClient(clientAddr)
	if err != nil {
		srv.stop(true)
		return fmt.Errorf("start %s: direct client: %w", m.name, err)
	}
	m.mu.Lock()
	m.srv, m.direct, m.state = srv, direct, StateRunning
	m.listsAll = false
	m.mu.Unlock()
	if p, ok := srv.(*process); ok {
		// Its proxies lead nowhere until it serves: a peer's bootstrap
		// probe through them then fails at once, where a member that
		// listens but does not serve yet would hold it for etcd's 1 s
		// bootstrap timeout (a cluster start took 1.2-5.3 s that way).
		go m.connectPeersWhenServing(p)
	} else {
		m.peer.setBackend(srv.peerAddr())
		m.client.setBackend(clientAddr)
		m.upstream.setBackend(clientAddr)
	}
	m.c.notify()
	return nil
}

// connectPeersWhenServing points the member's peer proxy at the process once
// it serves peer traffic, unless it is gone or replaced by then.
func (m *Member) connectPeersWhenServing(p *process) {
	select {
	case <-p.peerServing:
	case <-p.exited:
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.srv == server(p) {
		m.peer.setBackend(p.peerAddr())
	}
}

// waitReady waits until the member serves clients.
func (m *Member) waitReady(ctx context.Context) error {
	srv := m.server()
	if srv == nil {
		return fmt.Errorf("%s: %w", m.name, ErrNotRunning)
	}
	if err := srv.ready(ctx); err != nil {
		return fmt.Errorf("%s %w", m.name, err)
	}
	if p, ok := srv.(*process); ok {
		// Clients reach it through its proxies once it serves them.
		m.mu.Lock()
		if m.srv == server(p) {
			m.client.setBackend(p.clientAddr())
			m.upstream.setBackend(p.clientAddr())
		}
		m.mu.Unlock()
		m.c.notify()
	}
	return nil
}

// server is the member's running etcd, or nil.
func (m *Member) server() server {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.srv
}

// shutdown stops etcd. hard means no leadership transfer (a crash): the
// proxies reset every connection first, as a dead process would.
func (m *Member) shutdown(hard bool) error {
	m.mu.Lock()
	srv, direct := m.srv, m.direct
	if srv == nil {
		m.mu.Unlock()
		return fmt.Errorf("%s: %w", m.name, ErrNotRunning)
	}
	m.srv, m.direct = nil, nil
	if hard {
		m.state = StateCrashed
	} else {
		m.state = StateStopped
	}
	m.lead, m.term = 0, 0
	m.mu.Unlock()
	if hard {
		for _, p := range m.proxies() {
			p.setBackend("")
			p.resetConns()
		}
	}
	direct.Close()
	srv.stop(hard)
	for _, p := range m.proxies() {
		p.setBackend("")
		p.resetConns()
	}
	m.c.notify()
	return nil
}

func (m *Member) proxies() []*proxy {
	var out []*proxy
	for _, p := range []*proxy{m.peer, m.client, m.upstream} {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Crash hard-stops the member: no leadership transfer, connections reset.
func (m *Member) Crash() error {
	if err := m.shutdown(true); err != nil {
		return fmt.Errorf("crash: %w", err)
	}
	m.c.rec.Add(record.KindMemberCrash, m.name, "hard stop")
	return nil
}

// Stop stops the member gracefully. Note that etcd transfers leadership first
// when the member leads, so stopping the leader is a leader transfer.
func (m *Member) Stop() error {
	if err := m.shutdown(false); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	m.c.rec.Add(record.KindMemberStop, m.name, "graceful stop")
	return nil
}

// Restart starts a stopped or crashed member on the same data dir and the
// same (proxy) addresses, and returns when it is ready: it serves, it follows
// the leader a quorum agrees on, and every running member's membership lists
// every member with its name and client URL. Members cut off from the leader
// by a fault still active need not follow it, or a restart during a partition
// could never return.
func (m *Member) Restart(ctx context.Context) error {
	if s := m.State(); s == StateRunning {
		return fmt.Errorf("restart %s: already running", m.name)
	}
	if err := m.start(false); err != nil {
		return err
	}
	if err := m.waitJoined(ctx); err != nil {
		return fmt.Errorf("restart %s: %w", m.name, err)
	}
	m.c.rec.Add(record.KindMemberRestart, m.name, "serving again")
	return nil
}

// waitJoined waits until the member, just started, serves, follows the
// leader a quorum agrees on, and every running member's membership lists
// every member with its name and client URL.
func (m *Member) waitJoined(ctx context.Context) error {
	if err := m.waitReady(ctx); err != nil {
		return err
	}
	if err := m.c.waitFollows(ctx, m); err != nil {
		return err
	}
	return m.c.waitMembership(ctx)
}

// Revision is the member's applied revision from a serializable read on its
// direct client.
func (m *Member) Revision(ctx context.Context) (int64, error) {
	cli, err := m.DirectClient()
	if err != nil {
		return 0, err
	}
	resp, err := cli.Get(ctx, "leaderfault/probe", clientv3.WithSerializable(), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("%s: revision: %w", m.name, err)
	}
	return resp.Header.Revision, nil
}

// SettledIndex waits until the member has applied everything it knows to be
// committed, and returns its applied index. On a member cut off from the
// leader this index cannot move any more.
func (m *Member) SettledIndex(ctx context.Context) (uint64, error) {
	srv := m.server()
	if srv == nil {
		return 0, fmt.Errorf("%s: %w", m.name, ErrNotRunning)
	}
	idx, err := srv.settledIndex(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", m.name, err)
	}
	return idx, nil
}

// RaftIndex is the member's applied raft index.
func (m *Member) RaftIndex() (uint64, error) {
	srv := m.server()
	if srv == nil {
		return 0, fmt.Errorf("%s: %w", m.name, ErrNotRunning)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	idx, err := srv.appliedIndex(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", m.name, err)
	}
	return idx, nil
}

// newDirectClient is a client of the harness's own, straight to a member's
// client address (host:port). A member as a process is not listening yet
// when it is made, so its first connection is refused: it retries within
// 50 ms, where gRPC's default backoff (1 s, then more) would hold the
// membership check that follows readiness.
func newDirectClient(addr string) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{
		Endpoints:   []string{"http://" + addr},
		DialTimeout: 2 * time.Second,
		Logger:      zap.NewNop(),
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 50 * time.Millisecond},
			MinConnectTimeout: time.Second,
		})},
	})
}
