package report

import (
	"math"
	"sort"
	"strings"

	"github.com/leaderfault/leaderfault/check"
)

// Summarize groups runs by (scenario, advancer, knobs), in the order each
// group first appears, and summarizes each group.
func Summarize(runs []Run) []Aggregate {
	var order []string
	groups := map[string][]Run{}
	for _, r := range runs {
		k := GroupKey(r)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]Aggregate, 0, len(order))
	for _, k := range order {
		out = append(out, aggregate(groups[k]))
	}
	return out
}

// GroupKey identifies a run's group: scenario, advancer and knob setting.
func GroupKey(r Run) string {
	return r.Scenario + "\x00" + r.Advancer + "\x00" + KnobsString(r.Knobs)
}

// KnobsString renders a knob setting as "a=1 b=2", sorted by knob name.
func KnobsString(k map[string]string) string {
	names := make([]string, 0, len(k))
	for n := range k {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + k[n]
	}
	return strings.Join(parts, " ")
}

func aggregate(runs []Run) Aggregate {
	a := Aggregate{Scenario: runs[0].Scenario, Advancer: runs[0].Advancer, Knobs: copyKnobs(runs[0].Knobs), Runs: len(runs)}
	var recovery, resumed, afterHeal, stall, errs []float64
	type line struct {
		agg      ExpectationAggregate
		measured []float64
		rate     check.RateCount
	}
	var lines []*line
	byLine := map[int]*line{}
	var t Tally
	for _, r := range runs {
		t.add(r)
		if r.Result() == VerdictSkipped {
			continue
		}
		recovery = append(recovery, orInf(r.RecoveryMs))
		resumed = append(resumed, orInf(r.ResumedMs))
		afterHeal = append(afterHeal, orInf(r.StalledAfterHealMs))
		stall = append(stall, r.Counts.LongestStallMs)
		errs = append(errs, float64(r.Counts.AdvancerErrors))
		if r.Counts.Stalls > 0 {
			a.StalledRuns++
		}
		for _, e := range r.Expectations {
			l, ok := byLine[e.Line]
			if !ok {
				l = &line{agg: ExpectationAggregate{Line: e.Line, Text: e.Text, Known: e.Known, Bug: e.Bug, Rate: e.Rate}}
				byLine[e.Line] = l
				lines = append(lines, l)
			}
			l.agg.Runs++
			if e.Passed {
				l.agg.Held++
			}
			l.measured = append(l.measured, orInf(e.MeasuredMs))
			if e.Shown != nil && r.Result() != VerdictInvalid {
				l.rate.Runs++
				if *e.Shown {
					l.rate.Shown++
				}
			}
		}
	}
	a.setTally(t)
	a.Recovery = NewStats(recovery)
	a.Resumed = NewStats(resumed)
	a.StalledAfterHeal = NewStats(afterHeal)
	a.LongestStall = NewStats(stall)
	a.AdvancerErrors = NewStats(errs)
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].agg.Line < lines[j].agg.Line })
	a.Expectations = make([]ExpectationAggregate, 0, len(lines))
	for _, l := range lines {
		l.agg.Measured = NewStats(l.measured)
		if l.agg.Known && l.agg.Rate > 0 {
			l.rate.Line, l.rate.Text, l.rate.Bug, l.rate.Rate = l.agg.Line, l.agg.Text, l.agg.Bug, l.agg.Rate
			l.agg.RateTest = rateTest(l.rate)
			if l.agg.RateTest.Result == string(check.RateInconsistent) {
				a.RateFailures = append(a.RateFailures, a.Scenario+"/"+a.Advancer+": "+l.agg.RateTest.Message)
			}
		}
		a.Expectations = append(a.Expectations, l.agg)
	}
	return a
}

func orInf(v *float64) float64 {
	if v == nil {
		return math.Inf(1)
	}
	return *v
}

// NewStats computes nearest-rank percentiles of xs; +Inf values are runs
// where the figure never happened.
func NewStats(xs []float64) Stats {
	s := Stats{N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	for _, x := range sorted {
		if math.IsInf(x, 1) {
			s.Never++
		}
	}
	s.P50 = finite(Percentile(sorted, 50))
	s.P99 = finite(Percentile(sorted, 99))
	s.Max = finite(sorted[len(sorted)-1])
	return s
}

// Percentile is the nearest-rank p-th percentile of sorted (ascending,
// non-empty): the smallest value with at least p% of the values at or
// below it.
func Percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func finite(x float64) *float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	return &x
}

func (a *Aggregate) setTally(t Tally) {
	a.Passed, a.Failed, a.KnownBug, a.Invalid, a.Skipped = t.Pass, t.Fail, t.KnownBug, t.Invalid, t.Skipped
	a.NotReproduced, a.NotReproducedSometimes = t.NotReproduced, t.Sometimes
	a.Bugs = t.Bugs()
}

// tally is the group's counts by verdict; both bug lists are the group's
// Bugs (an aggregate keeps only their union).
func (a Aggregate) tally() Tally {
	t := Tally{Runs: a.Runs, Pass: a.Passed, KnownBug: a.KnownBug, NotReproduced: a.NotReproduced,
		Sometimes: a.NotReproducedSometimes, Fail: a.Failed, Invalid: a.Invalid, Skipped: a.Skipped}
	if a.KnownBug > 0 {
		t.ReproducedBugs = a.Bugs
	}
	if a.NotReproduced > 0 {
		t.NotReproducedBugs = a.Bugs
	}
	return t
}

// AllPassed reports whether every run of the group that ran passed (met
// every requirement), and at least one ran.
func (a Aggregate) AllPassed() bool {
	ran := a.Runs - a.Skipped
	return ran > 0 && a.Passed == ran
}
