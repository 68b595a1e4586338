// Package record is the timestamped event log of a leaderfault run.
//
// Everything that happens in a run — faults armed, fired and healed, leaders as
// each member sees them, member crashes and restarts, checkpoint writes and the
// advances an advancer observes — is appended to one Recorder. Expectations and
// reports only ever read the record; nothing reads back from the layers that
// wrote it. It is not a logger: events are structured and queryable.
package record

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Kind names what an event is about. Kinds are plain strings so that other
// packages (and users' own advancers) can add their own.
type Kind string

// Event kinds written by leaderfault itself.
const (
	KindClusterReady  Kind = "cluster-ready"
	KindMemberStart   Kind = "member-start"
	KindMemberStop    Kind = "member-stop"
	KindMemberCrash   Kind = "member-crash"
	KindMemberRestart Kind = "member-restart"
	KindMemberRemove  Kind = "member-remove" // removed from the membership (harness.Cluster.Replace)
	KindMemberAdd     Kind = "member-add"    // added to the membership and started (Detail: whom it replaces)
	KindLeader        Kind = "leader"        // a member sees a new leader (Leader, Term set)
	KindLeaderLost    Kind = "leader-lost"   // a member lost its leader
	KindLeaderMove    Kind = "leader-move"
	KindFaultArmed    Kind = "fault-armed"
	KindFaultFired    Kind = "fault-fired"
	KindFaultHealed   Kind = "fault-healed"
	KindProxy         Kind = "proxy"
	KindWatchStream   Kind = "watch-stream" // a client's gRPC Watch stream opened or closed on Member's client link
	KindFailpointArm  Kind = "failpoint-armed"
	KindFailpointHit  Kind = "failpoint-hit" // first hit only; counts live in the failpoint registry
	KindFailpointHeal Kind = "failpoint-healed"
	KindWrite         Kind = "checkpoint-write"     // the writer stored Value at Revision
	KindWriteError    Kind = "checkpoint-write-err" // the writer's own hiccup
	KindAdvance       Kind = "advance"              // the advancer observed Value at Revision
	KindAdvancerError Kind = "advancer-error"       // the advancer returned an error / restarts its watch
	KindAdvancerInfo  Kind = "advancer-info"
	KindStalled       Kind = "stalled"   // watchdog: advancer behind the quorum revision (Since set)
	KindCaughtUp      Kind = "caught-up" // watchdog: advancer caught up again
	KindStep          Kind = "step"      // a scenario step started (Line, Verb, Reference set)
	KindExpect        Kind = "expect"    // an expectation was judged (Line, Verb, Held set)
	// KindQuorumLeader: whether a quorum agreed on the new leader an
	// expectation (Line) saw elected (Held, Leader set; Detail: why not).
	KindQuorumLeader Kind = "quorum-leader"
	KindNote         Kind = "note"
)

// Event is one thing that happened. At is measured from the recorder's start
// on the monotonic clock.
type Event struct {
	Seq    int           // position in the record, from 0
	At     time.Duration // since Recorder start
	Kind   Kind
	Member string // member name, "advancer", "writer", or ""
	Detail string
	// Leader is, for KindLeader, the leader as Member sees it; for a
	// reference step, the leader the cluster agreed on when it started.
	Leader   string
	Term     uint64
	Value    uint64 // checkpoint value for writes and advances
	Revision int64  // etcd revision for writes and advances

	// Line is the script line of a step or an expectation (KindStep,
	// KindExpect), and Verb its verb ("fault", "heal", "expect", ...);
	// Detail then holds the step's text.
	Line int
	Verb string
	// Reference marks a step that expectations after it measure from: a
	// fault, failpoint, move-leader, crash, stop, restart or heal step
	// (script.Step.Reference defines it).
	Reference bool
	// Held is the verdict of a KindExpect event.
	Held bool
	// Since is, for KindStalled, when the oldest upload the advancer has not
	// seen was written: the stall began then, before the watchdog saw it.
	Since time.Duration
	// Fault is the injection's number on fault-armed, fault-fired and
	// fault-healed events; Name is the fault's kind on those, and the fault
	// point's name on failpoint events.
	Fault int
	Name  string
	// Fired is, on fault-healed, whether the fault took effect on every
	// member it was applied to.
	Fired bool
	// Issued is, on a checkpoint write, when its upload was sent (At is when
	// a quorum acknowledged it): a write in flight at a fault step was
	// written before it.
	Issued time.Duration
}

// String renders the event as one timeline line: "t(ms) member kind body".
func (e Event) String() string {
	s := fmt.Sprintf("%9.1f  %-9s %-20s %s", float64(e.At.Microseconds())/1000, orDash(e.Member), e.Kind, e.Body())
	return strings.TrimRight(s, " ")
}

