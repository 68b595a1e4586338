package report

import (
	"fmt"
	"io"
	"strings"
)

// Verdict of a group: its single run's verdict label (see Run.VerdictLabel),
// or counts: "10/10 known bug (pingcap/tidb#69048)", "7 pass, 3 FAIL";
// then the known lines whose count contradicts their stated rate: "…, rate
// FAIL (line 16: 15/20 shown, stated 30%)".
func (a Aggregate) Verdict() string {
	return a.tally().label() + a.rateFailSuffix()
}

// tableVerdict is Verdict in a table cell: the verdict with the bug's issue
// when every run that ran reproduced it or did not ("known bug reproduced
// (pingcap/tidb#69048)", "20/20 known bug (tikv/pd#6889 +1)"), else only
// the counts ("15 known bug, 5 NOT REPRODUCED"), and "rate FAIL" for a
// rate failure. WriteWhy prints the rest under the table.
func (a Aggregate) tableVerdict() string {
	t := a.tally()
	t.ReproducedBugs, t.NotReproducedBugs, t.Sometimes = nil, nil, 0
	label := t.label()
	if ran := t.Runs - t.Skipped; ran > 0 && (t.KnownBug == ran || t.NotReproduced == ran) {
		label += issuesSuffix(a.Bugs)
	}
	if a.rateFailSuffix() != "" {
		label += ", rate FAIL"
	}
	return label
}

// issuesSuffix names the first issue the bugs cite and counts the others:
// " (pingcap/tidb#69048)", " (tikv/pd#6889 +1)"; "" when none cites one.
func issuesSuffix(bugs []string) string {
	ids, _ := issues(bugs)
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return " (" + ids[0] + ")"
	}
	return fmt.Sprintf(" (%s +%d)", ids[0], len(ids)-1)
}

// HeldCount is, over every run of the group, how many requirements were
// met and how many known lines showed.
func (a Aggregate) HeldCount() string {
	var held, runs, seen, known int
	for _, e := range a.Expectations {
		if e.Known {
			seen += e.Held
			known += e.Runs
		} else {
			held += e.Held
			runs += e.Runs
		}
	}
	var parts []string
	if runs > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d requirements met", held, runs))
	}
	if known > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d known seen", seen, known))
	}
	parts = append(parts, a.rateCells()...)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// Marks of expectations in the tables: a requirement met or missed, a
// known line's deviation seen (it measured as the line says) or not.
const (
	MarkMet      = "✓"
	MarkMissed   = "✗"
	MarkSeen     = "≈"
	MarkNotSeen  = "≠"
	markUnjudged = "?"
	caughtUpText = "caught up"
)

// shortWhat is an expectation's kind in a few words: "advance" for "expect
// advance within 500ms", "known stall" for a known line, "caught up" for
// the implicit line 0.
func shortWhat(line int, text string, known bool) string {
	if line == 0 {
		return caughtUpText
	}
	f := strings.Fields(text)
	switch {
	case len(f) >= 2 && f[0] == "expect":
		return f[1]
	case len(f) >= 2 && f[0] == "known":
		return "known " + f[1]
	case known:
		return "known " + text
	}
	return text
}

// expectationMark is ✓/✗ for a requirement, ≈/≠ for a known line.
func expectationMark(known, held bool) string {
	switch {
	case known && held:
		return MarkSeen
	case known:
		return MarkNotSeen
	case held:
		return MarkMet
	}
	return MarkMissed
}

// shortExpectation is "advance 173ms ✓" for "expect advance within 500ms"
// measured at 173 ms and met, "known stall 1.51s ≈" for a known line whose
// deviation showed.
func shortExpectation(e ExpectationAggregate) string {
	return shortWhat(e.Line, e.Text, e.Known) + " " + FormatMs(e.Measured.P50) + " " + expectationMark(e.Known, e.Held == e.Runs)
}

