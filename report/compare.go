package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Comparing two reports: the same scenarios and advancers run twice — at
// two time bases (fast and production), on two etcd lines (v3.5 and v3.7),
// before and after a change — side by side, with each row's verdicts and
// recovery and whether they agree.

// CompareOptions are the tolerances of a comparison. Two recoveries agree
// when their medians, in election timeouts, differ by at most
// max(ToleranceET, ToleranceRel × the larger one).
type CompareOptions struct {
	ToleranceET  float64 // absolute, in election timeouts
	ToleranceRel float64 // relative to the larger median, 0.25 = 25%
}

// Side is one report's runs of a compared row.
type Side struct {
	Runs int
	// Verdicts counts the runs by verdict (Run.Result).
	Verdicts map[string]int
	// Verdict is the most common verdict (ties: the first in verdictOrder).
	Verdict string
	// RecoveryMs and RecoveryET are the recovery's nearest-rank p50 and p99
	// over the runs that were not skipped, in ms and in the run's own
	// election timeouts; nil: never recovered at that rank.
	RecoveryMs, RecoveryP99Ms *float64
	RecoveryET, RecoveryP99ET *float64
	ElectionMs                float64 // of the first run (0: unknown)
	Etcd, Profile             string
}

// Agreement is how the two sides of a row compare.
type Agreement string

// Agreements, from best to worst.
const (
	// Agree: the same most common verdict, recoveries within tolerance.
	Agree Agreement = "agree"
	// AgreeWithinSpread: the most common verdicts differ, but one side's
	// occurs among the other side's runs (a known line with a rate, say);
	// recoveries within tolerance.
	AgreeWithinSpread Agreement = "within spread"
	// Skipped: a side has only skipped runs; nothing to compare.
	Skipped Agreement = "skipped"
	// Differ: verdicts or recoveries disagree, or a side lacks the row.
	Differ Agreement = "DIFFER"
)

// Comparison is one row: a scenario and advancer (and knob setting) in both
// reports.
type Comparison struct {
	Scenario, Advancer, Knobs string
	A, B                      *Side // nil: the row is absent from that report
	Agreement                 Agreement
	// Why says what differs, or why the row agrees only within spread.
	Why string
}

// verdictOrder breaks ties between equally common verdicts: the one that
// asks for attention first.
var verdictOrder = []string{VerdictFail, VerdictInvalid, VerdictNotReproduced, VerdictKnownBug, VerdictPass, VerdictSkipped}

