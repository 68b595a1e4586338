package model

import (
	"fmt"
	"strings"
	"time"
)

// Preset names.
const (
	PresetLegacy  = "legacy"
	PresetPR69047 = "pr69047"
	PresetRobust  = "robust"
	PresetPD      = "pd"
)

// gRPC's default reconnect backoff (google.golang.org/grpc backoff/backoff.go
// DefaultConfig) and minimum connect timeout (clientconn.go minConnectTimeout);
// clientv3 does not change them (docs/facts.md §3.9).
const (
	grpcBackoffBase       = time.Second
	grpcBackoffMultiplier = 1.6
	grpcBackoffJitter     = 0.2
	grpcBackoffMax        = 120 * time.Second
	grpcMinConnectTimeout = 20 * time.Second
	// go.etcd.io/etcd/client/v3 options.go defaultBackoffWaitBetween.
	clientv3UnaryRetryWait = 25 * time.Millisecond
)

// Presets lists the preset names.
func Presets() []string { return []string{PresetLegacy, PresetPR69047, PresetRobust, PresetPD} }

// Preset returns a preset's Config in production units (run it against the
// fast profile with Scale(10)).
func Preset(name string) (Config, error) {
	switch name {
	case PresetLegacy:
		return legacy(), nil
	case PresetPR69047:
		return pr69047(), nil
	case PresetRobust:
		return robust(), nil
	case PresetPD:
		return pd(), nil
	}
	return Config{}, fmt.Errorf("unknown advancer preset %q; known: %s", name, strings.Join(Presets(), ", "))
}

// legacy is BR before PR #69047 (docs/facts.md §4.5, table in §4.8): a
// plain watch with no leader requirement, no progress requests and no idle
// guard, on a client with dial timeout 5 s, auto-sync 30 s, keepalive 10 s /
// 3 s without pings on idle connections, WithBlock, and gRPC's default
// 1 s → 120 s reconnect backoff with its 20 s minimum connect timeout.
//
// Client values: pingcap/tidb br/pkg/task/operator/crr_checkpoint.go
// dialEtcdWithCfg, before PR #69047 (copies at commits 3b854161, 054067d8).
func legacy() Config {
	return Config{
		Name:   PresetLegacy,
		Design: DesignBR,
		// clientv3.Config{DialTimeout: 5 * time.Second} in dialEtcdWithCfg.
		DialTimeout: 5 * time.Second,
		// grpc.WithBlock() and grpc.WithReturnConnectionError() in its
		// DialOptions (honoured by the etcd v3.5 client only, §3.12).
		DialBlock: true,
		// clientv3.Config{AutoSyncInterval: 30 * time.Second}.
		AutoSyncInterval: 30 * time.Second,
		// grpc.WithKeepaliveParams{Time: cfg.GRPCKeepaliveTime, Timeout:
		// cfg.GRPCKeepaliveTimeout, PermitWithoutStream: false}; the task
		// config's defaults are br/pkg/task/common.go
		// defaultGRPCKeepaliveTime 10 s, defaultGRPCKeepaliveTimeout 3 s.
		KeepAliveTime:       10 * time.Second,
		KeepAliveTimeout:    3 * time.Second,
		PermitWithoutStream: false,
		// No grpc.WithConnectParams: gRPC's defaults (grpc backoff.DefaultConfig;
		// clientconn.go minConnectTimeout 20 s), which clientv3 leaves alone.
		BackoffBase:       grpcBackoffBase,
		BackoffMultiplier: grpcBackoffMultiplier,
		BackoffJitter:     grpcBackoffJitter,
		BackoffMax:        grpcBackoffMax,
		MinConnectTimeout: grpcMinConnectTimeout,
		// BR sets no clientv3 BackoffWaitBetween: clientv3's default.
		UnaryRetryWait: clientv3UnaryRetryWait,
		// br/pkg/stream/crr/service/service.go DefaultRetryInterval (the
		// --retry-interval flag's default, br/pkg/stream/crr/config).
		RetryInterval: time.Second,
		// Watch: no require-leader, no progress notify, no RequestProgress,
		// no idle timer — reconstructed, not read (§4.5). Reads (the service
		// loop's and the wait's) have no deadline: request-timeouts empty
		// (AdvancerExt.GetGlobalCheckpointForTask passes the loop's ctx
		// straight to KV.Get, §4.6).
	}
}

