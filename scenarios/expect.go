package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// Every expectation is measured from the most recent fault step: a fault,
// failpoint, move-leader, crash, stop, restart or heal line (a heal is where
// recovery from a fault that nobody can get around, like quorum loss, starts). Where the event it waits for
// has not happened when the expectation fails, the run keeps recording, and
// the figure is measured again from the full record when the run ends:
// the measured figure is always reported, pass or fail.

func (r *run) mark() faultMark {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fault.set {
		return r.fault
	}
	// No fault yet: measure from the start of the advancer.
	return faultMark{at: 0, leader: r.c.Leader(), set: true}
}

func (r *run) expect(ctx context.Context, st script.Step, a script.Expect) {
	m := r.mark()
	deadline := m.at + a.Duration
	exp := Expectation{Line: st.Line, Text: st.Text}
	var measure func([]record.Event) (time.Duration, bool)
	switch a.What {
	case script.ExpectAdvance:
		measure = func(ev []record.Event) (time.Duration, bool) { return firstAdvanceAfter(ev, m.at) }
	case script.ExpectStall:
	case script.ExpectDetect:
		measure = func(ev []record.Event) (time.Duration, bool) {
			for _, e := range ev {
				if e.Kind == record.KindAdvancerError && e.At >= m.at {
					return e.At, true
				}
			}
			return 0, false
		}
	case script.ExpectLeaderChange:
		old := ""
		if m.leader != nil {
			old = m.leader.Name()
		}
		measure = func(ev []record.Event) (time.Duration, bool) {
			// The moment a member other than the old leader sees itself lead.
			for _, e := range ev {
				if e.Kind == record.KindLeader && e.At >= m.at && e.Leader == e.Member && e.Leader != old {
					return e.At, true
				}
			}
			return 0, false
		}
	default:
		exp.Detail = fmt.Sprintf("unknown expectation %q", a.What)
		r.addExpectation(exp, nil)
		return
	}
	if a.What == script.ExpectStall {
		r.expectStall(ctx, st, a, m)
		return
	}
	at, found := r.waitFor(ctx, deadline, measure)
	if found {
		d := at - m.at
		exp.Measured = &d
	}
	switch a.What {
	case script.ExpectLeaderChange:
		exp.Passed = found && at <= deadline
		if exp.Passed {
			// A quorum must agree on it, too.
			wctx, cancel := context.WithTimeout(ctx, time.Until(r.start.Add(deadline))+r.c.Profile().Election)
			_, err := r.c.WaitNewLeader(wctx, m.leader)
			cancel()
			if err != nil {
				exp.Passed = false
				exp.Detail = "elected but no quorum agreed: " + err.Error()
			}
		}
	default:
		exp.Passed = found && at <= deadline
	}
	if !exp.Passed && exp.Detail == "" {
		exp.Detail = "not within " + a.Duration.String()
	}
	if !found {
		r.addExpectation(exp, func(ev []record.Event) *time.Duration {
			if at, ok := measure(ev); ok {
				d := at - m.at
				return &d
			}
			return nil
		})
	} else {
		r.addExpectation(exp, nil)
	}
	verdict := "pass"
	if !exp.Passed {
		verdict = "FAIL"
	}
	r.rec.Add(record.KindExpect, "", "line %d: %s: %s, measured %s", st.Line, st.Text, verdict, fmtMeasured(exp.Measured))
}

// StallOnset bounds, in election timeouts, how long after the fault step a
// stall may begin. A BR-style advancer opens a new watch for every wait, and
// clientv3 places each new stream on the next member round-robin; the stall
// begins when a watch lands on the broken member and never returns.
const StallOnset = 10

// expectStall passes when, after the fault step, the advancer observes no
// advance for the whole duration: a gap of at least D that begins within
// StallOnset election timeouts of the fault. The measured figure is the time
// from the fault step to the first advance after the gap began — how long it
// really stayed stuck — or never.
func (r *run) expectStall(ctx context.Context, st script.Step, a script.Expect, m faultMark) {
	exp := Expectation{Line: st.Line, Text: st.Text}
	onset := time.Duration(StallOnset) * r.c.Profile().Election
	gapStart := m.at
	passed := false
	for {
		ch := r.rec.Changed()
		for _, e := range r.rec.Events() {
			if e.Kind == record.KindAdvance && e.At > gapStart {
				gapStart = e.At
			}
		}
		now := r.now()
		if now-gapStart >= a.Duration {
			passed = true
			break
		}
		if gapStart > m.at+onset {
			break // advancing past the onset window: no stall
		}
		if err := waitChange(ctx, ch, gapStart+a.Duration-now); err != nil {
			exp.Detail = err.Error()
			r.addExpectation(exp, nil)
			return
		}
	}
	exp.Passed = passed
	if passed {
		exp.Detail = fmt.Sprintf("stalled from +%v", (gapStart - m.at).Round(time.Millisecond))
	} else {
		exp.Detail = fmt.Sprintf("kept advancing for %v after the fault", onset)
	}
	start := gapStart
	r.addExpectation(exp, func(ev []record.Event) *time.Duration {
		for _, e := range ev {
			if e.Kind == record.KindAdvance && e.At > start {
				d := e.At - m.at
				return &d
			}
		}
		return nil
	})
	verdict := "pass"
	if !passed {
		verdict = "FAIL"
	}
	r.rec.Add(record.KindExpect, "", "line %d: %s: %s, %s", st.Line, st.Text, verdict, exp.Detail)
}

// waitFor re-evaluates measure on every new event until it finds its event or
// the deadline (on the record's clock) passes.
func (r *run) waitFor(ctx context.Context, deadline time.Duration, measure func([]record.Event) (time.Duration, bool)) (time.Duration, bool) {
	for {
		ch := r.rec.Changed()
		if at, ok := measure(r.rec.Events()); ok {
			return at, true
		}
		left := deadline - r.now()
		if left <= 0 {
			return 0, false
		}
		if waitChange(ctx, ch, left) != nil {
			return 0, false
		}
	}
}

// waitChange waits until the record changes (ch closes) or d passes; it
// fails only when ctx ends.
func waitChange(ctx context.Context, ch <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

type pendingMeasure struct {
	idx     int
	measure func([]record.Event) *time.Duration
}

func (r *run) addExpectation(e Expectation, later func([]record.Event) *time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Expectations = append(r.res.Expectations, e)
	if later != nil {
		r.pending = append(r.pending, pendingMeasure{idx: len(r.res.Expectations) - 1, measure: later})
	}
}

// fillMeasured measures, from the whole record, the figures that were not
// known when their expectation was judged.
func (r *run) fillMeasured() {
	ev := r.rec.Events()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.pending {
		e := &r.res.Expectations[p.idx]
		if e.Measured == nil {
			e.Measured = p.measure(ev)
		}
	}
}
