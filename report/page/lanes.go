package page

import (
	"fmt"
	"math"
	"strings"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"

	"github.com/leaderfault/leaderfault/report"
)

// The lane chart of one run, as SVG geometry in viewBox units. Computed
// here rather than in the page's script so that the page draws without
// JavaScript and the geometry is testable.

const (
	chartW    = 1200.0 // viewBox width
	labelW    = 116.0  // lane labels (and the value axis) on the left
	plotX0    = labelW
	plotW     = chartW - labelW - 16
	laneH     = 24.0
	laneGap   = 5.0
	faultRowH = 20.0 // one row of the faults lane
	labelRowH = 13.0 // one row of step labels on the script lane
	dotRowH   = 12.0 // the step dots
	expRowH   = 15.0 // one row of expectation marks
	valueH    = 84.0 // the checkpoint value chart
	axisH     = 22.0
	chartTopY = 4.0
	fontPx    = 11.0 // labels in the chart
)

// laneChart is everything the template draws for one run.
type laneChart struct {
	W, H   float64
	PlotX0 float64
	PlotX1 float64
	Lanes  []laneRow
	Rects  []chartRect
	Ticks  []chartMark // thin vertical marks: writes, advances, errors
	Dots   []chartDot
	Lines  []chartLine // step and fault guides across every lane
	Stems  []chartLine // from a step dot up to its label
	Texts  []chartText // step and expectation labels on the script lane
	Axis   []axisTick
	AxisY  float64
	// The checkpoint value chart: written and observed values over time.
	ValueY, ValueH    float64
	Written, Seen     string // SVG polyline points
	ValueMax          uint64
	ValueTicks        []yTick
	EndMs, ScaleEndMs float64
	// Steps lists the script's steps under the chart, by line.
	Steps []stepItem
	// Keys are the legend entries for what this chart draws.
	Keys map[legendKey]bool
}

type laneRow struct {
	Name, Label, Class string
	Label2             string // a second line under Label
	Y, H               float64
	Title              string
}

type chartRect struct {
	X, Y, W, H float64
	Class      string
	Fill       string // explicit color (leader views), else by class
	Label      string // drawn inside (or, for fault bars, beside) it
	LabelClass string
	Title      string // tooltip
	TextX      float64
	TextY      float64
	Anchor     string // SVG text-anchor of the label
}

type chartMark struct {
	X, Y1, Y2 float64
	Class     string
	Title     string
}

type chartDot struct {
	X, Y  float64
	R     float64
	Class string
	Glyph string // text glyph instead of a circle, e.g. ✓
	Title string
}

type chartLine struct {
	X, Y1, Y2 float64
	Class     string
	Title     string
}

type chartText struct {
	X, Y   float64
	Parts  []textPart // the text, in spans that may be styled apart
	Class  string
	Anchor string // SVG text-anchor: start or end
	Title  string
}

type textPart struct{ Text, Class string }

type axisTick struct {
	X     float64
	Label string
}

// stepItem is one script step in the list under a chart.
type stepItem struct {
	Line      int
	T         string
	Verb      string
	Text      string
	Reference bool
}

// leaderColors are the fills for "leader is m0", "m1", ... (Tableau 10).
var leaderColors = []string{"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7"}

func leaderColor(member string) string {
	var n int
	if _, err := fmt.Sscanf(member, "m%d", &n); err != nil || n < 0 {
		return "#999"
	}
	return leaderColors[n%len(leaderColors)]
}

// textW estimates the width of a chart label (DejaVu Sans, the widest
// font a headless Linux substitutes for system-ui, errs on the wide side).
func textW(s string, bold bool) float64 {
	per := 0.62 * fontPx
	if bold {
		per = 0.68 * fontPx
	}
	return float64(len([]rune(s))) * per
}

// rows places horizontal extents in rows so that none overlap within a
// row: each goes to the first row where it fits, or a new one.
type rows struct {
	ends [][][2]float64 // per row, the extents placed
	gap  float64
}

// fit returns the first row (below max, when max > 0) where [x0, x1]
// fits, and false when none does.
func (r *rows) fit(x0, x1 float64, max int) (int, bool) {
	for i, row := range r.ends {
		if max > 0 && i >= max {
			return 0, false
		}
		free := true
		for _, e := range row {
			if x0 < e[1]+r.gap && e[0] < x1+r.gap {
				free = false
				break
			}
		}
		if free {
			return i, true
		}
	}
	if max > 0 && len(r.ends) >= max {
		return 0, false
	}
	return len(r.ends), true
}

func (r *rows) put(i int, x0, x1 float64) {
	for len(r.ends) <= i {
		r.ends = append(r.ends, nil)
	}
	r.ends[i] = append(r.ends[i], [2]float64{x0, x1})
}

// place fits [x0, x1] into the first free row (no more than max rows
// when max > 0) and takes it.
func (r *rows) place(x0, x1 float64, max int) (int, bool) {
	i, ok := r.fit(x0, x1, max)
	if ok {
		r.put(i, x0, x1)
	}
	return i, ok
}

func (r *rows) n() int { return max(len(r.ends), 1) }

// buildLaneChart lays out run r on a time axis from 0 to scaleEnd (shared
// by the runs of one scenario so they compare at a glance).
func buildLaneChart(r report.Run, scaleEnd float64) laneChart {
	end := endOf(r.Timeline)
	scaleEnd = math.Max(math.Max(scaleEnd, end), 1)
	c := laneChart{W: chartW, PlotX0: plotX0, PlotX1: plotX0 + plotW, EndMs: end, ScaleEndMs: scaleEnd, Keys: map[legendKey]bool{}}
	x := func(t float64) float64 { return plotX0 + plotW*t/scaleEnd }

	script := scriptLayout(r.Timeline, x, c.PlotX1)
	faults := faultLayout(faultSpans(r.Timeline), x, c.PlotX1)

	y := chartTopY
	addLane := func(name, label, class, title string, h float64) laneRow {
		l := laneRow{Name: name, Label: label, Class: class, Y: y, H: h, Title: title}
		c.Lanes = append(c.Lanes, l)
		y += l.H + laneGap
		return l
	}
	scriptLane := addLane("script", "script", "lane-script",
		"script steps (dots, labelled with their line and verb; red: reference steps, which expectations measure from) and expectations with their line (requirements: ✓ met, ✗ missed; known lines: ≈ showed as known, ≠ did not)",
		script.height())
	faultsLane := addLane("faults", "faults", "lane-faults", "faults from armed to healed, one row each; ⚡ where a fault took effect", faults.height())
	members := map[string]laneRow{}
	for _, m := range memberNames(r.Timeline) {
		members[m] = addLane(m, m, "lane-member", "colored by the leader "+m+" believes in; bold outline: it believes it leads", laneH)
	}
	adv := addLane("advancer", "advancer", "lane-advancer", "advances the advancer observed (ticks), its errors (red), its notes (blue dots); stalls shaded", laneH)
	writer := addLane("writer", "writer", "lane-writer", "checkpoint uploads (ticks) and failed uploads (red)", laneH)
	lanesBottom := y - laneGap

	script.draw(&c, scriptLane.Y, lanesBottom)
	faults.draw(&c, faultsLane.Y)

	// Who each member believes leads.
	for _, m := range memberNames(r.Timeline) {
		l := members[m]
		for _, v := range leaderViews(r.Timeline, m) {
			rect := chartRect{X: x(v.StartMs), Y: l.Y + 2, W: math.Max(x(v.EndMs)-x(v.StartMs), 0.5), H: l.H - 4}
			switch v.Leader {
			case "down":
				rect.Class, rect.Label = "seg-down", "down"
				rect.Title = fmt.Sprintf("%s down %s–%s", m, formatMs(v.StartMs), formatMs(v.EndMs))
				c.Keys[keyDown] = true
			case "":
				rect.Class, rect.Label = "seg-none", "no leader"
				rect.Title = fmt.Sprintf("%s has no leader %s–%s", m, formatMs(v.StartMs), formatMs(v.EndMs))
				c.Keys[keyNone] = true
			default:
				rect.Class, rect.Fill = "seg-leader", leaderColor(v.Leader)
				rect.Label = fmt.Sprintf("%s · term %d", v.Leader, v.Term)
				if v.Leader == m {
					rect.Class += " seg-self"
					rect.Label = fmt.Sprintf("leads · term %d", v.Term)
					c.Keys[keySelf] = true
				}
				rect.Title = fmt.Sprintf("%s believes %s leads (term %d), %s–%s", m, v.Leader, v.Term, formatMs(v.StartMs), formatMs(v.EndMs))
			}
			rect.LabelClass = strings.Fields(rect.Class)[len(strings.Fields(rect.Class))-1] + "-label"
			c.Rects = append(c.Rects, labelled(rect))
		}
	}

	// A hatch over each fault's target lanes (and the advancer's, for faults
	// on client links).
	for _, f := range faults.spans {
		x0 := x(f.StartMs)
		w := math.Max(x(f.EndMs)-x0, 1)
		for _, m := range f.Members {
			if l, ok := members[m]; ok {
				c.Rects = append(c.Rects, chartRect{X: x0, Y: l.Y, W: w, H: l.H, Class: "fault-hatch", Title: faultTitle(f)})
				c.Keys[keyHatch] = true
			}
		}
		if strings.HasPrefix(f.Kind, "client-") || strings.HasPrefix(f.Kind, "advancer/") {
			c.Rects = append(c.Rects, chartRect{X: x0, Y: adv.Y, W: w, H: adv.H, Class: "fault-hatch", Title: faultTitle(f)})
			c.Keys[keyHatch] = true
		}
	}

	// Stalls on the advancer lane: from when the threshold passed for the
	// stall to when the advancer caught up, and, lighter, the time before
	// that when the oldest unseen upload was already waiting.
	for _, s := range stallSpans(&r) {
		title := stallTitle(s, r.ElectionMs)
		if s.SeenMs > s.StartMs {
			lag := chartRect{X: x(s.StartMs), Y: adv.Y + 1, W: math.Max(x(s.SeenMs)-x(s.StartMs), 1), H: adv.H - 2,
				Class: "stall-lag", LabelClass: "stall-lag-label", Label: "unseen", Title: title}
			c.Rects = append(c.Rects, labelled(lag))
			c.Keys[keyStallLag] = true
		}
		label := "stalled " + formatMs(s.EndMs-s.StartMs)
		if s.Open {
			label += ", never caught up"
		}
		c.Rects = append(c.Rects, labelled(chartRect{X: x(s.SeenMs), Y: adv.Y + 1, W: math.Max(x(s.EndMs)-x(s.SeenMs), 1), H: adv.H - 2,
			Class: "stall", LabelClass: "stall-label", Label: label, Title: title}))
		c.Keys[keyStall] = true
	}

	// Writes, advances, errors and notes.
	for _, e := range r.Timeline {
		t := x(e.TMs)
		title := fmt.Sprintf("t=%s %s %s %s", formatMs(e.TMs), e.Member, e.Kind, e.Body())
		switch record.Kind(e.Kind) {
		case record.KindWrite:
			c.Ticks = append(c.Ticks, chartMark{X: t, Y1: writer.Y + 5, Y2: writer.Y + writer.H - 5, Class: "tick-write", Title: title})
			c.Keys[keyWrite] = true
		case record.KindWriteError:
			c.Ticks = append(c.Ticks, chartMark{X: t, Y1: writer.Y + 2, Y2: writer.Y + writer.H - 2, Class: "tick-error", Title: title})
			c.Keys[keyError] = true
		case record.KindAdvance:
			c.Ticks = append(c.Ticks, chartMark{X: t, Y1: adv.Y + 5, Y2: adv.Y + adv.H - 5, Class: "tick-advance", Title: title})
			c.Keys[keyAdvance] = true
		case record.KindAdvancerError:
			c.Ticks = append(c.Ticks, chartMark{X: t, Y1: adv.Y + 2, Y2: adv.Y + adv.H - 2, Class: "tick-error", Title: title})
			c.Keys[keyError] = true
		case record.KindAdvancerInfo, record.KindNote:
			if e.Member == "advancer" {
				c.Dots = append(c.Dots, chartDot{X: t, Y: adv.Y + 4, R: 2.5, Class: "info", Title: title})
				c.Keys[keyInfo] = true
			}
		case record.KindLeaderMove:
			if l, ok := members[e.Member]; ok {
				c.Dots = append(c.Dots, chartDot{X: t, Y: l.Y + l.H - 4, R: 2.5, Class: "move", Title: title})
				c.Keys[keyMove] = true
			}
		}
	}

	// The checkpoint value chart under the lanes, with a value axis.
	c.ValueY = y + 4
	c.ValueH = valueH
	c.Written, c.Seen, c.ValueMax = valuePolylines(r.Timeline, x, c.ValueY, valueH, end)
	if c.ValueMax > 0 {
		for _, v := range niceTicks(float64(c.ValueMax), 4) {
			if v != math.Trunc(v) {
				continue // values are whole numbers
			}
			c.ValueTicks = append(c.ValueTicks, yTick{Y: valueY(uint64(v), c.ValueMax, c.ValueY, valueH), Label: fmt.Sprintf("%.0f", v)})
		}
	}
	if c.Written != "" {
		c.Keys[keyWritten] = true
	}
	if c.Seen != "" {
		c.Keys[keySeen] = true
	}
	c.Lanes = append(c.Lanes, laneRow{Name: "value", Label: "checkpoint", Label2: "value", Class: "lane-value", Y: c.ValueY, H: valueH,
		Title: "checkpoint value written (grey) and observed by the advancer (green): a flat green line under a rising grey one is a stall"})
	y = c.ValueY + valueH + 6

	c.AxisY = y
	for _, t := range niceTicks(scaleEnd, 8) {
		c.Axis = append(c.Axis, axisTick{X: x(t), Label: axisLabel(t, scaleEnd)})
	}
	c.H = y + axisH
	return c
}

