package advancer

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

// gRPC's default reconnect backoff (google.golang.org/grpc/backoff.DefaultConfig)
// and minimum connect timeout; clientv3 does not change them (docs/facts.md §3).
const (
	grpcBackoffBase       = time.Second
	grpcBackoffMultiplier = 1.6
	grpcBackoffJitter     = 0.2
	grpcBackoffMax        = 120 * time.Second
	grpcMinConnectTimeout = 20 * time.Second
	// clientv3's defaultBackoffWaitBetween.
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

// legacy is BR before PR #69047 (docs/facts.md §4): a plain watch with no leader
// requirement, no progress requests and no idle guard, on a client with dial
// timeout 5 s, auto-sync 30 s, keepalive 10 s / 3 s without pings on idle
// connections, and gRPC's default 1 s → 120 s reconnect backoff.
func legacy() Config {
	return Config{
		Name:                PresetLegacy,
		Design:              DesignBR,
		DialTimeout:         5 * time.Second,
		AutoSyncInterval:    30 * time.Second,
		KeepAliveTime:       10 * time.Second,
		KeepAliveTimeout:    3 * time.Second,
		PermitWithoutStream: false,
		BackoffBase:         grpcBackoffBase,
		BackoffMultiplier:   grpcBackoffMultiplier,
		BackoffJitter:       grpcBackoffJitter,
		BackoffMax:          grpcBackoffMax,
		MinConnectTimeout:   grpcMinConnectTimeout,
		UnaryRetryWait:      clientv3UnaryRetryWait,
		RetryInterval:       time.Second,
	}
}

// pr69047 is exactly what PR #69047 changed on top of legacy (docs/facts.md §4):
// gRPC MaxDelay 3 s, PermitWithoutStream, a require-leader watch with
// progress notify, RequestProgress every 30 s (with a 30 s timeout), and a
// 90 s idle timer reset by any watch response. The watch-creation and
// request timeouts of later PRs are not in it (knobs watch-create-timeouts and
// request-timeouts add them: 5s,10s,15s). The PR (docs/facts.md §4) sets only MaxDelay of the
// backoff; the rest keeps gRPC's defaults.
//
// Measured here: etcd answers RequestProgress only once its revision has
// reached every watcher's start revision (storage/mvcc/watchable_store.go,
// progressIfSync), and BR watches from the read's revision + 1. So on a
// cluster where nothing else is written, the idle timer fires every
// IdleTimeout even on a healthy member; PD's etcd always has other writes.
func pr69047() Config {
	c := legacy()
	c.Name = PresetPR69047
	c.BackoffMax = 3 * time.Second
	c.PermitWithoutStream = true
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
		// Only clientv3's token/version calls use it.
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
	}
}
