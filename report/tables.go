package report

import (
	"fmt"
	"io"
	"strings"
)

// Verdict of a group: its single run's verdict, or "passed/runs".
func (a Aggregate) Verdict() string {
	ran := a.Runs - a.Skipped
	switch {
	case a.Runs == a.Skipped:
		return "skipped"
	case a.Runs == 1 && a.Invalid == 1:
		return "INVALID"
	case a.Runs == 1 && a.Failed == 1:
		return "FAIL"
	case a.Runs == 1:
		return "pass"
	}
	v := fmt.Sprintf("%d/%d pass", a.Passed, ran)
	if a.Invalid > 0 {
		v += fmt.Sprintf(", %d INVALID", a.Invalid)
	}
	if a.Skipped > 0 {
		v += fmt.Sprintf(", %d skipped", a.Skipped)
	}
	return v
}

// heldCount is "held/judged" over every expectation of the group.
func (a Aggregate) heldCount() string {
	held, runs := 0, 0
	for _, e := range a.Expectations {
		held += e.Held
		runs += e.Runs
	}
	if runs == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d held", held, runs)
}

// shortExpectation is "advance 173ms ✓" for "expect advance within 500ms
// [robust]" measured at 173 ms and held.
func shortExpectation(text string, measured *float64, held bool) string {
	what := text
	if f := strings.Fields(text); len(f) >= 2 && f[0] == "expect" {
		what = f[1]
	}
	mark := "✓"
	if !held {
		mark = "✗"
	}
	return what + " " + FormatMs(measured) + " " + mark
}

// compactExpectations lists a single run's expectations with their measured
// figures; for repeats, the held count.
func compactExpectations(a Aggregate) string {
	if a.Runs != 1 {
		return a.heldCount()
	}
	var parts []string
	for _, e := range a.Expectations {
		parts = append(parts, shortExpectation(e.Text, e.Measured.P50, e.Held == e.Runs))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// stallCell is the longest watchdog stall of a single run, or how many runs
// stalled.
func (a Aggregate) stallCell() string {
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
	return fmt.Sprintf("%d/%d runs, max %s", a.StalledRuns, a.Runs-a.Skipped, FormatMs(a.LongestStall.Max))
}

func deref(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

// statsCell renders "p50 / p99 / max" ("never" for a percentile that fell on
// a run where it never happened), or one figure for a single run.
func statsCell(s Stats) string {
	if s.N == 0 {
		return "-"
	}
	if s.N == 1 {
		return FormatMs(s.P50)
	}
	return FormatMs(s.P50) + " / " + FormatMs(s.P99) + " / " + FormatMs(s.Max)
}

// TableLegend explains the summary table's figures; print it above the
// table.
const TableLegend = `recovery: first fault step → advancer caught up for good (end of its last stall, else its first
advance of a value written after the fault); resumed: last fault or heal step → first advance of a
value written after it; watchdog stall: longest span the advancer was behind the quorum.`

// WriteSummaryTable prints one row per group: the verdict table. With
// repeats, figures are p50 / p99 / max.
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
	recovery, resumed, expectations := "recovery", "resumed", "expectations (measured)"
	if repeats {
		recovery, resumed, expectations = "recovery p50 / p99 / max", "resumed p50 / p99 / max", "expectations"
	}
	head = append(head, "result", recovery, resumed, "watchdog stall", expectations)
	row(tw, head...)
	for _, a := range aggs {
		cells := []string{a.Scenario, a.Advancer}
		if knobs {
			cells = append(cells, orDash(KnobsString(a.Knobs)))
		}
		rec, res := statsCell(a.Recovery), statsCell(a.Resumed)
		if a.Runs == a.Skipped {
			rec, res = "-", "-"
		}
		cells = append(cells, a.Verdict(), rec, res, a.stallCell(), compactExpectations(a))
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
		row(tw, fmt.Sprintf("  %d", e.Line), e.Text, fmt.Sprintf("%d/%d", e.Held, e.Runs),
			FormatMs(e.Measured.P50), FormatMs(e.Measured.P99), FormatMs(e.Measured.Max))
	}
	row(tw, "  -", "recovery (first fault → caught up for good)", "-",
		FormatMs(a.Recovery.P50), FormatMs(a.Recovery.P99), FormatMs(a.Recovery.Max))
	tw.Flush()
}

// SweepNote says what the sweep table's counts are and what the record
// cannot count.
const SweepNote = `recovery: first fault step → advancer caught up for good; resumed: last fault or heal step →
first advance of a value written after it (the reconnect that backoff decides). Knob values are in
production units and divided by the scale like the preset's own.
stalled: runs where the watchdog saw the advancer behind the quorum revision for more than 2 election timeouts.
advancer errors: failed waits and watch restarts the advancer reported (per run: p50 / max).
Reconnect attempts and requests sent are not in the record (the harness does not log
connection attempts or RPCs), so they are not counted here.`

// WriteSweepTable prints one row per (scenario, setting) of a sweep.
func WriteSweepTable(w io.Writer, rep *Report) {
	var knobs []string
	if rep.Sweep != nil {
		for _, v := range rep.Sweep.Vary {
			knobs = append(knobs, v.Knob)
		}
	}
	tw := newTable(w)
	head := []string{"scenario"}
	head = append(head, knobs...)
	head = append(head, "runs", "passed", "recovery p50", "p99", "resumed p50", "p99", "max", "never resumed", "stalled", "advancer errors")
	row(tw, head...)
	for _, a := range rep.Aggregates {
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
		passed := fmt.Sprintf("%d/%d", a.Passed, ran)
		if a.Invalid > 0 {
			passed += fmt.Sprintf(" (%d invalid)", a.Invalid)
		}
		cells = append(cells, fmt.Sprint(a.Runs), passed,
			FormatMs(a.Recovery.P50), FormatMs(a.Recovery.P99),
			FormatMs(a.Resumed.P50), FormatMs(a.Resumed.P99), FormatMs(a.Resumed.Max),
			fmt.Sprint(a.Resumed.Never), fmt.Sprintf("%d/%d", a.StalledRuns, ran),
			fmt.Sprintf("%s / %s", countCell(a.AdvancerErrors.P50), countCell(a.AdvancerErrors.Max)))
		row(tw, cells...)
	}
	tw.Flush()
}

func countCell(v *float64) string {
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