// CompactExpectations lists a single run's expectations with their measured
// figures in script order, the implicit end-of-run requirement last; for
// repeats, the counts.
func (a Aggregate) CompactExpectations() string {
	if a.Runs != 1 {
		return a.HeldCount()
	}
	var parts, last []string
	for _, e := range a.Expectations {
		if e.Line == 0 {
			last = append(last, shortExpectation(e))
		} else {
			parts = append(parts, shortExpectation(e))
		}
	}
	parts = append(parts, last...)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// StallCell is the longest stall of a single run, or how many runs
// stalled.
func (a Aggregate) StallCell() string {
	if a.Runs-a.Skipped == 0 {
		return "-"
	}
	if a.Runs == 1 {
		if a.StalledRuns == 0 {
			return "none"
		}
		return formatMs(deref(a.LongestStall.Max))
	}
	if a.StalledRuns == 0 {
		return "none"
	}
	return fmt.Sprintf("%d/%d: %s", a.StalledRuns, a.Runs-a.Skipped, FormatMs(a.LongestStall.Max))
}

func deref(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

// Cell renders "p50 / p99 / max" ("never" for a percentile that fell on
// a run where it never happened), or one figure for a single run.
func (s Stats) Cell() string {
	if s.N == 0 {
		return "-"
	}
	if s.N == 1 {
		return FormatMs(s.P50)
	}
	return FormatMs(s.P50) + " / " + FormatMs(s.P99) + " / " + FormatMs(s.Max)
}

// TableLegend explains the summary table's verdicts and figures; print it
// above the table.
const TableLegend = verdictLegend + `
recovery: first fault step → advancer caught up for good (end of its last stall, else its first advance
of a value written after the fault); resumed: last fault or heal step → first advance of a value written
after it; stall: the longest span an upload stayed unseen by the advancer (with repeats: the runs
that stalled and the longest); after heal: how long it stayed behind the quorum after the last fault or
heal step (never: still behind at the end).
Under the table, each row that did not pass, with its expectations and their figures (✓ requirement
met, ✗ missed; a preset's known lines: ≈ the deviation showed as known, ≠ it did not; with repeats, a
known line with a rate: the runs it showed in against the stated rate, ✓ consistent, ✗ contradicted,
the row FAILs, ? too few runs to tell) and its bugs in full.`

// tableWidth is the width the summary table and the lines under it fit.
const tableWidth = 120

// WriteSummaryTable prints one row per group: the verdict table, with bugs
// by their BugRef so that it fits TableWidth columns for the catalog's
// names; WriteWhy prints the rest under it. With repeats, figures are p50 /
// p99 / max, and resumed and stalled after heal move under the table.
func WriteSummaryTable(w io.Writer, aggs []Aggregate) {
	repeats, knobs := false, false
	for _, a := range aggs {
		repeats = repeats || a.Runs > 1
		knobs = knobs || len(a.Knobs) > 0
	}
	tw := newTable(w)
	head := []string{"scenario", "advancer"}
	if knobs {
		head = append(head, "knobs")
	}
	head = append(head, "result")
	if repeats {
		head = append(head, "recovery p50/p99/max", "stall")
	} else {
		head = append(head, "recovery", "resumed", "stall", "after heal")
	}
	row(tw, head...)
	for _, a := range aggs {
		cells := []string{a.Scenario, a.Advancer}
		if knobs {
			cells = append(cells, orDash(KnobsString(a.Knobs)))
		}
		rec, res, healed := a.Recovery.Cell(), a.Resumed.Cell(), a.StalledAfterHeal.Cell()
		if a.Runs == a.Skipped {
			rec, res, healed = "-", "-", "-"
		}
		cells = append(cells, a.tableVerdict())
		if repeats {
			cells = append(cells, rec, a.StallCell())
		} else {
			cells = append(cells, rec, res, a.StallCell(), healed)
		}
		row(tw, cells...)
	}
	tw.Flush()
}

// WriteExpectationStats prints, for a group with repeats, each
// expectation's held count and measured p50 / p99 / max.
func WriteExpectationStats(w io.Writer, a Aggregate) {
	title := a.Scenario + " / " + a.Advancer
	if k := KnobsString(a.Knobs); k != "" {
		title += " [" + k + "]"
	}
	fmt.Fprintf(w, "%s: %s over %d runs\n", title, a.Verdict(), a.Runs)
	tw := newTable(w)
	row(tw, "  line", "expectation", "held", "p50", "p99", "max")
	for _, e := range a.Expectations {
		held := fmt.Sprintf("%d/%d", e.Held, e.Runs)
		if e.Known {
			held += " " + MarkSeen
		}
		row(tw, fmt.Sprintf("  %d", e.Line), e.Text, held,
			FormatMs(e.Measured.P50), FormatMs(e.Measured.P99), FormatMs(e.Measured.Max))
	}
	row(tw, "  -", "recovery (first fault → caught up for good)", "-",
		FormatMs(a.Recovery.P50), FormatMs(a.Recovery.P99), FormatMs(a.Recovery.Max))
	tw.Flush()
	for _, e := range a.Expectations {
		if e.RateTest != nil {
			fmt.Fprintf(w, "  rate %s: %s\n", e.RateTest.Result, e.RateTest.Message)
		}
	}
}

// SweepNote says what the sweep tables' counts are and what the record
// cannot count.
const SweepNote = `requirements met: scenarios whose runs all passed (met every requirement the script states) of the
scenarios run with the setting; passed: runs that met every requirement.
recovery: first fault step → advancer caught up for good; resumed: last fault or heal step →
first advance of a value written after it (the reconnect that backoff decides). Knob values are in
production units and divided by the scale like the preset's own.
stalled: runs where an upload stayed unseen by the advancer for more than 2 election timeouts.
advancer errors: failed waits and watch restarts the advancer reported (per run: p50 / max).
Reconnect attempts and requests sent are not in the record (the harness does not log
connection attempts or RPCs), so they are not counted here.`

// SettingSummary is one sweep setting over every scenario it ran.
type SettingSummary struct {
	Knobs map[string]string
	// Met counts the scenarios whose runs all passed, of Scenarios (those
	// with a run that was not skipped); Skipped counts scenarios with every
	// run skipped.
	Met, Scenarios, Skipped int
	Runs                    int
	// Recovery and Resumed are over the setting's runs of every scenario.
	Recovery, Resumed Stats
}

// MetCell is "14/16" (scenarios whose runs all passed / scenarios run).
func (s SettingSummary) MetCell() string {
	if s.Scenarios == 0 {
		return "skipped"
	}
	c := fmt.Sprintf("%d/%d", s.Met, s.Scenarios)
	if s.Skipped > 0 {
		c += fmt.Sprintf(" (%d skipped)", s.Skipped)
	}
	return c
}

// SummarizeSettings sums up a sweep per knob setting, in the order the
// settings first appear.
func SummarizeSettings(runs []Run, aggs []Aggregate) []SettingSummary {
	var order []string
	byKey := map[string]*SettingSummary{}
	get := func(knobs map[string]string) *SettingSummary {
		k := KnobsString(knobs)
		s, ok := byKey[k]
		if !ok {
			s = &SettingSummary{Knobs: knobs}
			byKey[k] = s
			order = append(order, k)
		}
		return s
	}
	for _, a := range aggs {
		s := get(a.Knobs)
		switch {
		case a.Runs == a.Skipped:
			s.Skipped++
		case a.AllPassed():
			s.Met++
			s.Scenarios++
		default:
			s.Scenarios++
		}
	}
	recovery, resumed := map[string][]float64{}, map[string][]float64{}
	for _, r := range runs {
		k := KnobsString(r.Knobs)
		get(r.Knobs).Runs++
		if r.Result() == VerdictSkipped {
			continue
		}
		recovery[k] = append(recovery[k], orInf(r.RecoveryMs))
		resumed[k] = append(resumed[k], orInf(r.ResumedMs))
	}
	out := make([]SettingSummary, 0, len(order))
	for _, k := range order {
		s := byKey[k]
		s.Recovery, s.Resumed = NewStats(recovery[k]), NewStats(resumed[k])
		out = append(out, *s)
	}
	return out
}

func sweepKnobs(rep *Report) []string {
	var knobs []string
	if rep.Sweep != nil {
		for _, v := range rep.Sweep.Vary {
			knobs = append(knobs, v.Knob)
		}
	}
	return knobs
}

// PassedCell is "3/3" runs passed, with the runs that came to other
// verdicts than pass and FAIL named.
func (a Aggregate) PassedCell() string {
	ran := a.Runs - a.Skipped
	c := fmt.Sprintf("%d/%d", a.Passed, ran)
	var other []string
	for _, x := range []struct {
		n    int
		what string
	}{{a.KnownBug, "known bug"}, {a.NotReproduced, "NOT REPRODUCED"}, {a.Invalid, "invalid"}} {
		if x.n > 0 {
			other = append(other, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	if len(other) > 0 {
		c += " (" + strings.Join(other, ", ") + ")"
	}
	return c
}

// WriteSweepTable prints the sweep: first one row per setting (the
// requirements it met over every scenario, and its recovery), then one row
// per (scenario, setting).
func WriteSweepTable(w io.Writer, rep *Report) {
	knobs := sweepKnobs(rep)
	aggs := rep.Aggregates
	if aggs == nil {
		aggs = Summarize(rep.Runs)
	}
	tw := newTable(w)
	head := append(append([]string(nil), knobs...), "requirements met", "runs", "recovery p50", "p99", "resumed p50", "p99", "never resumed")
	row(tw, head...)
	for _, s := range SummarizeSettings(rep.Runs, aggs) {
		var cells []string
		for _, k := range knobs {
			cells = append(cells, orDash(s.Knobs[k]))
		}
		cells = append(cells, s.MetCell(), fmt.Sprint(s.Runs),
			FormatMs(s.Recovery.P50), FormatMs(s.Recovery.P99),
			FormatMs(s.Resumed.P50), FormatMs(s.Resumed.P99), fmt.Sprint(s.Resumed.Never))
		if s.Scenarios == 0 {
			for i := len(knobs) + 2; i < len(cells); i++ {
				cells[i] = "-"
			}
		}
		row(tw, cells...)
	}
	tw.Flush()
	fmt.Fprintln(w)

	tw = newTable(w)
	head = []string{"scenario"}
	head = append(head, knobs...)
	head = append(head, "runs", "passed", "recovery p50", "p99", "resumed p50", "p99", "max", "never resumed", "stalled", "advancer errors")
	row(tw, head...)
	for _, a := range aggs {
		cells := []string{a.Scenario}
		for _, k := range knobs {
			cells = append(cells, orDash(a.Knobs[k]))
		}
		ran := a.Runs - a.Skipped
		if ran == 0 {
			cells = append(cells, fmt.Sprint(a.Runs), "skipped", "-", "-", "-", "-", "-", "-", "-", "-")
			row(tw, cells...)
			continue
		}
		cells = append(cells, fmt.Sprint(a.Runs), a.PassedCell(),
			FormatMs(a.Recovery.P50), FormatMs(a.Recovery.P99),
			FormatMs(a.Resumed.P50), FormatMs(a.Resumed.P99), FormatMs(a.Resumed.Max),
			fmt.Sprint(a.Resumed.Never), fmt.Sprintf("%d/%d", a.StalledRuns, ran),
			fmt.Sprintf("%s / %s", CountCell(a.AdvancerErrors.P50), CountCell(a.AdvancerErrors.Max)))
		row(tw, cells...)
	}
	tw.Flush()
}

// CountCell renders a count figure of a table cell ("-" when there is none).
func CountCell(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f", *v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
