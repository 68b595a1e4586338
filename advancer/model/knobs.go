package model

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Knob describes one settable field of Config.
type Knob struct {
	Name string
	Doc  string
	// ReadBy are the designs whose advancers read the knob: setting it for
	// another design changes nothing.
	ReadBy []Design
}

type knobKind int

const (
	kindDuration knobKind = iota
	kindDurations
	kindBool
	kindFloat
	kindString
)

type knob struct {
	name string
	doc  string
	kind knobKind
	dur  func(*Config) *time.Duration
	durs func(*Config) *Durations
	flag func(*Config) *bool
	num  func(*Config) *float64
	str  func(*Config) *string
	// allowed lists the values of a string knob.
	allowed []string
	// only are the designs that read the knob; nil: every design (the
	// client's knobs, which every design's etcd client is built with).
	only []Design
}

// readBy returns k for designs ds only.
func (k knob) readBy(ds ...Design) knob {
	k.only = ds
	return k
}

var (
	brAndPD = []Design{DesignBR, DesignPD}
	designs = []Design{DesignBR, DesignRobust, DesignPD}
)

func durKnob(name, doc string, f func(*Config) *time.Duration) knob {
	return knob{name: name, doc: doc, kind: kindDuration, dur: f}
}

func boolKnob(name, doc string, f func(*Config) *bool) knob {
	return knob{name: name, doc: doc, kind: kindBool, flag: f}
}

func floatKnob(name, doc string, f func(*Config) *float64) knob {
	return knob{name: name, doc: doc, kind: kindFloat, num: f}
}

// knobs is the catalog, in the order reports print them.
var knobs = []knob{
	{name: "design", doc: "waiting algorithm: br (BR's WaitGlobalCheckpointAdvance), robust, or pd (tikv/pd's LoopWatcher and health checker)", kind: kindString,
		str: func(c *Config) *string { return (*string)(&c.Design) }, allowed: []string{string(DesignBR), string(DesignRobust), string(DesignPD)}},
	durKnob("dial-timeout", "clientv3 DialTimeout", func(c *Config) *time.Duration { return &c.DialTimeout }),
	boolKnob("dial-block", "pass grpc.WithBlock and WithReturnConnectionError: the etcd v3.5 client's New waits up to dial-timeout for a connection (the v3.7 client ignores both)",
		func(c *Config) *bool { return &c.DialBlock }),
	durKnob("auto-sync", "clientv3 AutoSyncInterval (0: off)", func(c *Config) *time.Duration { return &c.AutoSyncInterval }),
	durKnob("keepalive-time", "gRPC keepalive ping interval (0: off; gRPC raises < 10s to 10s)", func(c *Config) *time.Duration { return &c.KeepAliveTime }),
	durKnob("keepalive-timeout", "gRPC keepalive ack timeout", func(c *Config) *time.Duration { return &c.KeepAliveTimeout }),
	boolKnob("permit-without-stream", "send keepalive pings with no open stream", func(c *Config) *bool { return &c.PermitWithoutStream }),
	durKnob("backoff-base", "gRPC reconnect backoff: first delay", func(c *Config) *time.Duration { return &c.BackoffBase }),
	floatKnob("backoff-multiplier", "gRPC reconnect backoff: growth factor", func(c *Config) *float64 { return &c.BackoffMultiplier }),
	floatKnob("backoff-jitter", "gRPC reconnect backoff: jitter fraction", func(c *Config) *float64 { return &c.BackoffJitter }),
	durKnob("backoff-max", "gRPC reconnect backoff: maximum delay", func(c *Config) *time.Duration { return &c.BackoffMax }),
	durKnob("min-connect-timeout", "gRPC: a connection attempt's deadline is the larger of this and the current backoff delay (0: the backoff delay alone, 1s growing to backoff-max ±jitter, as with BR's WithConnectParams after PR #69047)",
		func(c *Config) *time.Duration { return &c.MinConnectTimeout }),
	durKnob("unary-retry-wait", "clientv3 pause between rounds of unary retries", func(c *Config) *time.Duration { return &c.UnaryRetryWait }),
	boolKnob("require-leader", "watch ctx WithRequireLeader", func(c *Config) *bool { return &c.RequireLeader }),
	boolKnob("progress-notify", "watch option WithProgressNotify", func(c *Config) *bool { return &c.ProgressNotify }),
	durKnob("progress-interval", "RequestProgress period, each with this timeout (pd: request-timeouts) (0: never)", func(c *Config) *time.Duration { return &c.ProgressInterval }).readBy(brAndPD...),
	durKnob("idle-timeout", "error out (pd: rebuild the watch) after this long without any watch response (0: never)", func(c *Config) *time.Duration { return &c.IdleTimeout }).readBy(brAndPD...),
	{name: "request-timeouts", doc: "per-attempt timeouts of the checkpoint read, e.g. 5s,10s,15s (none: no deadline); pd: one entry, PD's DefaultRequestTimeout (load, RequestProgress, member list, health probe)", kind: kindDurations,
		durs: func(c *Config) *Durations { return &c.RequestTimeouts }, only: brAndPD},
	{name: "watch-create-timeouts", doc: "per-attempt timeouts of watch creation (none: no deadline)", kind: kindDurations,
		durs: func(c *Config) *Durations { return &c.WatchCreateTimeouts }},
	durKnob("retry-interval", "service loop pause after an error", func(c *Config) *time.Duration { return &c.RetryInterval }),
	durKnob("guard-interval", "robust: period of the quorum read that checks the watch", func(c *Config) *time.Duration { return &c.GuardInterval }).readBy(DesignRobust),
	durKnob("guard-read-timeout", "robust: deadline of one quorum read", func(c *Config) *time.Duration { return &c.GuardReadTimeout }).readBy(DesignRobust),
	durKnob("stale-after", "robust: rebuild a watch this long behind the quorum", func(c *Config) *time.Duration { return &c.StaleAfter }).readBy(DesignRobust),
	durKnob("member-sync", "robust: period of listing the members to learn new ones (at once, then every this; 0: never)", func(c *Config) *time.Duration { return &c.MemberSync }).readBy(DesignRobust),
	durKnob("health-interval", "pd: health checker period (member list sync, require-leader probe of every member)", func(c *Config) *time.Duration { return &c.HealthInterval }).readBy(DesignPD),
	durKnob("health-reset-after", "pd: with no healthy member for this long, reset the client's endpoints (escapes gRPC backoff)", func(c *Config) *time.Duration { return &c.HealthResetAfter }).readBy(DesignPD),
}

