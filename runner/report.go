package runner

import (
	"maps"
	"math"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/report"
)

// Report converts the result into a report Run, placed in its command's
// plan by o.
func (res *Result) Report(o report.Origin) report.Run {
	r := report.Run{
		Job: o.Job, Scenario: res.Scenario, Description: res.Description, File: o.File,
		Advancer: res.Advancer, Knobs: maps.Clone(o.Knobs), Repeat: max(o.Repeat, 1),
		Seed: res.Seed, Scale: res.Scale, Profile: res.Profile,
		TickMs: reportMs(res.Tick), ElectionMs: reportMs(res.Elect), Etcd: res.Etcd, EtcdProcesses: res.EtcdProcesses,
		StallThresholdMs: reportMs(res.StallThreshold),
		Valid:            res.Valid, Skipped: res.Skipped,
		Invalid: res.Invalid, Failures: res.Failures, Notes: res.Notes,
		Expectations: make([]report.Expectation, 0, len(res.Expectations)),
		RecoveryMs:   reportMsPtr(res.Recovery), ResumedMs: reportMsPtr(res.Resumed), DurationMs: reportMs(res.Duration),
		StalledAfterHealMs: reportMsPtr(res.StalledAfterHeal),
		Timeline:           make([]report.Event, 0, len(res.Events)),
	}
	if res.Stretch != 1 {
		r.Stretch = res.Stretch
	}
	for _, e := range res.Expectations {
		x := report.Expectation{
			Line: e.Line, Text: squeezeSpaces(e.Text), Passed: e.Passed, MeasuredMs: reportMsPtr(e.Measured), Detail: e.Detail,
			Ref: e.Ref, Known: e.Known, Bug: e.Bug, Rate: e.Rate,
			What: string(e.What), WithinMs: reportMs(e.Within), FromMs: reportMs(e.From),
		}
		r.Expectations = append(r.Expectations, x)
	}
	r.Judged(res.Outcome)
	for _, e := range res.Events {
		te := report.Event{
			TMs: reportMs(e.At), Kind: string(e.Kind), Member: e.Member, Detail: e.Detail,
			Leader: e.Leader, Term: e.Term, Value: e.Value, Revision: e.Revision,
			Line: e.Line, Verb: e.Verb, Reference: e.Reference, Held: e.Held,
			Fault: e.Fault, Name: e.Name, Fired: e.Fired,
		}
		if e.Kind == record.KindStalled {
			te.SinceMs = reportMsPtr(&e.Since)
		}
		if e.Kind == record.KindWrite && e.Issued > 0 {
			te.IssuedMs = reportMsPtr(&e.Issued)
		}
		r.Timeline = append(r.Timeline, te)
	}
	r.Counts = report.CountEvents(r.Timeline, r.StallThreshold())
	if t := res.Traffic; t != nil {
		r.Traffic = &report.Traffic{WindowMs: reportMs(t.Unit), PeakCalls: math.Round(t.PeakCalls*10) / 10, PeakCallsAtMs: reportMs(t.PeakCallsAt), PeakMethods: t.PeakMethods,
			PeakConns: math.Round(t.PeakConns*10) / 10, PeakConnsAtMs: reportMs(t.PeakConnsAt)}
		if t.Judged {
			wb, wa, cb, ca := t.Before.Watches, t.After.Watches, t.Before.ConnsOpen, t.After.ConnsOpen
			r.Traffic.WatchesBefore, r.Traffic.WatchesAfter, r.Traffic.ConnsBefore, r.Traffic.ConnsAfter = &wb, &wa, &cb, &ca
		}
	}
	if a := res.Admission; a.Reason != "" {
		h := a.Headroom
		r.Admission = &report.Admission{WaitMs: reportMs(a.Waited), Reason: a.Reason, Held: a.Held, BudgetMs: reportMs(a.Budget),
			DelayP99Ms: reportMs(h.DelayP99), DelayMaxMs: reportMs(h.DelayMax), MemAvailableMiB: h.MemAvailable >> 20,
			Runs: h.Runs, Starting: h.Starting}
		if h.IdleCores >= 0 {
			idle := math.Round(h.IdleCores*100) / 100
			r.Admission.IdleCores = &idle
		}
	}
	return r
}

// reportMs is a duration in a report's milliseconds, to the microsecond.
func reportMs(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func reportMsPtr(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	v := reportMs(*d)
	return &v
}

// squeezeSpaces folds runs of spaces (a script's alignment) into one.
func squeezeSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }
