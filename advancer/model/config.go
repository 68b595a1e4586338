package model

import (
	"fmt"
	"strings"
	"time"
)

// Design is the waiting algorithm an advancer runs.
type Design string

const (
	// DesignBR is BR's WaitGlobalCheckpointAdvance in the CRR service loop;
	// the knobs decide which BR version it is (legacy, pr69047, later).
	DesignBR Design = "br"
	// DesignRobust is leaderfault's own design (see robust.go).
	DesignRobust Design = "robust"
	// DesignPD is tikv/pd's own etcd watch machinery (see pd.go): a
	// LoopWatcher on one client that a health checker re-points.
	DesignPD Design = "pd"
)

// Durations is a list of durations, written "5s,10s,15s" ("" or "none" is
// empty). BR uses such lists for per-attempt timeouts.
type Durations []time.Duration

// String renders the list as Set accepts it ("none" when empty).
func (d Durations) String() string {
	if len(d) == 0 {
		return "none"
	}
	parts := make([]string, len(d))
	for i, x := range d {
		parts[i] = x.String()
	}
	return strings.Join(parts, ",")
}

// Config is every knob of an advancer that matters for recovery. The presets
// (Preset) are Config values; every knob can be set by name (Set), so scripts
// and the CLI can vary them. Zero durations mean "off" where the knob says so.
type Config struct {
	// Name labels the advancer in records and reports (a preset's name, or
	// what the user calls a variant).
	Name   string
	Design Design

	// Client (clientv3 + gRPC).
	DialTimeout         time.Duration // clientv3 DialTimeout (token/version calls only since etcd v3.7)
	DialBlock           bool          // grpc.WithBlock + WithReturnConnectionError: the v3.5 client's New waits up to DialTimeout for a connection
	AutoSyncInterval    time.Duration // 0: no endpoint auto-sync
	KeepAliveTime       time.Duration // 0: no keepalive pings
	KeepAliveTimeout    time.Duration
	PermitWithoutStream bool
	BackoffBase         time.Duration // gRPC reconnect backoff
	BackoffMultiplier   float64
	BackoffJitter       float64
	BackoffMax          time.Duration
	MinConnectTimeout   time.Duration // 0: gRPC's rule without it, each connection attempt's deadline is the current backoff delay
	UnaryRetryWait      time.Duration // clientv3's pause between unary retry rounds (default 25 ms)

	// Watch.
	RequireLeader       bool
	ProgressNotify      bool
	ProgressInterval    time.Duration // 0: no RequestProgress calls
	IdleTimeout         time.Duration // 0: no idle guard
	RequestTimeouts     Durations     // per-attempt timeouts of the checkpoint read; empty: one attempt, no deadline
	WatchCreateTimeouts Durations     // per-attempt timeouts of watch creation; empty: no deadline
	RetryInterval       time.Duration // pause of the service loop after an error

	// Robust design only.
	GuardInterval    time.Duration // how often the quorum read checks the watch
	GuardReadTimeout time.Duration // deadline of one quorum read
	StaleAfter       time.Duration // a watch this far behind the quorum is rebuilt
	MemberSync       time.Duration // how often the members are listed to learn new ones; 0: never

	// PD design only (pd.go, pdhealth.go).
	HealthInterval   time.Duration // health checker: member sync and probe period
	HealthResetAfter time.Duration // health checker: reset endpoints after this long without a healthy one
}

// Validate reports knob combinations that cannot run.
func (c Config) Validate() error {
	var errs []string
	switch c.Design {
	case DesignBR, DesignRobust, DesignPD:
	default:
		errs = append(errs, fmt.Sprintf("design %q: want %s, %s or %s", c.Design, DesignBR, DesignRobust, DesignPD))
	}
	if c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase {
		errs = append(errs, fmt.Sprintf("backoff-base %v / backoff-max %v: want 0 < base <= max", c.BackoffBase, c.BackoffMax))
	}
	if c.BackoffMultiplier < 1 {
		errs = append(errs, fmt.Sprintf("backoff-multiplier %v: want >= 1", c.BackoffMultiplier))
	}
	if c.BackoffJitter < 0 || c.BackoffJitter > 1 {
		errs = append(errs, fmt.Sprintf("backoff-jitter %v: want 0..1", c.BackoffJitter))
	}
	if c.KeepAliveTime > 0 && c.KeepAliveTimeout <= 0 {
		errs = append(errs, "keepalive-timeout must be > 0 when keepalive-time is set")
	}
	if c.Design == DesignRobust {
		if c.GuardInterval <= 0 || c.GuardReadTimeout <= 0 || c.StaleAfter <= 0 {
			errs = append(errs, fmt.Sprintf("design robust needs guard-interval, guard-read-timeout and stale-after > 0 (have %v, %v, %v)",
				c.GuardInterval, c.GuardReadTimeout, c.StaleAfter))
		}
	}
	if c.Design == DesignPD {
		errs = append(errs, c.validatePD()...)
	}
	for _, k := range knobs {
		if k.kind == kindDuration && *k.dur(&c) < 0 {
			errs = append(errs, fmt.Sprintf("%s %v: must not be negative", k.name, *k.dur(&c)))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("advancer config %q: %s", c.Name, strings.Join(errs, "; "))
	}
	return nil
}

// grpcKeepaliveFloor is grpc-go's minimum client keepalive time: any smaller
// value is raised to it (google.golang.org/grpc internal/transport).
const grpcKeepaliveFloor = 10 * time.Second

// Scale divides every duration knob by f, so that production constants run
// against a cluster whose raft timing is f times faster (scale 10 maps etcd's
// 100 ms / 1 s to the fast profile's 10 ms / 100 ms). The notes name knobs
// whose scaled value will not behave as scaled; Scale reports them and does
// not change them on its own.
func (c Config) Scale(f float64) (Config, []string) {
	if f <= 0 {
		return c, []string{fmt.Sprintf("scale %v ignored: must be > 0", f)}
	}
	if f == 1 {
		return c, nil
	}
	out := c
	out.RequestTimeouts = append(Durations(nil), c.RequestTimeouts...)
	out.WatchCreateTimeouts = append(Durations(nil), c.WatchCreateTimeouts...)
	div := func(d time.Duration) time.Duration { return time.Duration(float64(d) / f) }
	for _, k := range knobs {
		switch k.kind {
		case kindDuration:
			p := k.dur(&out)
			*p = div(*p)
		case kindDurations:
			l := k.durs(&out)
			for i := range *l {
				(*l)[i] = div((*l)[i])
			}
		}
	}
	var notes []string
	if out.KeepAliveTime > 0 && out.KeepAliveTime < grpcKeepaliveFloor {
		notes = append(notes, fmt.Sprintf(
			"keepalive-time %v (scaled from %v): gRPC raises client keepalive below %v to %v, so dead links are found %.1fx later than scaled",
			out.KeepAliveTime, c.KeepAliveTime, grpcKeepaliveFloor, grpcKeepaliveFloor, float64(grpcKeepaliveFloor)/float64(out.KeepAliveTime)))
	}
	return out, notes
}

// String renders the config as "name: knob=value ..." in catalog order.
func (c Config) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteString(":")
	for _, k := range knobs {
		fmt.Fprintf(&b, " %s=%s", k.name, k.get(&c))
	}
	return b.String()
}