// pr69047 is exactly what PR #69047 changed on top of legacy (docs/facts.md
// §4.3, table in §4.8). The watch-creation and request timeouts of later PRs
// are not in it (knobs watch-create-timeouts and request-timeouts add them:
// 5s,10s,15s).
//
// Measured here: etcd answers RequestProgress only once its revision has
// reached every watcher's start revision (storage/mvcc/watchable_store.go,
// progressIfSync), and BR watches from the read's revision + 1. So on a
// cluster where nothing else is written, the idle timer fires every
// IdleTimeout even on a healthy member; PD's etcd always has other writes.
func pr69047() Config {
	c := legacy()
	c.Name = PresetPR69047
	// crr_checkpoint.go newEtcdClientConfig: grpc.WithConnectParams{Backoff:
	// etcdGRPCBackoffConfig()} = backoff.DefaultConfig with MaxDelay
	// etcdGRPCBackOffMaxDelay (3 s); base, multiplier and jitter stay gRPC's.
	c.BackoffMax = 3 * time.Second
	// The same ConnectParams leave MinConnectTimeout at 0, so gRPC gives each
	// connection attempt the current backoff delay as its deadline (1 s, then
	// 1.6 s … up to 3 s ± 20%), not 20 s (grpc clientconn.go
	// addrConn.resetTransportAndUnlock, §3.9).
	c.MinConnectTimeout = 0
	// etcdKeepaliveParams: the same task keepalive, PermitWithoutStream true.
	c.PermitWithoutStream = true
	// DialTimeout 5 s, AutoSyncInterval 30 s, WithBlock and
	// WithReturnConnectionError are unchanged by the PR.
	//
	// br/pkg/streamhelper/advancer_cliext.go waitCheckpointEvent: watch ctx
	// clientv3.WithRequireLeader, option WithProgressNotify;
	// metadataWatchProgressInterval 30 s (each request bounded by it),
	// metadataWatchIdleTimeout 90 s.
	c.RequireLeader = true
	c.ProgressNotify = true
	c.ProgressInterval = 30 * time.Second
	c.IdleTimeout = 90 * time.Second
	return c
}

// robust is leaderfault's own design, in production units; each value is
// explained in robust.go next to the scenario that needs it. At Scale(10) the
// guard reads every 50 ms and a stale watch is replaced within ~150 ms, well
// inside 5 election timeouts (500 ms) of the fast profile.
func robust() Config {
	return Config{
		Name:   PresetRobust,
		Design: DesignRobust,
		// Only clientv3's token/version calls use it. No WithBlock
		// (DialBlock false): a client must start even while its member is down.
		DialTimeout: 5 * time.Second,
		// The robust advancer keeps one client per member and picks members
		// itself; auto-sync would only rewrite endpoints under it.
		AutoSyncInterval: 0,
		// Keepalive off: the guard's per-read deadline finds a dead link within
		// one guard interval, gRPC would raise any keepalive below 10 s to 10 s
		// (useless at the fast profile), and pings on idle connections draw
		// GOAWAY too_many_pings from etcd (docs/facts.md §3).
		KeepAliveTime:    0,
		KeepAliveTimeout: 0,
		// Scenario "pinned member down then back", "leader crash", "client link
		// flap": a client must reconnect within an election timeout, not sit in
		// gRPC's backoff (up to 120 s). 100 ms → 1 s, and a connection attempt
		// to a blackholed link gives up after 1 s instead of 20 s.
		BackoffBase:       100 * time.Millisecond,
		BackoffMultiplier: grpcBackoffMultiplier,
		BackoffJitter:     grpcBackoffJitter,
		BackoffMax:        time.Second,
		MinConnectTimeout: time.Second,
		UnaryRetryWait:    clientv3UnaryRetryWait,
		// Scenario "leader deaf" / "quorum loss": a member without a leader
		// cancels the watch (after 3 election timeouts) instead of keeping it
		// silently open; the guard usually acts first.
		RequireLeader:  true,
		ProgressNotify: true,
		// No RequestProgress and no idle timer: progress revisions are local to
		// the member and can be stale ("leader disk stall", "leader mute"), so
		// they cannot prove a watch healthy. The guard's quorum read can.
		ProgressInterval: 0,
		IdleTimeout:      0,
		// Scenario "client link blackhole": Watch() blocks until its gRPC
		// stream opens; a blackholed link never opens it.
		WatchCreateTimeouts: Durations{time.Second},
		RetryInterval:       200 * time.Millisecond,
		GuardInterval:       500 * time.Millisecond,
		GuardReadTimeout:    time.Second,
		StaleAfter:          time.Second,
		// Scenario "pinned member replaced": a client given one address
		// must learn the others from the membership, or it has nowhere to
		// go when that member is replaced at a new address. Listed at once
		// and then as often as BR's clientv3 auto-sync does (30 s), but with
		// every member asked, not only the endpoints gRPC connected to.
		MemberSync: 30 * time.Second,
	}
}
