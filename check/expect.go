package check

import (
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/record"
)

// ExpectKind is what an expectation waits for, spelled as in scripts.
type ExpectKind string

// The expectations a script can state.
const (
	// ExpectAdvance: the advancer observes an advance to a value written
	// after the reference point, within the bound.
	ExpectAdvance ExpectKind = "advance"
	// ExpectStall: no advance observed for the bound, in a gap that begins
	// within the stall onset of the reference point.
	ExpectStall ExpectKind = "stall"
	// ExpectLeaderChange: a member other than the leader at the reference
	// point leads within the bound, and a quorum agrees on it.
	ExpectLeaderChange ExpectKind = "leader-change"
	// ExpectDetect: the advancer reports an error or restarts its watch
	// within the bound.
	ExpectDetect ExpectKind = "detect"
	// ExpectNoStall: for the bound from the reference point (plus From), no
	// upload stays unseen by the advancer for longer than the stall
	// threshold.
	ExpectNoStall ExpectKind = "no-stall"
)

// Expect is one expectation as the checker measures it.
type Expect struct {
	What ExpectKind
	// Ref is the script line of the reference point it measures from (a
	// step event with Reference set); 0: the start of the record.
	Ref int
	// Within is the bound: the deadline after the reference point; for
	// ExpectStall the gap's length; for ExpectNoStall the window's.
	Within time.Duration
	// From delays an ExpectNoStall window's start after the reference point.
	From time.Duration
}

// Settings are the run-wide parameters of the measurements.
type Settings struct {
	// StallThreshold: how long an upload may stay unseen (StallThreshold).
	StallThreshold time.Duration
	// StallOnset: how long after the reference point an expected stall may
	// begin (ExpectStall).
	StallOnset time.Duration
}

// DefaultSettings are the settings at the given election timeout.
func DefaultSettings(election time.Duration) Settings {
	return Settings{StallThreshold: StallThreshold(election), StallOnset: StallOnsetElections * election}
}

// StallOnsetElections bounds, in election timeouts, how long after the
// reference point an expected stall may begin. A BR-style advancer opens a
// new watch for every wait, and clientv3 places each new stream on the next
// member round-robin: the stall begins when a watch lands on the broken
// member and never returns.
const StallOnsetElections = 10

// Measured is what measuring an expectation on a record found.
type Measured struct {
	Held bool
	// Figure is the measured time from the reference point (for
	// ExpectNoStall the longest lag); nil: the event never happened.
	Figure *time.Duration
	Detail string
	// NoData is set when the record holds nothing to judge by (no upload in
	// an ExpectNoStall window): the run cannot be judged.
	NoData bool
}

// NoQuorumAgreed begins the detail of a leader change that a member saw
// but no quorum agreed on (record.KindQuorumLeader with Held unset).
const NoQuorumAgreed = "elected but no quorum agreed"

// RefPoint finds the reference point of the given line: its time and the
// leader the cluster agreed on then, as the step event records it. Line 0
// is the start of the record, where the leader is the first member that
// saw itself lead.
func RefPoint(ev []record.Event, line int) (at time.Duration, leader string, ok bool) {
	for _, e := range ev {
		switch {
		case line > 0 && e.Kind == record.KindStep && e.Reference && e.Line == line:
			return e.At, e.Leader, true
		case line == 0 && e.Kind == record.KindLeader && e.Leader == e.Member:
			return 0, e.Leader, true
		}
	}
	return 0, "", line == 0
}

// MeasureExpect measures an expectation on a record. line is the
// expectation's own script line (a leader change's quorum agreement is
// recorded under it).
func MeasureExpect(ev []record.Event, line int, x Expect, s Settings) Measured {
	return MeasureExpectUntil(ev, line, x, s, End(ev))
}

// MeasureExpectUntil is MeasureExpect with the record taken to last until
// now (a live record: nothing happened between its last event and now).
func MeasureExpectUntil(ev []record.Event, line int, x Expect, s Settings, now time.Duration) Measured {
	ref, old, ok := RefPoint(ev, x.Ref)
	if !ok {
		return Measured{NoData: true, Detail: fmt.Sprintf("no reference point at line %d in the record", x.Ref)}
	}
	switch x.What {
	case ExpectAdvance:
		return within(ref, x.Within, ok2(FirstAdvanceAfter(ev, ref)))
	case ExpectDetect:
		return within(ref, x.Within, ok2(DetectAfter(ev, ref)))
	case ExpectLeaderChange:
		m := within(ref, x.Within, ok2(LeaderChangeAfter(ev, ref, old)))
		if m.Held {
			for _, e := range ev {
				if e.Kind == record.KindQuorumLeader && e.Line == line && !e.Held {
					m.Held, m.Detail = false, NoQuorumAgreed+": "+e.Detail
				}
			}
		}
		return m
	case ExpectStall:
		return measureStall(ev, ref, x.Ref, x.Within, s.StallOnset, now)
	case ExpectNoStall:
		return measureNoStall(ev, ref, x, s.StallThreshold)
	}
	return Measured{Detail: fmt.Sprintf("unknown expectation %q", x.What)}
}

type found struct {
	at time.Duration
	ok bool
}

func ok2(at time.Duration, ok bool) found { return found{at, ok} }

func within(ref, bound time.Duration, f found) Measured {
	var m Measured
	if f.ok {
		d := f.at - ref
		m.Figure = &d
	}
	m.Held = f.ok && f.at <= ref+bound
	if !m.Held {
		m.Detail = "not within " + bound.String()
	}
	return m
}

// measureStall finds a gap of at least gap without advances that begins
// within onset of the reference point (a gap still open counts until now).
// The figure is from the reference point to the first advance after the gap
// began: how long the advancer really stayed stuck, or never.
func measureStall(ev []record.Event, ref time.Duration, refLine int, gap, onset, now time.Duration) Measured {
	start := ref
	held := false
	for _, e := range ev {
		if e.Kind != record.KindAdvance || e.At <= start {
			continue
		}
		if e.At-start >= gap {
			held = true
			break
		}
		start = e.At
		if start > ref+onset {
			break
		}
	}
	if !held && start <= ref+onset && now-start >= gap {
		held = true
	}
	m := Measured{Held: held}
	if held {
		m.Detail = fmt.Sprintf("no advance from %v after the reference point (line %d)", (start - ref).Round(time.Millisecond), refLine)
	} else {
		m.Detail = fmt.Sprintf("kept advancing for %v after the reference point (line %d)", onset, refLine)
	}
	if at, ok := AdvanceAfter(ev, start); ok {
		d := at - ref
		m.Figure = &d
	}
	return m
}

// measureNoStall judges the window [ref+From, ref+From+Within]: no upload
// written in it stays unseen longer than threshold. The figure is the
// longest lag.
func measureNoStall(ev []record.Event, ref time.Duration, x Expect, threshold time.Duration) Measured {
	start := ref + x.From
	lag, ok := MaxLag(ev, start, start+x.Within)
	if !ok {
		return Measured{NoData: true, Detail: "nothing was uploaded in the window: the writer stopped"}
	}
	seen := "seen"
	if !lag.Seen {
		seen = "still unseen at the window's end"
	}
	return Measured{Held: lag.For <= threshold, Figure: &lag.For,
		Detail: fmt.Sprintf("longest lag: upload of +%v %s after %v (stall threshold %v)",
			(lag.Write.At - ref).Round(time.Millisecond), seen, lag.For.Round(time.Millisecond), threshold)}
}

// FormatFigure renders a measured figure for messages: to the millisecond,
// or "never".
func FormatFigure(d *time.Duration) string {
	if d == nil {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}
