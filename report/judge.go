package report

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/leaderfault/leaderfault/check"
)

// StallThreshold is the threshold the run's stalls are measured with: as
// recorded, or check.StallThreshold at its election timeout in reports
// that predate the field.
func (r *Run) StallThreshold() time.Duration {
	if r.StallThresholdMs > 0 {
		return fromMs(r.StallThresholdMs)
	}
	return check.StallThreshold(fromMs(r.ElectionMs))
}

// Stalls are the run's stalls, measured on its timeline at its threshold.
func (r *Run) Stalls() []check.Stall { return check.Stalls(records(r.Timeline), r.StallThreshold()) }

// Measurement is the settings the run's measurements were made with.
func (r *Run) Measurement() check.Settings {
	s := check.DefaultSettings(fromMs(r.ElectionMs))
	s.StallThreshold = r.StallThreshold()
	return s
}

// Judged sets the run's verdict from its outcome: skipped and INVALID runs
// keep those verdicts, whatever the outcome says.
func (r *Run) Judged(o check.Outcome) {
	v := o.Verdict
	switch {
	case r.Skipped != "":
		v = check.Skipped
	case !r.Valid:
		v = check.Invalid
	case v == "":
		v = check.Fail // not judged: the run did not finish
	}
	r.Verdict, r.Why, r.Sometimes, r.Passed = string(v), o.Why, o.Sometimes, v == check.Pass
	shown := map[int]bool{}
	if r.Skipped == "" && r.Valid {
		for _, x := range o.Rates {
			shown[x.Line] = x.Shown
		}
	}
	for i := range r.Expectations {
		e := &r.Expectations[i]
		e.Shown = nil
		if s, ok := shown[e.Line]; ok && e.Known && e.Rate > 0 {
			e.Shown = &s
		}
	}
	r.Bugs = nil
	if v == check.KnownBug || v == check.NotReproduced {
		for _, b := range o.Bugs {
			if !slices.Contains(r.Bugs, b.Bug) {
				r.Bugs = append(r.Bugs, b.Bug)
			}
		}
	}
}

// ErrNotRejudgeable is returned for a run whose report does not say what
// its expectations measure (written before reports recorded it).
var ErrNotRejudgeable = errors.New("the report does not record what its expectations measure (written by an older leaderfault): run it again")

// Rejudge judges a saved run again from its timeline alone, with settings
// s: every expectation is measured again (check.MeasureExpect), and so are
// recovery, resumed, stalled after heal and the counts. What the timeline
// cannot tell is kept as recorded: why the run is invalid or skipped, and
// its failures (broken invariants, steps that failed, traffic), none of
// which depends on the settings. At the settings the run was judged with,
// the verdicts agree with the original ones.
func Rejudge(r Run, s check.Settings) (Run, error) {
	if r.Skipped != "" {
		return r, nil
	}
	ev := records(r.Timeline)
	r.Expectations = slices.Clone(r.Expectations)
	r.StallThresholdMs = ms(s.StallThreshold)
	recovery := check.Recovery(ev, s.StallThreshold)
	var js []check.Judgement
	for i := range r.Expectations {
		e := &r.Expectations[i]
		if e.Line == 0 {
			// Every scenario's implicit last requirement: caught up by the end.
			e.Passed, e.MeasuredMs, e.Detail = recovery != nil, msPtr(recovery), ""
			if recovery == nil {
				e.Detail = CaughtUpMissed
			}
		} else {
			if e.What == "" {
				return r, fmt.Errorf("%s / %s line %d: %w", r.Scenario, r.Advancer, e.Line, ErrNotRejudgeable)
			}
			x := check.Expect{What: check.ExpectKind(e.What), Ref: e.Ref, Within: fromMs(e.WithinMs), From: fromMs(e.FromMs)}
			m := check.MeasureExpect(ev, e.Line, x, s)
			e.Passed, e.MeasuredMs, e.Detail = m.Held, msPtr(m.Figure), m.Detail
		}
		var fig *time.Duration
		if e.MeasuredMs != nil {
			d := fromMs(*e.MeasuredMs)
			fig = &d
		}
		js = append(js, check.Judgement{Line: e.Line, Text: e.Text, Ref: e.Ref, Known: e.Known, Bug: e.Bug, Rate: e.Rate,
			Cluster: e.What == string(check.ExpectLeaderChange), Held: e.Passed, Figure: check.FormatFigure(fig)})
	}
	r.RecoveryMs = msPtr(recovery)
	r.ResumedMs = msPtr(check.Resumed(ev))
	r.StalledAfterHealMs = msPtr(check.StalledAfterHeal(ev, s.StallThreshold))
	r.Counts = CountEvents(r.Timeline, s.StallThreshold)
	r.Judged(check.Judge(js, r.Failures))
	return r, nil
}

// CaughtUpMissed is the detail of the implicit requirement every scenario
// has (line 0: caught up by the end of the run) when it was missed.
const CaughtUpMissed = "still behind the writer when the run ended"
