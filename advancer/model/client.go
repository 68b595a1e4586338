package model

import (
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/internal/memberclient"
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

func newPinnedClient(cfg Config, env *advancer.Env) (*pinnedClient, error) {
	cli, err := clientv3.New(cfg.clientConfig([]string{env.PinnedOrFirst()}, env.Log()))
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
func (p *pinnedClient) widenAfter(env *advancer.Env, resp clientv3.WatchResponse) {
	if !p.widen || p.widend || !resp.Created {
		return
	}
	p.widenNow(env, "first watch open on "+p.pinned)
}

// widenNow gives the client every endpoint now (after a first wait that
// never opened its stream, so that a dead pinned member cannot hold the
// client forever).
func (p *pinnedClient) widenNow(env *advancer.Env, why string) {
	if !p.widen || p.widend {
		return
	}
	p.widend = true
	p.SetEndpoints(p.all...)
	env.Note("%s; client now knows all %d endpoints", why, len(p.all))
}

// newMemberClients is one client per member, each configured by the knobs.
func newMemberClients(cfg Config, endpoints []string, lg *zap.Logger) (*memberclient.Set, error) {
	return memberclient.New(func(ep string) clientv3.Config { return cfg.clientConfig([]string{ep}, lg) }, endpoints)
}
