package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// The HTML report: one self-contained page (inline CSS, JavaScript and
// SVG; nothing fetched) built with html/template. The page draws without
// JavaScript; the script adds a time cursor, a timeline filter, and marks
// the page rendered (data-rendered="ok") or broken (data-error) so that a
// headless browser test can tell.

//go:embed assets/page.html.tmpl
var pageTemplate string

//go:embed assets/style.css
var pageCSS string

//go:embed assets/page.js
var pageJS string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"ms":      FormatMs,
	"msv":     formatMs,
	"f1":      func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"knobs":   KnobsString,
	"squeeze": squeeze,
	"add":     func(a, b float64) float64 { return a + b },
	"sub":     func(a, b float64) float64 { return a - b },
	"half":    func(a float64) float64 { return a / 2 },
}).Parse(pageTemplate))

// pageView is what the template renders.
type pageView struct {
	Title   string
	Report  *Report
	CSS     template.CSS
	JS      template.JS
	Totals  totals
	Rows    []aggRow
	Sweep   *sweepView
	Runs    []runView
	Leaders []legendItem
}

type totals struct{ Runs, Passed, Failed, Invalid, Skipped int }

type aggRow struct {
	Aggregate
	Anchor       string
	VerdictClass string
	Recovery     string
	Resumed      string
	Stall        string
	Held         string
	Knobs        string
}

type sweepView struct {
	Plan  string
	Plots []sweepPlot
	Knobs []string
	Rows  []sweepRow
	Note  string
}

type sweepRow struct {
	Scenario, Runs, Passed, RecP50, RecP99, ResP50, ResP99, Never, Stalled, Errors string
	Knobs                                                                          []string
	Anchor                                                                         string
}

type runView struct {
	Run
	Anchor       string
	VerdictClass string
	Open         bool
	Chart        laneChart
	Settings     string
	Timeline     []timelineRow
}

type timelineRow struct {
	T, Member, Kind, Body string
	Class                 string
}

type legendItem struct {
	Label, Color string
}

// WriteHTML renders rep as one self-contained HTML page.
func WriteHTML(w io.Writer, rep *Report) error {
	v := buildPage(rep)
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteHTMLFile writes the HTML report to path, replacing it only once the
// whole page is rendered.
func WriteHTMLFile(path string, rep *Report) error {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, rep); err != nil {
		return err
	}
	return writeAtomic(path, buf.Bytes())
}

func verdictClass(v string) string {
	switch {
	case v == "pass":
		return "v-pass"
	case v == "skipped":
		return "v-skip"
	case strings.HasPrefix(v, "INVALID"):
		return "v-invalid"
	}
	return "v-fail"
}

func buildPage(rep *Report) pageView {
	v := pageView{Report: rep, CSS: template.CSS(pageCSS), JS: template.JS(pageJS)}
	v.Title = "leaderfault report"
	if rep.Sweep != nil {
		v.Title = "leaderfault sweep: " + strings.Join(rep.Sweep.Scenarios, ", ")
	} else if names := scenarioNames(rep.Runs); len(names) > 0 {
		v.Title = "leaderfault: " + strings.Join(names, ", ")
	}
	aggs := rep.Aggregates
	if aggs == nil {
		aggs = Summarize(rep.Runs)
	}

	// Runs of one scenario share a time scale, so their lanes compare.
	scaleEnd := map[string]float64{}
	for _, r := range rep.Runs {
		scaleEnd[r.Scenario] = math.Max(scaleEnd[r.Scenario], endOf(r.Timeline))
	}
	firstAnchor := map[string]string{}
	leaders := map[string]bool{}
	for i, r := range rep.Runs {
		anchor := fmt.Sprintf("run-%d", i+1)
		if _, ok := firstAnchor[groupKey(r)]; !ok {
			firstAnchor[groupKey(r)] = anchor
		}
		rv := runView{Run: r, Anchor: anchor, VerdictClass: verdictClass(r.Verdict), Open: len(rep.Runs) <= 6 || !r.Passed && r.Skipped == "",
			Settings: r.Settings()}
		if r.Skipped == "" {
			rv.Chart = buildLaneChart(r, scaleEnd[r.Scenario])
		}
		for _, e := range r.Timeline {
			rv.Timeline = append(rv.Timeline, timelineRow{T: fmt.Sprintf("%.1f", e.TMs), Member: orDash(e.Member), Kind: e.Kind,
				Body: eventBody(e), Class: "k-" + e.Kind})
			if e.Leader != "" {
				leaders[e.Leader] = true
			}
		}
		v.Runs = append(v.Runs, rv)
		v.Totals.Runs++
		switch {
		case r.Skipped != "":
			v.Totals.Skipped++
		case !r.Valid:
			v.Totals.Invalid++
		case r.Passed:
			v.Totals.Passed++
		default:
			v.Totals.Failed++
		}
	}
	for _, m := range sortedMembers(leaders) {
		v.Leaders = append(v.Leaders, legendItem{Label: "leader " + m, Color: leaderColor(m)})
	}
	for _, a := range aggs {
		row := aggRow{Aggregate: a, Anchor: firstAnchor[a.Scenario+"\x00"+a.Advancer+"\x00"+KnobsString(a.Knobs)],
			VerdictClass: verdictClass(a.Verdict()), Recovery: statsCell(a.Recovery), Resumed: statsCell(a.Resumed),
			Stall: a.stallCell(), Held: heldCell(a), Knobs: KnobsString(a.Knobs)}
		if a.Runs == a.Skipped {
			row.Recovery, row.Resumed = "-", "-"
		}
		row.VerdictClass = aggregateClass(a)
		v.Rows = append(v.Rows, row)
	}
	if rep.Sweep != nil {
		v.Sweep = buildSweepView(rep, aggs, firstAnchor)
	}
	return v
}

