package page

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"regexp"
	"strings"

	"github.com/leaderfault/leaderfault/report"
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
	"ms":      report.FormatMs,
	"msv":     formatMs,
	"f1":      func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"knobs":   report.KnobsString,
	"squeeze": squeeze,
	"add":     func(a, b float64) float64 { return a + b },
	"sub":     func(a, b float64) float64 { return a - b },
	"half":    func(a float64) float64 { return a / 2 },
	"bugURL":  bugURL,
}).Parse(pageTemplate))

// pageView is what the template renders.
type pageView struct {
	Title  string
	Report *report.Report
	CSS    template.CSS
	JS     template.JS
	Totals totals
	Rows   []aggRow
	Sweep  *sweepView
	Runs   []runView
	Legend []legendGroup
	// Verdicts explains the verdict pills.
	Verdicts []verdictKey
}

// totals are the page's runs by verdict; Bugs are the known bugs reproduced.
type totals struct {
	report.Tally
	Bugs string
}

// verdictKey is one entry of the verdict legend.
type verdictKey struct{ Class, Label, Meaning string }

var verdictKeys = []verdictKey{
	{"v-pass", "pass", "met every requirement the script states"},
	{"v-known", "known bug reproduced", "a preset missed requirements exactly as its known lines say: the bug is still there (expected of a reproduction; never a pass)"},
	{"v-notrepro", "NOT REPRODUCED", "a preset met requirements it is known to miss: the bug is fixed or the reproduction broke — look"},
	{"v-notrepro v-sometimes", "NOT REPRODUCED — expected now and then", "as above, but its known lines show only in some runs (rate below 100%): only the rate over many runs says more"},
	{"v-fail", "FAIL", "missed a requirement, not in a known way"},
	{"v-invalid", "INVALID", "a fault never fired or the writer stopped: nothing to judge"},
	{"v-skip", "skipped", "cannot run here (e.g. no FUSE)"},
}

type aggRow struct {
	report.Aggregate
	Anchor       string
	VerdictClass string
	Recovery     string
	Resumed      string
	Stall        string
	Held         string
	Knobs        string
}

type sweepView struct {
	Plan     string
	Plots    []sweepPlot
	Knobs    []string
	Settings []settingRow
	Rows     []sweepRow
	Note     string
}

// settingRow is one sweep setting over every scenario.
type settingRow struct {
	Knobs                                     []string
	Met, Runs, RecP50, RecP99, ResP50, ResP99 string
	MetClass                                  string
}

type sweepRow struct {
	Scenario, Runs, Passed, RecP50, RecP99, ResP50, ResP99, Never, Stalled, Errors string
	Knobs                                                                          []string
	Anchor                                                                         string
}

type runView struct {
	report.Run
	Anchor       string
	VerdictClass string
	Label        string
	// Expectations in script order, the implicit end-of-run requirement
	// (line 0) last.
	Expectations []report.Expectation
	Open         bool
	Chart        laneChart
	Settings     string
	Timeline     []timelineRow
}

type timelineRow struct {
	T, Member, Kind, Body string
	Class                 string
}

// The legend explains every mark the lane charts draw, grouped by lane;
// it lists only the marks some chart on the page uses.

type legendKey string

const (
	keyStep         legendKey = "step"
	keyRefStep      legendKey = "ref-step"
	keyHeld         legendKey = "held"
	keyFailed       legendKey = "failed"
	keyKnownSeen    legendKey = "known-seen"
	keyKnownUnseen  legendKey = "known-unseen"
	keyFault        legendKey = "fault"
	keyFaultUnfired legendKey = "fault-unfired"
	keyFired        legendKey = "fired"
	keyHatch        legendKey = "hatch"
	keySelf         legendKey = "self"
	keyNone         legendKey = "none"
	keyDown         legendKey = "down"
	keyMove         legendKey = "move"
	keyAdvance      legendKey = "advance"
	keyError        legendKey = "error"
	keyInfo         legendKey = "info"
	keyStallLag     legendKey = "stall-lag"
	keyStall        legendKey = "stall"
	keyWrite        legendKey = "write"
	keyWritten      legendKey = "written"
	keySeen         legendKey = "seen"
)

type legendGroup struct {
	Lane  string
	Items []legendItem
}