// Body is what the event says besides its time, member and kind: its
// structured fields, then its detail.
func (e Event) Body() string {
	var parts []string
	if e.Leader != "" && e.Kind != KindStep {
		parts = append(parts, fmt.Sprintf("leader=%s term=%d", e.Leader, e.Term))
	}
	if e.Kind == KindWrite || e.Kind == KindAdvance {
		parts = append(parts, fmt.Sprintf("value=%d rev=%d", e.Value, e.Revision))
	}
	if e.Line > 0 {
		parts = append(parts, fmt.Sprintf("line %d:", e.Line))
	}
	if e.Kind == KindExpect {
		if e.Held {
			parts = append(parts, "pass:")
		} else {
			parts = append(parts, "FAIL:")
		}
	}
	if e.Kind == KindStalled {
		parts = append(parts, fmt.Sprintf("since t=%.1fms:", float64(e.Since.Microseconds())/1000))
	}
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	return strings.Join(parts, " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Recorder is a concurrency-safe, append-only list of events.
type Recorder struct {
	start time.Time

	mu      sync.Mutex
	events  []Event
	changed chan struct{} // closed and replaced on every append
}

// New returns a Recorder whose clock starts now.
func New() *Recorder {
	return &Recorder{start: time.Now(), changed: make(chan struct{})}
}

// Start is the wall-clock instant the record's clock counts from.
func (r *Recorder) Start() time.Time { return r.start }

// Now is the current offset on the record's clock.
func (r *Recorder) Now() time.Duration { return time.Since(r.start) }

// Record appends e, stamping it with the current time, and returns it as stored.
func (r *Recorder) Record(e Event) Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.At = time.Since(r.start)
	e.Seq = len(r.events)
	r.events = append(r.events, e)
	close(r.changed)
	r.changed = make(chan struct{})
	return e
}

// Add is shorthand for Record with a kind, member and printf-style detail.
func (r *Recorder) Add(kind Kind, member, format string, args ...any) Event {
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	return r.Record(Event{Kind: kind, Member: member, Detail: detail})
}

// Events returns a copy of every event so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Len is the number of events recorded so far; use it as a cursor for Wait.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// Filter returns the events for which keep returns true, in order.
func (r *Recorder) Filter(keep func(Event) bool) []Event {
	var out []Event
	for _, e := range r.Events() {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// OfKind returns the events of the given kinds, in order.
func (r *Recorder) OfKind(kinds ...Kind) []Event {
	return r.Filter(func(e Event) bool {
		for _, k := range kinds {
			if e.Kind == k {
				return true
			}
		}
		return false
	})
}

// Wait blocks until an event at position >= from satisfies match, and returns
// it. It fails with a descriptive error when ctx ends first.
func (r *Recorder) Wait(ctx context.Context, from int, match func(Event) bool) (Event, error) {
	for {
		r.mu.Lock()
		for i := max(from, 0); i < len(r.events); i++ {
			if match(r.events[i]) {
				e := r.events[i]
				r.mu.Unlock()
				return e, nil
			}
		}
		from = len(r.events)
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("record: no matching event after #%d: %w", from, ctx.Err())
		}
	}
}

// WaitKind waits for the next event of kind (at position >= from), optionally
// for a given member ("" matches any member).
func (r *Recorder) WaitKind(ctx context.Context, from int, kind Kind, member string) (Event, error) {
	e, err := r.Wait(ctx, from, func(e Event) bool {
		return e.Kind == kind && (member == "" || e.Member == member)
	})
	if err != nil {
		return e, fmt.Errorf("waiting for %s event (member %q): %w", kind, orDash(member), err)
	}
	return e, nil
}

// Changed returns a channel that is closed at the next append.
func (r *Recorder) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// Timeline renders every event, one per line, sorted by time.
func (r *Recorder) Timeline() string {
	ev := r.Events()
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].At < ev[j].At })
	var b strings.Builder
	b.WriteString("    t(ms)  member    event\n")
	for _, e := range ev {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// DiskPointInfix joins a member and a disk site in the name of the fault
// point a disk fault arms in that member's disk server: "m0/disk-fsync".
const DiskPointInfix = "/disk-"

// IsDiskPoint reports whether a failpoint event's Name is a disk site's
// fault point: one a disk fault armed on behalf of its injection, which a
// report shows as that fault rather than as a point of its own.
func IsDiskPoint(name string) bool {
	_, site, ok := strings.Cut(name, DiskPointInfix)
	return ok && site != ""
}
