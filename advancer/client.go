package advancer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// clientConfig is the clientv3 configuration the knobs describe, for the
// given endpoints.
//
// The backoff always goes in through grpc.WithConnectParams. For a preset
// whose BR passed none (legacy) the values are gRPC's defaults, MinConnectTimeout
// 20 s included, so the client behaves as gRPC's defaults would. A zero
// MinConnectTimeout is passed as zero: gRPC then gives each connection attempt
// the current backoff delay as its deadline (docs/facts.md §3.9).
func (c Config) clientConfig(endpoints []string, lg *zap.Logger) clientv3.Config {
	opts := []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
		Backoff: backoff.Config{
			BaseDelay:  c.BackoffBase,
			Multiplier: c.BackoffMultiplier,
			Jitter:     c.BackoffJitter,
			MaxDelay:   c.BackoffMax,
		},
		MinConnectTimeout: c.MinConnectTimeout,
	})}
	if c.DialBlock {
		// BR passes both (docs/facts.md §4.3). clientv3 v3.5 dials with
		// grpc.DialContext, which honours them: New waits up to DialTimeout
		// for a connection and fails with the connection's error. clientv3
		// v3.7 uses grpc.NewClient, which ignores them (§3.12).
		//lint:ignore SA1019 deprecated for grpc.NewClient only; the etcd v3.5 client dials with DialContext
		opts = append(opts, grpc.WithBlock(), grpc.WithReturnConnectionError())
	}
	return clientv3.Config{
		Endpoints:            append([]string(nil), endpoints...),
		DialTimeout:          c.DialTimeout,
		AutoSyncInterval:     c.AutoSyncInterval,
		DialKeepAliveTime:    c.KeepAliveTime,
		DialKeepAliveTimeout: c.KeepAliveTimeout,
		PermitWithoutStream:  c.PermitWithoutStream,
		BackoffWaitBetween:   c.UnaryRetryWait,
		Logger:               lg,
		DialOptions:          opts,
	}
}

// pinnedClient is a client whose first watch stream starts on one chosen
// endpoint while the client, once that stream is open, knows every endpoint.
//
// How: the client is created knowing only the pinned endpoint, so the first
// gRPC stream can only go there; when that watch reports it is created, widen
// calls SetEndpoints(all). The resolver update keeps the pinned
// sub-connection (it is still in the list) and a gRPC stream never moves off
// the transport it started on, so the open watch stays on the pinned member
// while later RPCs and streams are balanced round-robin over all members
// (TestPinnedClientKeepsStreamAfterWiden checks it on a real cluster).
type pinnedClient struct {
	*clientv3.Client
	pinned string
	all    []string
	widen  bool
	widend bool
}

func newPinnedClient(cfg Config, env *Env) (*pinnedClient, error) {
	cli, err := clientv3.New(cfg.clientConfig([]string{env.PinnedOrFirst()}, env.logger()))
	if err != nil {
		return nil, fmt.Errorf("advancer %s: client for %s: %w", cfg.Name, env.PinnedOrFirst(), err)
	}
	return &pinnedClient{Client: cli, pinned: env.PinnedOrFirst(), all: env.Endpoints, widen: len(env.Endpoints) > 1}, nil
}

// needsCreatedNotify tells whether the next watch must ask for a created
// notification so that widenAfter can run when its stream exists.
func (p *pinnedClient) needsCreatedNotify() bool { return p.widen && !p.widend }

// widenAfter gives the client every endpoint once the first watch stream is
// open (its first response, the created notification, has arrived).
func (p *pinnedClient) widenAfter(env *Env, resp clientv3.WatchResponse) {
	if !p.widen || p.widend || !resp.Created {
		return
	}
	p.widenNow(env, "first watch open on "+p.pinned)
}

// widenNow gives the client every endpoint now (after a first wait that
// never opened its stream, so that a dead pinned member cannot hold the
// client forever).
func (p *pinnedClient) widenNow(env *Env, why string) {
	if !p.widen || p.widend {
		return
	}
	p.widend = true
	p.SetEndpoints(p.all...)
	env.Note("%s; client now knows all %d endpoints", why, len(p.all))
}

// memberClients is one client per member, each knowing only its member, so a
// request goes exactly where the caller sends it (the robust advancer and the
// writer choose members themselves).
type memberClients struct {
	endpoints []string
	clients   []*clientv3.Client
}

func newMemberClients(cfg Config, endpoints []string, lg *zap.Logger) (*memberClients, error) {
	mc := &memberClients{endpoints: append([]string(nil), endpoints...)}
	for _, ep := range endpoints {
		cli, err := clientv3.New(cfg.clientConfig([]string{ep}, lg))
		if err != nil {
			mc.Close()
			return nil, fmt.Errorf("client for %s: %w", ep, err)
		}
		mc.clients = append(mc.clients, cli)
	}
	return mc, nil
}

func (mc *memberClients) index(ep string) int {
	for i, e := range mc.endpoints {
		if e == ep {
			return i
		}
	}
	return 0
}

// Close closes every client.
func (mc *memberClients) Close() {
	for _, c := range mc.clients {
		c.Close()
	}
}

// readResult is one successful checkpoint read.
type readResult struct {
	member   int    // index of the member that answered
	value    uint64 // 0 when the key does not exist
	modRev   int64  // the key's ModRevision (0 when absent)
	revision int64  // the response header's revision
}

// quorumRead sends a linearizable read of key to every member at once and
// returns the first answer within timeout. A linearizable answer proves that
// member was caught up with the leader at the time of the read, so its
// revision is a quorum revision, unlike a watch's progress revision (local to
// its member). WithRequireLeader makes a leaderless member fail at once
// instead of holding the read until the deadline.
func (mc *memberClients) quorumRead(ctx context.Context, key string, timeout time.Duration) (readResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		r   readResult
		err error
	}
	answers := make(chan answer, len(mc.clients))
	var wg sync.WaitGroup
	for i, cli := range mc.clients {
		wg.Go(func() {
			r, err := readCheckpoint(clientv3.WithRequireLeader(ctx), cli.KV, key)
			r.member = i
			if err != nil {
				err = fmt.Errorf("%s: %w", mc.endpoints[i], err)
			}
			answers <- answer{r, err}
		})
	}
	// The losers return as soon as ctx is cancelled; wait for them so that no
	// goroutine outlives the call.
	defer func() {
		cancel()
		wg.Wait()
	}()
	var errs []error
	for range mc.clients {
		a := <-answers
		if a.err == nil {
			return a.r, nil
		}
		errs = append(errs, a.err)
	}
	return readResult{}, fmt.Errorf("quorum read: no member answered within %v: %w", timeout, joinInline(errs))
}

// joinInline joins errors on one line ("a; b"), so each stays readable in a
// timeline, and keeps them for errors.Is.
func joinInline(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return inlineErrors(errs)
}

type inlineErrors []error

func (e inlineErrors) Error() string {
	parts := make([]string, len(e))
	for i, err := range e {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

func (e inlineErrors) Unwrap() []error { return e }

// readCheckpoint reads key and decodes it. An absent key reads as 0, as in BR.
func readCheckpoint(ctx context.Context, kv clientv3.KV, key string) (readResult, error) {
	resp, err := kv.Get(ctx, key)
	if err != nil {
		return readResult{}, err
	}
	r := readResult{revision: resp.Header.Revision}
	if len(resp.Kvs) == 0 {
		return r, nil
	}
	r.value, err = DecodeCheckpoint(resp.Kvs[0].Value)
	r.modRev = resp.Kvs[0].ModRevision
	return r, err
}