// legendItem is one legend entry: a sample of the mark (Shape, drawn with
// the chart's own CSS Class) and what it means.
type legendItem struct {
	Key   legendKey
	Shape string // bar, hatch, tick, dot, glyph, ref, line, label
	Class string
	Glyph string
	Fill  string
	Label string
}

// legendCatalog is every legend entry, in the order shown, by lane;
// "members" also gets an entry per leader seen.
var legendCatalog = []struct {
	lane  string
	items []legendItem
}{
	{"script", []legendItem{
		{Key: keyStep, Shape: "label", Class: "step", Label: "step, with its script line and verb (full text in the step list under the chart)"},
		{Key: keyRefStep, Shape: "ref", Class: "step step-ref", Label: "reference step (fault, heal, crash, …): expectations after it measure from the latest one"},
		{Key: keyHeld, Shape: "glyph", Class: "expect-held", Glyph: report.MarkMet, Label: "requirement met (an expect line; its line)"},
		{Key: keyFailed, Shape: "glyph", Class: "expect-failed", Glyph: report.MarkMissed, Label: "requirement missed (its line)"},
		{Key: keyKnownSeen, Shape: "glyph", Class: "expect-known", Glyph: report.MarkSeen, Label: "known line: the preset's known deviation showed as known (its line)"},
		{Key: keyKnownUnseen, Shape: "glyph", Class: "expect-known-unseen", Glyph: report.MarkNotSeen, Label: "known line: the known deviation did not show (its line)"},
	}},
	{"faults", []legendItem{
		{Key: keyFault, Shape: "bar", Class: "fault-bar", Label: "fault, armed → healed (one row each)"},
		{Key: keyFaultUnfired, Shape: "bar", Class: "fault-bar fault-unfired", Label: "fault that never took effect"},
		{Key: keyFired, Shape: "glyph", Class: "fired", Glyph: "⚡", Label: "fault took effect on a member"},
		{Key: keyHatch, Shape: "hatch", Class: "fault-hatch", Label: "lane of a fault's target"},
	}},
	{"members", []legendItem{
		{Key: keySelf, Shape: "bar", Class: "seg-leader seg-self", Fill: "#bbb", Label: "believes it leads"},
		{Key: keyNone, Shape: "bar", Class: "seg-none", Label: "knows no leader"},
		{Key: keyDown, Shape: "bar", Class: "seg-down", Label: "down"},
		{Key: keyMove, Shape: "dot", Class: "move", Label: "leadership moved to it (move-leader)"},
	}},
	{"advancer", []legendItem{
		{Key: keyAdvance, Shape: "tick", Class: "tick-advance", Label: "advance observed"},
		{Key: keyInfo, Shape: "dot", Class: "info", Label: "advancer note (hover for text)"},
		{Key: keyStallLag, Shape: "bar", Class: "stall-lag", Label: "oldest upload unseen, until the stall threshold (2 election timeouts)"},
		{Key: keyStall, Shape: "bar", Class: "stall", Label: "stall: from the threshold to caught up"},
	}},
	{"writer", []legendItem{
		{Key: keyWrite, Shape: "tick", Class: "tick-write", Label: "checkpoint upload"},
		{Key: keyError, Shape: "tick", Class: "tick-error", Label: "error: failed upload, or advancer error"},
	}},
	{"checkpoint value", []legendItem{
		{Key: keyWritten, Shape: "line", Class: "value-written", Label: "newest value written"},
		{Key: keySeen, Shape: "line", Class: "value-seen", Label: "newest value the advancer observed"},
	}},
}

// buildLegend lists the entries for the keys used and the leaders seen.
func buildLegend(used map[legendKey]bool, leaders []string) []legendGroup {
	var out []legendGroup
	for _, g := range legendCatalog {
		lg := legendGroup{Lane: g.lane}
		if g.lane == "members" {
			for _, m := range leaders {
				lg.Items = append(lg.Items, legendItem{Key: legendKey("leader-" + m), Shape: "bar", Class: "seg-leader", Fill: leaderColor(m), Label: "believes " + m + " leads"})
			}
		}
		for _, it := range g.items {
			if used[it.Key] {
				lg.Items = append(lg.Items, it)
			}
		}
		if len(lg.Items) > 0 {
			out = append(out, lg)
		}
	}
	return out
}

