package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/harness/record"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// Every expectation is measured from the most recent fault step (a fault,
// failpoint, move-leader, crash or stop line). Where the event it waits for
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
		measure = func(ev []record.Event) (time.Duration, bool) { return firstAdvanceAfter(ev, m.at) }
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
	at, found := r.waitFor(ctx, deadline, measure, a.What == script.ExpectStall)
	if found {
		d := at - m.at
		exp.Measured = &d
	}
	switch a.What {
	case script.ExpectStall:
		exp.Passed = !found || at > deadline
		if exp.Passed {
			exp.Detail = fmt.Sprintf("no advance for %v", a.Duration)
			exp.Measured = nil // filled at the end: when it did recover, if ever
		} else {
			exp.Detail = "advanced during the stall window"
		}
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
	if !found || a.What == script.ExpectStall {
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

// waitFor re-evaluates measure on every new event until it finds its event or
// the deadline (on the record's clock) passes. For stalls it always waits for
// the whole window unless the stall is broken.
func (r *run) waitFor(ctx context.Context, deadline time.Duration, measure func([]record.Event) (time.Duration, bool), wholeWindow bool) (time.Duration, bool) {
	_ = wholeWindow
	for {
		ch := r.rec.Changed()
		if at, ok := measure(r.rec.Events()); ok {
			return at, true
		}
		left := deadline - r.now()
		if left <= 0 {
			return 0, false
		}
		t := time.NewTimer(left)
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 0, false
		}
		t.Stop()
	}
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