// labelled places a rect's label inside it, or drops it when it does not
// fit.
func labelled(r chartRect) chartRect {
	r.TextX = r.X + 4
	r.TextY = r.Y + r.H/2 + 4
	r.Anchor = "start"
	if textW(r.Label, true)+8 > r.W {
		r.Label = ""
	}
	return r
}

// stallTitle explains a stall in words: when the upload the advancer
// stopped seeing was written, when it had been unseen for the threshold,
// when it ended.
func stallTitle(s timeSpan, electionMs float64) string {
	threshold := fmt.Sprintf("threshold %d election timeouts", check.StallThresholdElections)
	if electionMs > 0 {
		threshold += " = " + formatMs(float64(check.StallThresholdElections)*electionMs)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "stall: upload of t=%s unseen since then; stalled from t=%s, %s later (%s); ",
		formatMs(s.StartMs), formatMs(s.SeenMs), formatMs(s.SeenMs-s.StartMs), threshold)
	if s.Open {
		fmt.Fprintf(&b, "never caught up (still behind at the end, t=%s, %s after the upload)", formatMs(s.EndMs), formatMs(s.EndMs-s.StartMs))
	} else {
		fmt.Fprintf(&b, "caught up at t=%s, %s after the upload", formatMs(s.EndMs), formatMs(s.EndMs-s.StartMs))
	}
	if s.Label != "" {
		fmt.Fprintf(&b, " (then: %s)", s.Label)
	}
	return b.String()
}