// Write renders rep as one self-contained HTML page.
func Write(w io.Writer, rep *report.Report) error {
	v := buildPage(rep)
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteFile writes the HTML report to path, replacing it only once the
// whole page is rendered.
func WriteFile(path string, rep *report.Report) error {
	var buf bytes.Buffer
	if err := Write(&buf, rep); err != nil {
		return err
	}
	return report.WriteAtomic(path, buf.Bytes())
}

// verdictClass is the pill class of a run's verdict.
func verdictClass(r report.Run) string {
	switch r.Result() {
	case report.VerdictPass:
		return "v-pass"
	case report.VerdictKnownBug:
		return "v-known"
	case report.VerdictNotReproduced:
		if r.Sometimes {
			return "v-notrepro v-sometimes"
		}
		return "v-notrepro"
	case report.VerdictInvalid:
		return "v-invalid"
	case report.VerdictSkipped:
		return "v-skip"
	}
	return "v-fail"
}

// bugURL links a bug written owner/repo#N to its GitHub issue; other
// references are not links.
func bugURL(bug string) string {
	m := bugRef.FindStringSubmatch(bug)
	if m == nil {
		return ""
	}
	return "https://github.com/" + m[1] + "/issues/" + m[2]
}

var bugRef = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)#([0-9]+)$`)

