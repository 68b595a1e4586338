package page

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
)

// loadSample reads testdata/leader-disk-stall.json: three real runs of
// "leaderfault run leader-disk-stall --advancer all": legacy and pr69047
// stall, a known bug reproduced (known-bug, pingcap/tidb#69048); robust
// does not stall and passes.
func loadSample(t *testing.T) *report.Report {
	t.Helper()
	rep, err := report.ReadFile("../testdata/leader-disk-stall.json")
	require.NoError(t, err)
	require.Len(t, rep.Runs, 3)
	return rep
}

// sampleSweep makes a sweep report from the sample's legacy run: it is
// reused as a repeat of every setting, with a recovery that grows with the
// knob so that plots have something to show. A sweep holds every setting to
// the requirements and ignores known lines, so the run is judged as a sweep
// judges it: FAIL, without its known line.
func sampleSweep(t *testing.T) *report.Report {
	t.Helper()
	base := loadSample(t)
	rep := &report.Report{Sweep: &report.Sweep{Advancer: "legacy", Scenarios: []string{"leader-disk-stall"},
		Vary: []report.Vary{{Knob: "backoff-max", Values: []string{"1s", "3s", "12s"}}}, Repeat: 3}}
	job := 0
	for i, v := range rep.Sweep.Vary[0].Values {
		for rpt := 1; rpt <= 3; rpt++ {
			r := sweepJudged(base.Runs[0])
			r.Job, r.Repeat, r.Knobs = job, rpt, map[string]string{"backoff-max": v}
			rec := float64(100*(i+1)*(i+1) + 10*rpt)
			r.RecoveryMs = &rec
			if i == 2 && rpt == 3 {
				r.RecoveryMs = nil // never recovered
			}
			rep.Runs = append(rep.Runs, r)
			job++
		}
	}
	rep.Finish()
	return rep
}

// sweepJudged is r judged on its requirements alone, as a sweep judges.
func sweepJudged(r report.Run) report.Run {
	var reqs []report.Expectation
	r.Verdict, r.Passed, r.Bugs, r.Sometimes, r.Why = report.VerdictPass, true, nil, false, ""
	for _, e := range r.Expectations {
		if e.Known {
			continue
		}
		reqs = append(reqs, e)
		if !e.Passed && r.Passed {
			r.Verdict, r.Passed = report.VerdictFail, false
			r.Why = fmt.Sprintf("missed line %d %q: measured %s", e.Line, e.Text, report.FormatMs(e.MeasuredMs))
		}
	}
	r.Expectations = reqs
	return r
}

// withVerdict is r with the verdict set as the runner would set it.
func withVerdict(r report.Run, verdict string, sometimes bool, bugs ...string) report.Run {
	r.Verdict, r.Passed, r.Sometimes, r.Bugs = verdict, verdict == report.VerdictPass, sometimes, bugs
	r.Valid = verdict != report.VerdictInvalid && verdict != report.VerdictSkipped
	if verdict == report.VerdictSkipped {
		r.Skipped = "no FUSE"
	}
	return r
}

func ptr(v float64) *float64 { return &v }

// ev builds a timeline event.
func ev(t float64, kind, member, detail string) report.Event {
	return report.Event{TMs: t, Kind: kind, Member: member, Detail: detail}
}

func leaderEv(t float64, member, leader string, term uint64) report.Event {
	return report.Event{TMs: t, Kind: "leader", Member: member, Leader: leader, Term: term}
}

func valueEv(t float64, kind string, value uint64) report.Event {
	member := "writer"
	if kind == "advance" {
		member = "advancer"
	}
	return report.Event{TMs: t, Kind: kind, Member: member, Value: value, Revision: int64(value) + 1}
}

// writesAndAdvances makes a write every 20 ms from t0 to t1 and an advance
// of each 1 ms later, unless the advance time falls in a stall window.
func writesAndAdvances(t0, t1 float64, firstValue uint64, stallFrom, stallTo float64) []report.Event {
	var out []report.Event
	v := firstValue
	for t := t0; t < t1; t += 20 {
		out = append(out, valueEv(t, "checkpoint-write", v))
		if t+1 < stallFrom || t+1 >= stallTo {
			out = append(out, valueEv(t+1, "advance", v))
		}
		v++
	}
	return out
}

// unwrapped is text wrapped for the terminal back on one line: every run of
// spaces and newlines one space.
