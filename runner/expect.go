package runner

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
// which steps are), or from the advancer's start before the first one. What
// an expectation means is check.MeasureExpect's, over the record alone; the
// runner's part is the waiting, in the background, until the record can
// decide it. The run keeps recording after that, and when it ends every
// expectation is measured again on the whole record (measureAll): a figure
// that was not known at the deadline is filled in, and a saved report is
// judged again by the same function (report.Rejudge).

func (r *run) reference() reference {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ref.line > 0 {
		return r.ref
	}
	return reference{leader: r.c.Leader()}
}

// settings are the run's measurement settings (check.DefaultSettings at
// its election timeout).
func (r *run) settings() check.Settings { return check.DefaultSettings(r.c.Profile().Election) }

// judge starts judging an expect or known step in the background: the
// script goes on at once, so that how long a fault lasts never depends on
// how fast the advancer is. The reference point is the one in force now.
func (r *run) judge(ctx context.Context, st script.Step, a script.Expect, known *script.Known) {
	ref := r.reference()
	exp := Expectation{Line: st.Line, Text: st.Text, What: a.What, Within: a.Duration, From: a.From, Ref: ref.line}
	if known != nil {
		exp.Known, exp.Bug, exp.Rate = true, known.Bug, known.Rate
	}
	r.judging.Add(1)
	go func() {
		defer r.judging.Done()
		r.await(ctx, exp, ref)
		r.judged(exp, check.MeasureExpectUntil(r.rec.Events(), exp.Line, exp.spec(), r.settings(), r.rec.Now()))
	}()
}

// await waits until the record can decide the expectation: its event
// happened, or its deadline (on the record's clock) passed. A leader change
// seen in time is then confirmed with the cluster: a quorum must agree on
// it, and the answer is recorded for the checker.
func (r *run) await(ctx context.Context, exp Expectation, ref reference) {
	deadline := ref.at + exp.Within
	switch exp.What {
	case script.ExpectAdvance:
		r.waitFor(ctx, deadline, func(ev []record.Event) bool { _, ok := check.FirstAdvanceAfter(ev, ref.at); return ok })
	case script.ExpectDetect:
		r.waitFor(ctx, deadline, func(ev []record.Event) bool { _, ok := check.DetectAfter(ev, ref.at); return ok })
	case script.ExpectLeaderChange:
		old := ""
		if ref.leader != nil {
			old = ref.leader.Name()
		}
		at, found := time.Duration(0), false
		r.waitFor(ctx, deadline, func(ev []record.Event) bool { at, found = check.LeaderChangeAfter(ev, ref.at, old); return found })
		if !found || at > deadline {
			return
		}
		wctx, cancel := context.WithTimeout(ctx, time.Until(r.rec.Start().Add(deadline))+r.c.Profile().Election)
		m, err := r.c.WaitNewLeader(wctx, ref.leader)
		cancel()
		e := record.Event{Kind: record.KindQuorumLeader, Member: "cluster", Line: exp.Line, Held: err == nil}
		if err != nil {
			e.Detail = err.Error()
		} else {
			e.Leader = m.Name()
		}
		r.rec.Record(e)
	case script.ExpectStall:
		r.awaitStall(ctx, deadline, ref)
	case script.ExpectNoStall:
		_ = sleepCtx(ctx, ref.at+exp.From+exp.Within-r.rec.Now())
	}
}

// awaitStall waits until a gap without advances of the expected length has
// begun within the stall onset of the reference point, or the advancer
// kept advancing past the onset.
func (r *run) awaitStall(ctx context.Context, deadline time.Duration, ref reference) {
	gap := deadline - ref.at
	onset := r.settings().StallOnset
	for {
		ch := r.rec.Changed()
		gapStart := check.GapStart(r.rec.Events(), ref.at)
		now := r.rec.Now()
		if now-gapStart >= gap || gapStart > ref.at+onset {
			return
		}
		if waitChange(ctx, ch, gapStart+gap-now) != nil {
			return
		}
	}
}

// waitFor re-evaluates found on every new event until it holds or the
// deadline (on the record's clock) passes.
func (r *run) waitFor(ctx context.Context, deadline time.Duration, found func([]record.Event) bool) {
	for {
		ch := r.rec.Changed()
		if found(r.rec.Events()) {
			return
		}
		left := deadline - r.rec.Now()
		if left <= 0 || waitChange(ctx, ch, left) != nil {
			return
		}
	}
}

// judged records the expectation's outcome as measured now.
func (r *run) judged(e Expectation, m check.Measured) {
	e.set(m)
	if m.NoData {
		why := fmt.Sprintf("line %d: %s, so the advancer cannot be judged", e.Line, m.Detail)
		if e.What == script.ExpectNoStall {
			why = fmt.Sprintf("%s in the window of line %d, so the advancer cannot be judged", writerStoredNothing, e.Line)
		}
		r.invalid(why)
	}
	r.mu.Lock()
	r.res.Expectations = append(r.res.Expectations, e)
	r.mu.Unlock()
	verb := "expect"
	if e.Known {
		verb = "known"
	}
	r.rec.Record(record.Event{Kind: record.KindExpect, Line: e.Line, Verb: verb, Held: e.Passed,
		Detail: fmt.Sprintf("%s: measured %s%s", e.Text, fmtMeasured(e.Measured), detail(e.Detail))})
}

// judgedLiveDiffers is in the note of an expectation whose outcome at its
// deadline differs from the one on the whole record.
const judgedLiveDiffers = "judged differently at its deadline"

// measureAll measures every expectation again on the whole record: the
// figures not known at the deadline are filled in, and the outcome is the
// one a saved report of the run is judged to. Where it differs from what
// was judged live, a note says so.
func (r *run) measureAll(ev []record.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.res.Expectations {
		e := &r.res.Expectations[i]
		if e.Line == 0 {
			continue
		}
		m := check.MeasureExpect(ev, e.Line, e.spec(), r.settings())
		if m.Held != e.Passed {
			r.res.Notes = append(r.res.Notes, fmt.Sprintf("line %d: %s: held=%v then, held=%v on the whole record (%s)",
				e.Line, judgedLiveDiffers, e.Passed, m.Held, m.Detail))
		}
		e.set(m)
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