// Knobs lists every knob name with its meaning, in catalog order.
func Knobs() []Knob {
	out := make([]Knob, len(knobs))
	for i, k := range knobs {
		out[i] = Knob{Name: k.name, Doc: k.doc, ReadBy: k.designs()}
	}
	return out
}

// designs are the designs that read k.
func (k knob) designs() []Design {
	if k.only == nil {
		return designs
	}
	return k.only
}

// CheckKnobsRead returns an error naming each of the knobs that design does
// not read, with the designs that do: a sweep that varies such a knob would
// run identical settings under different labels.
func CheckKnobsRead(design Design, names []string) error {
	var errs []string
	for _, n := range names {
		k, err := lookupKnob(n)
		if err != nil {
			return err
		}
		if !slices.Contains(k.designs(), design) {
			var by []string
			for _, d := range k.designs() {
				by = append(by, string(d))
			}
			errs = append(errs, fmt.Sprintf("advancer knob %s is not read by design %s (only by %s): setting it changes nothing", n, design, strings.Join(by, ", ")))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// KnobNames lists every knob name, in catalog order.
func KnobNames() []string {
	out := make([]string, len(knobs))
	for i, k := range knobs {
		out[i] = k.name
	}
	return out
}

func lookupKnob(name string) (knob, error) {
	for _, k := range knobs {
		if k.name == name {
			return k, nil
		}
	}
	return knob{}, fmt.Errorf("unknown advancer knob %q; known: %s", name, strings.Join(KnobNames(), ", "))
}

// Set sets the knob name from its text form: Go durations ("3s", "100ms"),
// true/false, numbers, duration lists ("5s,10s,15s" or "none"), or one of a
// string knob's values. On error c is unchanged.
func (c *Config) Set(name, value string) error {
	k, err := lookupKnob(name)
	if err != nil {
		return err
	}
	value = strings.TrimSpace(value)
	bad := func(want string, err error) error {
		if err != nil {
			return fmt.Errorf("advancer knob %s=%q: want %s: %w", name, value, want, err)
		}
		return fmt.Errorf("advancer knob %s=%q: want %s", name, value, want)
	}
	switch k.kind {
	case kindDuration:
		d, err := time.ParseDuration(value)
		if err != nil {
			return bad("a duration like 3s or 100ms", err)
		}
		if d < 0 {
			return bad("a duration >= 0", nil)
		}
		*k.dur(c) = d
	case kindDurations:
		l, err := parseDurations(value)
		if err != nil {
			return bad("durations like 5s,10s,15s or none", err)
		}
		*k.durs(c) = l
	case kindBool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return bad("true or false", nil)
		}
		*k.flag(c) = b
	case kindFloat:
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return bad("a number", nil)
		}
		*k.num(c) = f
	case kindString:
		for _, a := range k.allowed {
			if value == a {
				*k.str(c) = value
				return nil
			}
		}
		return bad("one of "+strings.Join(k.allowed, ", "), nil)
	}
	return nil
}

// Get returns the text form of knob name, as Set accepts it.
func (c *Config) Get(name string) (string, error) {
	k, err := lookupKnob(name)
	if err != nil {
		return "", err
	}
	return k.get(c), nil
}

func (k knob) get(c *Config) string {
	switch k.kind {
	case kindDuration:
		return k.dur(c).String()
	case kindDurations:
		return k.durs(c).String()
	case kindBool:
		return strconv.FormatBool(*k.flag(c))
	case kindFloat:
		return strconv.FormatFloat(*k.num(c), 'g', -1, 64)
	default:
		return *k.str(c)
	}
}

func parseDurations(s string) (Durations, error) {
	if s == "" || s == "none" {
		return nil, nil
	}
	var out Durations
	for i, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		if d <= 0 {
			return nil, fmt.Errorf("item %d: %v must be > 0", i+1, d)
		}
		out = append(out, d)
	}
	return out, nil
}
