package harness

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver"
)

// server is one run of a member's etcd, from its start to its stop: in this
// process (embedded) or in a child process (process). The Member keeps what
// outlives a run: its name, ID, proxies, data dir and state.
type server interface {
	// clientAddr and peerAddr are where it serves, host:port.
	clientAddr() string
	peerAddr() string
	// ready returns once it serves clients, or why it never will.
	ready(ctx context.Context) error
	// stop ends the run and returns once it is gone: hard is a crash (no
	// leadership transfer, nothing flushed).
	stop(hard bool)
	// appliedIndex is its applied raft index; settledIndex waits until it
	// has applied every entry it knows to be committed, then returns it.
	appliedIndex(ctx context.Context) (uint64, error)
	settledIndex(ctx context.Context) (uint64, error)
	// moveLeader asks it, the leader, to hand leadership to the member to.
	moveLeader(ctx context.Context, from, to types.ID) error
	// membership is its own view of the cluster's members (what a
	// serializable MemberList against it returns); barrier returns once it
	// has applied everything committed when a quorum confirmed its leader.
	membership(ctx context.Context) ([]memberView, error)
	barrier(ctx context.Context) error
}

// memberView is one entry of a member's membership.
type memberView struct {
	id         types.ID
	name       string
	clientURLs []string
}

// embedded is a member's etcd in this process (go.etcd.io/etcd/server/v3/embed).
type embedded struct{ e *embed.Etcd }

func startEmbedded(m *Member, initial bool) (*embedded, error) {
	e, err := embed.StartEtcd(m.embedConfig(initial))
	if err != nil {
		return nil, err
	}
	return &embedded{e: e}, nil
}

func (m *Member) embedConfig(initial bool) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = m.name
	cfg.Dir = m.dataDir
	local, _ := url.Parse("http://127.0.0.1:0")
	cfg.ListenPeerUrls = []url.URL{*local}
	cfg.ListenClientUrls = []url.URL{*local}
	peerURL, _ := url.Parse(m.peer.URL())
	clientURL, _ := url.Parse(m.client.URL())
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.InitialCluster = m.c.initialCluster()
	cfg.InitialClusterToken = m.c.token
	cfg.ClusterState = embed.ClusterStateFlagNew
	if !initial {
		cfg.ClusterState = embed.ClusterStateFlagExisting
	}
	cfg.TickMs = uint(m.c.opts.Profile.Tick / time.Millisecond)
	cfg.ElectionMs = uint(m.c.opts.Profile.Election / time.Millisecond)
	cfg.PreVote = true
	cfg.Logger = "zap"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(newMemberLogger(m.name, m.c.logs, m.observeRaft))
	cfg.ListenMetricsUrls = nil
	cfg.Metrics = "basic"
	cfg.UnsafeNoFsync = !m.c.opts.Disk
	return cfg
}

func (s *embedded) clientAddr() string { return s.e.Clients[0].Addr().String() }
func (s *embedded) peerAddr() string   { return s.e.Peers[0].Listener.Addr().String() }

func (s *embedded) ready(ctx context.Context) error {
	select {
	case <-s.e.Server.ReadyNotify():
		return nil
	case err := <-s.e.Err():
		return fmt.Errorf("failed while starting: %w", err)
	case <-s.e.Server.StopNotify():
		return fmt.Errorf("stopped while starting")
	case <-ctx.Done():
		return fmt.Errorf("not ready: %w", ctx.Err())
	}
}

func (s *embedded) stop(hard bool) {
	if hard {
		s.e.Server.HardStop()
	}
	s.e.Close()
	<-s.e.Server.StopNotify()
}

func (s *embedded) appliedIndex(context.Context) (uint64, error) {
	return s.e.Server.AppliedIndex(), nil
}

func (s *embedded) settledIndex(ctx context.Context) (uint64, error) {
	select {
	case <-applyWaitCommit(s.e.Server):
		return s.e.Server.AppliedIndex(), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("applying committed entries: %w", ctx.Err())
	}
}

func (s *embedded) moveLeader(ctx context.Context, from, to types.ID) error {
	return s.e.Server.MoveLeader(ctx, uint64(from), uint64(to))
}

// membership reads the member's view in process: what etcdserver's
// MemberList returns (it reads the same s.cluster.Members()), without a client
// connection that a client-link fault could hold up.
func (s *embedded) membership(context.Context) ([]memberView, error) {
	var out []memberView
	for _, k := range s.e.Server.Cluster().Members() {
		out = append(out, memberView{id: k.ID, name: k.Name, clientURLs: k.ClientURLs})
	}
	return out, nil
}

func (s *embedded) barrier(ctx context.Context) error { return s.e.Server.LinearizableReadNotify(ctx) }

// etcdServer is the in-process server behind s, or nil.
func etcdServer(s server) *etcdserver.EtcdServer {
	if e, ok := s.(*embedded); ok {
		return e.e.Server
	}
	return nil
}
