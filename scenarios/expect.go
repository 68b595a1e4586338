package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// Every expectation (a requirement, or a preset's known deviation) is
// measured from the most recent reference point (script.Step.Reference says
// which steps are), or from the advancer's start before the first one. The
// runner's part is the waiting, in the background: it re-evaluates a
// measurement of package check on every new event until the deadline. Where
// the event it waits for has not happened when the expectation fails, the
// run keeps recording, and the figure is measured again from the full record
// when the run ends: the measured figure is always reported, pass or fail.

func (r *run) reference() reference {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ref.line > 0 {
		return r.ref
	}
	return reference{leader: r.c.Leader()}
}

// measure finds, in a record, the moment an expectation waits for.
type measure func(ev []record.Event) (time.Duration, bool)

// judge starts judging an expect or known step in the background: the
// script goes on at once, so that how long a fault lasts never depends on
// how fast the advancer is. The reference point is the one in force now.
func (r *run) judge(ctx context.Context, st script.Step, a script.Expect, known *script.Known) {
	ref := r.reference()
	exp := Expectation{Line: st.Line, Text: st.Text, What: a.What, Ref: ref.line}
	if known != nil {
		exp.Known, exp.Bug, exp.Rate = true, known.Bug, known.Rate
	}
	r.judging.Add(1)
	go func() {
		defer r.judging.Done()
		r.expect(ctx, exp, a, ref)
	}()
}

func (r *run) expect(ctx context.Context, exp Expectation, a script.Expect, ref reference) {
	var m measure
	switch a.What {
	case script.ExpectAdvance:
		m = func(ev []record.Event) (time.Duration, bool) { return check.FirstAdvanceAfter(ev, ref.at) }
	case script.ExpectDetect:
		m = func(ev []record.Event) (time.Duration, bool) { return check.DetectAfter(ev, ref.at) }
	case script.ExpectLeaderChange:
		old := ""
		if ref.leader != nil {
			old = ref.leader.Name()
		}
		m = func(ev []record.Event) (time.Duration, bool) { return check.LeaderChangeAfter(ev, ref.at, old) }
	case script.ExpectStall:
		r.expectStall(ctx, exp, a, ref)
		return
	case script.ExpectNoStall:
		r.expectNoStall(ctx, exp, a, ref)
		return
	default:
		exp.Detail = fmt.Sprintf("unknown expectation %q", a.What)
		r.judged(exp, nil)
		return
	}
	deadline := ref.at + a.Duration
	at, found := r.waitFor(ctx, deadline, m)
	if found {
		d := at - ref.at
		exp.Measured = &d
	}
	exp.Passed = found && at <= deadline
	if exp.Passed && a.What == script.ExpectLeaderChange {
		// A quorum must agree on it, too.
		wctx, cancel := context.WithTimeout(ctx, time.Until(r.rec.Start().Add(deadline))+r.c.Profile().Election)
		_, err := r.c.WaitNewLeader(wctx, ref.leader)
		cancel()
		if err != nil {
			exp.Passed = false
			exp.Detail = "elected but no quorum agreed: " + err.Error()
		}
	}
	if !exp.Passed && exp.Detail == "" {
		exp.Detail = "not within " + a.Duration.String()
	}
	var later func([]record.Event) *time.Duration
	if !found {
		later = func(ev []record.Event) *time.Duration {
			if at, ok := m(ev); ok {
				d := at - ref.at
				return &d
			}
			return nil
		}
	}
	r.judged(exp, later)
}

// stallOnset bounds, in election timeouts, how long after the reference
// point a stall may begin. A BR-style advancer opens a new watch for every
// wait, and clientv3 places each new stream on the next member round-robin;
// the stall begins when a watch lands on the broken member and never
// returns.
const stallOnset = 10