// aggregateClass colors a group's verdict by its worst run.
func aggregateClass(a Aggregate) string {
	switch {
	case a.Runs == a.Skipped:
		return "v-skip"
	case a.Invalid > 0:
		return "v-invalid"
	case a.Failed > 0:
		return "v-fail"
	}
	return "v-pass"
}

func buildSweepView(rep *Report, aggs []Aggregate, anchors map[string]string) *sweepView {
	sv := &sweepView{Note: SweepNote}
	sv.Plan = fmt.Sprintf("advancer %s, %s, %d repeat(s) per setting", rep.Sweep.Advancer, varyPlan(rep.Sweep.Vary), rep.Sweep.Repeat)
	for _, v := range rep.Sweep.Vary {
		sv.Knobs = append(sv.Knobs, v.Knob)
	}
	if p, ok := buildSweepPlot(rep, "recovery: first fault step → caught up for good", func(r Run) *float64 { return r.RecoveryMs }); ok {
		sv.Plots = append(sv.Plots, p)
	}
	if p, ok := buildSweepPlot(rep, "resumed: last fault or heal step → first fresh advance", func(r Run) *float64 { return r.ResumedMs }); ok {
		sv.Plots = append(sv.Plots, p)
	}
	for _, a := range aggs {
		ran := a.Runs - a.Skipped
		row := sweepRow{Scenario: a.Scenario, Runs: fmt.Sprint(a.Runs), Passed: fmt.Sprintf("%d/%d", a.Passed, ran),
			RecP50: FormatMs(a.Recovery.P50), RecP99: FormatMs(a.Recovery.P99),
			ResP50: FormatMs(a.Resumed.P50), ResP99: FormatMs(a.Resumed.P99),
			Never: fmt.Sprint(a.Recovery.Never), Stalled: fmt.Sprintf("%d/%d", a.StalledRuns, ran),
			Errors: countCell(a.AdvancerErrors.P50) + " / " + countCell(a.AdvancerErrors.Max),
			Anchor: anchors[a.Scenario+"\x00"+a.Advancer+"\x00"+KnobsString(a.Knobs)]}
		for _, k := range sv.Knobs {
			row.Knobs = append(row.Knobs, orDash(a.Knobs[k]))
		}
		sv.Rows = append(sv.Rows, row)
	}
	return sv
}

func varyPlan(vs []Vary) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Knob + " ∈ {" + strings.Join(v.Values, ", ") + "}"
	}
	return strings.Join(parts, " × ")
}

func heldCell(a Aggregate) string {
	if a.Runs == 1 {
		return compactExpectations(a)
	}
	return a.heldCount()
}

func scenarioNames(runs []Run) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.Scenario] {
			seen[r.Scenario] = true
			out = append(out, r.Scenario)
		}
	}
	return out
}

func sortedMembers(set map[string]bool) []string {
	var out []string
	for m := range set {
		if isMemberName(m) {
			out = append(out, m)
		}
	}
	sortMembers(out)
	return out
}