// Compare pairs the runs of a and b by scenario, advancer and knob setting
// (rows in a's order, then b's own) and judges each row.
func Compare(a, b *Report, o CompareOptions) []Comparison {
	ga, gb := groupRuns(a.Runs), groupRuns(b.Runs)
	var keys []string
	seen := map[string]bool{}
	for _, g := range []*runGroups{ga, gb} {
		for _, k := range g.order {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	out := make([]Comparison, 0, len(keys))
	for _, k := range keys {
		first := append(ga.runs[k], gb.runs[k]...)[0]
		c := Comparison{Scenario: first.Scenario, Advancer: first.Advancer, Knobs: KnobsString(first.Knobs)}
		if rs := ga.runs[k]; len(rs) > 0 {
			c.A = newSide(rs)
		}
		if rs := gb.runs[k]; len(rs) > 0 {
			c.B = newSide(rs)
		}
		c.Agreement, c.Why = judgeSides(c.A, c.B, o)
		out = append(out, c)
	}
	return out
}

type runGroups struct {
	order []string
	runs  map[string][]Run
}

func groupRuns(runs []Run) *runGroups {
	g := &runGroups{runs: map[string][]Run{}}
	for _, r := range runs {
		k := GroupKey(r)
		if _, ok := g.runs[k]; !ok {
			g.order = append(g.order, k)
		}
		g.runs[k] = append(g.runs[k], r)
	}
	return g
}

func newSide(runs []Run) *Side {
	s := &Side{Runs: len(runs), Verdicts: map[string]int{}, ElectionMs: runs[0].ElectionMs, Etcd: runs[0].Etcd, Profile: runs[0].Profile}
	var ms, et []float64
	for _, r := range runs {
		v := r.Result()
		s.Verdicts[v]++
		if v == VerdictSkipped {
			continue
		}
		rec := orInf(r.RecoveryMs)
		ms = append(ms, rec)
		if r.ElectionMs > 0 {
			et = append(et, rec/r.ElectionMs)
		} else {
			et = append(et, math.NaN())
		}
	}
	best := 0
	for _, v := range verdictOrder {
		if n := s.Verdicts[v]; n > best {
			s.Verdict, best = v, n
		}
	}
	if len(ms) > 0 {
		m, e := NewStats(ms), NewStats(et)
		s.RecoveryMs, s.RecoveryP99Ms = m.P50, m.P99
		s.RecoveryET, s.RecoveryP99ET = e.P50, e.P99
	}
	return s
}

func judgeSides(a, b *Side, o CompareOptions) (Agreement, string) {
	switch {
	case a == nil:
		return Differ, "only in the second report"
	case b == nil:
		return Differ, "only in the first report"
	case a.Verdict == VerdictSkipped || b.Verdict == VerdictSkipped:
		return Skipped, "skipped on one side: nothing to compare"
	}
	agreement, why := Agree, ""
	if a.Verdict != b.Verdict {
		if b.Verdicts[a.Verdict] == 0 && a.Verdicts[b.Verdict] == 0 {
			return Differ, fmt.Sprintf("verdict %s vs %s", a.Verdict, b.Verdict)
		}
		agreement, why = AgreeWithinSpread, "the most common verdicts differ; one is among the other side's runs"
	}
	ra, rb := a.RecoveryET, b.RecoveryET
	switch {
	case ra == nil && rb == nil:
	case ra == nil || rb == nil:
		return Differ, fmt.Sprintf("recovery %s vs %s", formatET(ra), formatET(rb))
	case math.IsNaN(*ra) || math.IsNaN(*rb):
		return Differ, "a side does not record its election timeout"
	default:
		diff, big := math.Abs(*ra-*rb), math.Max(*ra, *rb)
		if tol := math.Max(o.ToleranceET, o.ToleranceRel*big); diff > tol {
			return Differ, fmt.Sprintf("recovery %s vs %s: %.2f ET apart, tolerance %.2f ET", formatET(ra), formatET(rb), diff, tol)
		}
	}
	return agreement, why
}

// VerdictText renders the side's verdict counts: "known-bug", or "4 known-bug,
// 1 not-reproduced" when they are mixed.
func (s *Side) VerdictText() string {
	if s == nil {
		return "-"
	}
	if len(s.Verdicts) == 1 {
		if s.Runs == 1 {
			return s.Verdict
		}
		return fmt.Sprintf("%d %s", s.Runs, s.Verdict)
	}
	vs := slices.Clone(verdictOrder)
	slices.SortStableFunc(vs, func(a, b string) int { return s.Verdicts[b] - s.Verdicts[a] })
	var parts []string
	for _, v := range vs {
		if n := s.Verdicts[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	return strings.Join(parts, ", ")
}

func formatET(v *float64) string {
	if v == nil {
		return "never"
	}
	return fmt.Sprintf("%.2f ET", *v)
}

// CompareLabels names the two sides for column headings: by etcd version
// when the reports ran different ones, else by profile when their timing
// differs, else by names (file names).
func CompareLabels(a, b *Report, names [2]string) [2]string {
	for _, f := range []func(Run) string{
		func(r Run) string {
			if r.Etcd == "" {
				return ""
			}
			if r.EtcdProcesses {
				return "etcd " + r.Etcd + " (processes)"
			}
			return "etcd " + r.Etcd
		},
		func(r Run) string {
			if r.Stretch != 0 && r.Stretch != 1 {
				return fmt.Sprintf("%s (×%g)", r.Profile, r.Stretch)
			}
			return r.Profile
		},
	} {
		la, lb := reportLabel(a, f), reportLabel(b, f)
		if la != "" && lb != "" && la != lb {
			return [2]string{la, lb}
		}
	}
	if names[0] == names[1] {
		return [2]string{"A", "B"}
	}
	return names
}

// reportLabel is f of the report's runs when they all agree on it, else "".
func reportLabel(rep *Report, f func(Run) string) string {
	var l string
	for i, r := range rep.Runs {
		switch v := f(r); {
		case i == 0:
			l = v
		case v != l:
			return ""
		}
	}
	return l
}

// normalized reports whether the rows' recoveries should be read in
// election timeouts: the two sides ran at different election timeouts.
func normalized(cs []Comparison) bool {
	for _, c := range cs {
		if c.A != nil && c.B != nil && c.A.ElectionMs != c.B.ElectionMs {
			return true
		}
	}
	return false
}

// WriteComparison prints the rows as a table: each side's verdicts and
// recovery (p50, and p99 when a side has repeats) in ms, or in election
// timeouts (ET) when the sides ran at different ones, and the agreement.
func WriteComparison(w io.Writer, labels [2]string, cs []Comparison) {
	norm := normalized(cs)
	unit := ""
	if norm {
		unit = " (/ET)"
	}
	tw := newTable(w)
	row(tw, "scenario", "advancer", "verdict "+labels[0], "verdict "+labels[1],
		"recovery"+unit+" "+labels[0], "recovery"+unit+" "+labels[1], "agree")
	for _, c := range cs {
		adv := c.Advancer
		if c.Knobs != "" {
			adv += " [" + c.Knobs + "]"
		}
		mark := string(c.Agreement)
		if c.Why != "" {
			mark += ": " + c.Why
		}
		row(tw, c.Scenario, adv, c.A.VerdictText(), c.B.VerdictText(), c.A.recovery(norm), c.B.recovery(norm), mark)
	}
	tw.Flush()
	tally := map[Agreement]int{}
	for _, c := range cs {
		tally[c.Agreement]++
	}
	var parts []string
	for _, a := range []Agreement{Agree, AgreeWithinSpread, Skipped, Differ} {
		if n := tally[a]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, a))
		}
	}
	fmt.Fprintf(w, "\n%d rows: %s\n", len(cs), strings.Join(parts, ", "))
}

func (s *Side) recovery(norm bool) string {
	if s == nil {
		return "-"
	}
	if s.Verdict == VerdictSkipped {
		return "-"
	}
	f := func(ms, et *float64) string {
		if !norm {
			return FormatMs(ms)
		}
		return strings.TrimSuffix(formatET(et), " ET")
	}
	p50 := f(s.RecoveryMs, s.RecoveryET)
	if s.Runs-s.Verdicts[VerdictSkipped] < 2 {
		return p50
	}
	return p50 + " / p99 " + f(s.RecoveryP99Ms, s.RecoveryP99ET)
}

// Differences are the rows that disagree.
func Differences(cs []Comparison) []Comparison {
	var out []Comparison
	for _, c := range cs {
		if c.Agreement == Differ {
			out = append(out, c)
		}
	}
	return out
}