func buildPage(rep *report.Report) pageView {
	v := pageView{Report: rep, CSS: template.CSS(pageCSS), JS: template.JS(pageJS)}
	v.Title = "leaderfault report"
	if rep.Sweep != nil {
		v.Title = "leaderfault sweep: " + strings.Join(rep.Sweep.Scenarios, ", ")
	} else if names := scenarioNames(rep.Runs); len(names) > 0 {
		v.Title = "leaderfault: " + strings.Join(names, ", ")
	}
	aggs := rep.Aggregates
	if aggs == nil {
		aggs = report.Summarize(rep.Runs)
	}

	// Runs of one scenario share a time scale, so their lanes compare.
	scaleEnd := map[string]float64{}
	for _, r := range rep.Runs {
		scaleEnd[r.Scenario] = math.Max(scaleEnd[r.Scenario], endOf(r.Timeline))
	}
	firstAnchor := map[string]string{}
	leaders := map[string]bool{}
	used := map[legendKey]bool{}
	for i, r := range rep.Runs {
		anchor := fmt.Sprintf("run-%d", i+1)
		if _, ok := firstAnchor[report.GroupKey(r)]; !ok {
			firstAnchor[report.GroupKey(r)] = anchor
		}
		rv := runView{Run: r, Anchor: anchor, VerdictClass: verdictClass(r), Label: r.VerdictLabel(),
			Open: len(rep.Runs) <= 6 || needsLook(r), Settings: r.Settings(), Expectations: report.InScriptOrder(r.Expectations)}
		if r.Skipped == "" {
			rv.Chart = buildLaneChart(r, scaleEnd[r.Scenario])
			for k := range rv.Chart.Keys {
				used[k] = true
			}
		}
		for _, e := range r.Timeline {
			rv.Timeline = append(rv.Timeline, timelineRow{T: fmt.Sprintf("%.1f", e.TMs), Member: orDash(e.Member), Kind: e.Kind,
				Body: e.Body(), Class: "k-" + e.Kind})
			if e.Leader != "" {
				leaders[e.Leader] = true
			}
		}
		v.Runs = append(v.Runs, rv)
	}
	v.Totals.Tally = report.TallyRuns(rep.Runs)
	v.Totals.Bugs = strings.TrimSuffix(strings.TrimPrefix(report.BugsSuffix(v.Totals.ReproducedBugs), " ("), ")")
	v.Verdicts = verdictKeys
	v.Legend = buildLegend(used, sortedMembers(leaders))
	for _, a := range aggs {
		row := aggRow{Aggregate: a, Anchor: firstAnchor[a.Scenario+"\x00"+a.Advancer+"\x00"+report.KnobsString(a.Knobs)],
			Recovery: a.Recovery.Cell(), Resumed: a.Resumed.Cell(),
			Stall: a.StallCell(), Held: heldCell(a), Knobs: report.KnobsString(a.Knobs)}
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

// needsLook reports whether a run's verdict needs a person: FAIL, INVALID,
// or a known bug not reproduced. Their details open on a long page.
func needsLook(r report.Run) bool {
	switch r.Result() {
	case report.VerdictFail, report.VerdictInvalid, report.VerdictNotReproduced:
		return true
	}
	return false
}

// aggregateClass colors a group's verdict by its worst run (FAIL, INVALID,
// NOT REPRODUCED, known bug, pass); a contradicted rate is a FAIL.
func aggregateClass(a report.Aggregate) string {
	switch {
	case a.Runs == a.Skipped:
		return "v-skip"
	case a.Failed > 0 || a.RateFailed():
		return "v-fail"
	case a.Invalid > 0:
		return "v-invalid"
	case a.NotReproduced > a.NotReproducedSometimes:
		return "v-notrepro"
	case a.NotReproduced > 0:
		return "v-notrepro v-sometimes"
	case a.KnownBug > 0:
		return "v-known"
	}
	return "v-pass"
}

func buildSweepView(rep *report.Report, aggs []report.Aggregate, anchors map[string]string) *sweepView {
	sv := &sweepView{Note: report.SweepNote}
	sv.Plan = fmt.Sprintf("advancer %s, %s, %d repeat(s) per setting", rep.Sweep.Advancer, varyPlan(rep.Sweep.Vary), rep.Sweep.Repeat)
	for _, v := range rep.Sweep.Vary {
		sv.Knobs = append(sv.Knobs, v.Knob)
	}
	if p, ok := buildSweepPlot(rep, "recovery: first fault step → caught up for good", func(r report.Run) *float64 { return r.RecoveryMs }); ok {
		sv.Plots = append(sv.Plots, p)
	}
	if p, ok := buildSweepPlot(rep, "resumed: last fault or heal step → first fresh advance", func(r report.Run) *float64 { return r.ResumedMs }); ok {
		sv.Plots = append(sv.Plots, p)
	}
	for _, st := range report.SummarizeSettings(rep.Runs, aggs) {
		row := settingRow{Met: st.MetCell(), Runs: fmt.Sprint(st.Runs),
			RecP50: report.FormatMs(st.Recovery.P50), RecP99: report.FormatMs(st.Recovery.P99),
			ResP50: report.FormatMs(st.Resumed.P50), ResP99: report.FormatMs(st.Resumed.P99), MetClass: "v-fail"}
		switch {
		case st.Scenarios == 0:
			row.MetClass = "v-skip"
			row.RecP50, row.RecP99, row.ResP50, row.ResP99 = "-", "-", "-", "-"
		case st.Met == st.Scenarios:
			row.MetClass = "v-pass"
		}
		for _, k := range sv.Knobs {
			row.Knobs = append(row.Knobs, orDash(st.Knobs[k]))
		}
		sv.Settings = append(sv.Settings, row)
	}
	for _, a := range aggs {
		ran := a.Runs - a.Skipped
		row := sweepRow{Scenario: a.Scenario, Runs: fmt.Sprint(a.Runs), Passed: a.PassedCell(),
			RecP50: report.FormatMs(a.Recovery.P50), RecP99: report.FormatMs(a.Recovery.P99),
			ResP50: report.FormatMs(a.Resumed.P50), ResP99: report.FormatMs(a.Resumed.P99),
			Never: fmt.Sprint(a.Recovery.Never), Stalled: fmt.Sprintf("%d/%d", a.StalledRuns, ran),
			Errors: report.CountCell(a.AdvancerErrors.P50) + " / " + report.CountCell(a.AdvancerErrors.Max),
			Anchor: anchors[a.Scenario+"\x00"+a.Advancer+"\x00"+report.KnobsString(a.Knobs)]}
		for _, k := range sv.Knobs {
			row.Knobs = append(row.Knobs, orDash(a.Knobs[k]))
		}
		sv.Rows = append(sv.Rows, row)
	}
	return sv
}

func varyPlan(vs []report.Vary) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Knob + " ∈ {" + strings.Join(v.Values, ", ") + "}"
	}
	return strings.Join(parts, " × ")
}

func heldCell(a report.Aggregate) string {
	if a.Runs == 1 {
		return a.CompactExpectations()
	}
	return a.HeldCount()
}

func scenarioNames(runs []report.Run) []string {
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