// expectStall passes when, after the reference point, the advancer observes
// no advance for the whole duration: a gap of at least D that begins within
// stallOnset election timeouts of the reference point. The measured figure
// is the time from the reference point to the first advance after the gap
// began — how long it really stayed stuck — or never.
func (r *run) expectStall(ctx context.Context, exp Expectation, a script.Expect, ref reference) {
	onset := time.Duration(stallOnset) * r.c.Profile().Election
	var gapStart time.Duration
	for {
		ch := r.rec.Changed()
		gapStart = check.GapStart(r.rec.Events(), ref.at)
		now := r.rec.Now()
		if now-gapStart >= a.Duration {
			exp.Passed = true
			break
		}
		if gapStart > ref.at+onset {
			break // advancing past the onset window: no stall
		}
		if err := waitChange(ctx, ch, gapStart+a.Duration-now); err != nil {
			exp.Detail = err.Error()
			r.judged(exp, nil)
			return
		}
	}
	if exp.Passed {
		exp.Detail = fmt.Sprintf("no advance from %v after the reference point (line %d)", (gapStart - ref.at).Round(time.Millisecond), ref.line)
	} else {
		exp.Detail = fmt.Sprintf("kept advancing for %v after the reference point (line %d)", onset, ref.line)
	}
	r.judged(exp, func(ev []record.Event) *time.Duration {
		if at, ok := check.AdvanceAfter(ev, gapStart); ok {
			d := at - ref.at
			return &d
		}
		return nil
	})
}

// expectNoStall waits until the window of D after the reference point has
// passed, then passes when no upload written in it stayed unseen longer
// than the stall threshold. The measured figure is the longest lag.
func (r *run) expectNoStall(ctx context.Context, exp Expectation, a script.Expect, ref reference) {
	start := ref.at + a.From
	end := start + a.Duration
	if err := sleepCtx(ctx, end-r.rec.Now()); err != nil {
		exp.Detail = err.Error()
		r.judged(exp, nil)
		return
	}
	threshold := check.StallThreshold(r.c.Profile().Election)
	lag, ok := check.MaxLag(r.rec.Events(), start, end)
	switch {
	case !ok:
		exp.Detail = "nothing was uploaded in the window: the writer stopped"
		r.invalid(fmt.Sprintf("line %d: the writer stored nothing in the window, so the advancer cannot be judged", exp.Line))
	default:
		exp.Measured = &lag.For
		exp.Passed = lag.For <= threshold
		seen := "seen"
		if !lag.Seen {
			seen = "still unseen at the window's end"
		}
		exp.Detail = fmt.Sprintf("longest lag: upload of +%v %s after %v (stall threshold %v)",
			(lag.Write.At - ref.at).Round(time.Millisecond), seen, lag.For.Round(time.Millisecond), threshold)
	}
	r.judged(exp, nil)
}

// waitFor re-evaluates m on every new event until it finds its event or the
// deadline (on the record's clock) passes.
func (r *run) waitFor(ctx context.Context, deadline time.Duration, m measure) (time.Duration, bool) {
	for {
		ch := r.rec.Changed()
		if at, ok := m(r.rec.Events()); ok {
			return at, true
		}
		left := deadline - r.rec.Now()
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

// judged records a judged expectation: in the result, and in the record as
// a structured event. later, if not nil, measures the figure again from the
// whole record when the run ends.
func (r *run) judged(e Expectation, later func([]record.Event) *time.Duration) {
	r.mu.Lock()
	r.res.Expectations = append(r.res.Expectations, e)
	if later != nil {
		r.pending = append(r.pending, pendingMeasure{idx: len(r.res.Expectations) - 1, measure: later})
	}
	r.mu.Unlock()
	verb := "expect"
	if e.Known {
		verb = "known"
	}
	r.rec.Record(record.Event{Kind: record.KindExpect, Line: e.Line, Verb: verb, Held: e.Passed,
		Detail: fmt.Sprintf("%s: measured %s%s", e.Text, fmtMeasured(e.Measured), detail(e.Detail))})
}

// fillMeasured measures, from the whole record, the figures that were not
// known when their expectation was judged.
func (r *run) fillMeasured(ev []record.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.pending {
		e := &r.res.Expectations[p.idx]
		if e.Measured == nil {
			e.Measured = p.measure(ev)
		}
	}
}
