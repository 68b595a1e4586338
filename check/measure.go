package check

import (
	"time"

	"github.com/leaderfault/leaderfault/record"
)

// StallThresholdElections is how many election timeouts an upload may stay
// unseen before the advancer counts as stalled. One election timeout is how
// long etcd itself takes to notice a lost leader; twice that leaves room for
// a healthy watch to deliver through a leader change.
const StallThresholdElections = 2

// StallThreshold is the stall threshold at the given election timeout.
func StallThreshold(election time.Duration) time.Duration {
	return StallThresholdElections * election
}

// References returns the reference-point step events, in order.
func References(ev []record.Event) []record.Event {
	var out []record.Event
	for _, e := range ev {
		if e.Kind == record.KindStep && e.Reference {
			out = append(out, e)
		}
	}
	return out
}

// FirstAdvanceAfter finds the first advance, at or after t0, to a value
// whose upload was issued at or after t0, and returns when it was observed.
// An upload already in flight at t0 (acknowledged after it) does not count:
// it says nothing about recovery from what happened at t0.
func FirstAdvanceAfter(ev []record.Event, t0 time.Duration) (time.Duration, bool) {
	var v0 uint64
	haveV0 := false
	for _, e := range ev {
		if e.Kind == record.KindWrite && issued(e) >= t0 {
			v0, haveV0 = e.Value, true
			break
		}
	}
	if !haveV0 {
		return 0, false
	}
	for _, e := range ev {
		if e.Kind == record.KindAdvance && e.At >= t0 && e.Value >= v0 {
			return e.At, true
		}
	}
	return 0, false
}

// issued is when a write's upload was sent: its Issued time when recorded,
// else when it was acknowledged.
func issued(w record.Event) time.Duration {
	if w.Issued > 0 {
		return w.Issued
	}
	return w.At
}

// LeaderChangeAfter finds the first moment at or after t0 when a member
// other than old sees itself lead.
func LeaderChangeAfter(ev []record.Event, t0 time.Duration, old string) (time.Duration, bool) {
	for _, e := range ev {
		if e.Kind == record.KindLeader && e.At >= t0 && e.Leader == e.Member && e.Leader != old {
			return e.At, true
		}
	}
	return 0, false
}

// DetectAfter finds the first advancer error (a failed wait or a watch
// restart) at or after t0.
func DetectAfter(ev []record.Event, t0 time.Duration) (time.Duration, bool) {
	for _, e := range ev {
		if e.Kind == record.KindAdvancerError && e.At >= t0 {
			return e.At, true
		}
	}
	return 0, false
}

// GapStart is when the advancer's current run without advances began, as
// seen from t0: the last advance after t0, or t0 when there was none.
func GapStart(ev []record.Event, t0 time.Duration) time.Duration {
	start := t0
	for _, e := range ev {
		if e.Kind == record.KindAdvance && e.At > start {
			start = e.At
		}
	}
	return start
}

// AdvanceAfter finds the first advance strictly after t.
func AdvanceAfter(ev []record.Event, t time.Duration) (time.Duration, bool) {
	for _, e := range ev {
		if e.Kind == record.KindAdvance && e.At > t {
			return e.At, true
		}
	}
	return 0, false
}

// Lag is how long one upload stayed unseen.
type Lag struct {
	Write record.Event  // the upload
	For   time.Duration // from its write until an advance reached it, or until the window's end
	Seen  bool          // an advance reached it before the window's end
}

// Lags is how long each upload written in [from, to] stayed unseen: from
// its write until the first advance to its value or beyond, or, unseen, until
// to. An advance recorded before the write's own event (a watch can deliver
// the new value before the writer's Put returns) sees it at once: lag 0.
// This is the one definition of lag; stalls and MaxLag are built on it.
func Lags(ev []record.Event, from, to time.Duration) []Lag {
	var out []Lag
	for _, w := range ev {
		if w.Kind != record.KindWrite || w.At < from || w.At > to {
			continue
		}
		lag := Lag{Write: w, For: to - w.At}
		for _, a := range ev {
			if a.At > to {
				break
			}
			if a.Kind == record.KindAdvance && a.Value >= w.Value {
				lag.For, lag.Seen = max(a.At-w.At, 0), true
				break
			}
		}
		out = append(out, lag)
	}
	return out
}

// MaxLag is the longest of Lags(ev, from, to). An upload written in the last
// StallThreshold of the window cannot show a stall within it. ok is false
// when nothing was uploaded in the window.
func MaxLag(ev []record.Event, from, to time.Duration) (worst Lag, ok bool) {
	for _, l := range Lags(ev, from, to) {
		if !ok || l.For > worst.For {
			worst, ok = l, true
		}
	}
	return worst, ok
}

// End is the time of the record's last event.
func End(ev []record.Event) time.Duration {
	var t time.Duration
	for _, e := range ev {
		t = max(t, e.At)
	}
	return t
}

// Recovery measures from the first reference point until the advancer is
// caught up for good: the advance that ended the last stall (Stalls) that
// began after that point, or, with no such stall, the first advance of a
// value written after it. An advancer that advanced once and then got stuck
// has not recovered; one still stalled at the end never did (nil). Without a
// reference point there is nothing to recover from (nil).
func Recovery(ev []record.Event, threshold time.Duration) *time.Duration {
	refs := References(ev)
	if len(refs) == 0 {
		return nil
	}
	t0 := refs[0].At
	var last *Stall
	for _, s := range Stalls(ev, threshold) {
		if s.Seen >= t0 {
			last = &s
		}
	}
	if last == nil {
		at, ok := FirstAdvanceAfter(ev, t0)
		if !ok {
			return nil
		}
		return since(at, t0)
	}
	if last.Open {
		return nil
	}
	return since(last.End, t0)
}

// Resumed measures from the last reference point (typically the heal) to the
// first advance of a value written after it: the reconnect time that backoff
// settings decide. nil when it never resumed or there is no reference point.
func Resumed(ev []record.Event) *time.Duration {
	refs := References(ev)
	if len(refs) == 0 {
		return nil
	}
	t0 := refs[len(refs)-1].At
	at, ok := FirstAdvanceAfter(ev, t0)
	if !ok {
		return nil
	}
	return since(at, t0)
}

func since(at, t0 time.Duration) *time.Duration {
	d := at - t0
	return &d
}
