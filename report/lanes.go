package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/leaderfault/leaderfault/record"
)

// The lane chart of one run, as SVG geometry in viewBox units. Computed
// here rather than in the page's script so that the page draws without
// JavaScript and the geometry is testable.

const (
	chartW    = 1200.0 // viewBox width
	labelW    = 104.0  // lane labels on the left
	plotX0    = labelW
	plotW     = chartW - labelW - 16
	laneH     = 24.0
	scriptH   = 32.0
	laneGap   = 5.0
	valueH    = 64.0 // the checkpoint value chart
	axisH     = 22.0
	chartTopY = 4.0
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
	Texts  []chartText // step verbs on the script lane
	Axis   []axisTick
	AxisY  float64
	// The checkpoint value chart: written and observed values over time.
	ValueY, ValueH    float64
	Written, Seen     string // SVG polyline points
	ValueMax          uint64
	EndMs, ScaleEndMs float64
}

type laneRow struct {
	Name, Label, Class string
	Y, H               float64
	Title              string
}

type chartRect struct {
	X, Y, W, H float64
	Class      string
	Fill       string // explicit color (leader views), else by class
	Label      string // drawn inside when it fits
	Title      string // tooltip
	TextX      float64
	TextY      float64
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
	Text   string
	Class  string
	Anchor string // SVG text-anchor: start or end
}

type axisTick struct {
	X     float64
	Label string
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

// buildLaneChart lays out run r on a time axis from 0 to scaleEnd (shared
// by the runs of one scenario so they compare at a glance).
func buildLaneChart(r Run, scaleEnd float64) laneChart {
	end := endOf(r.Timeline)
	scaleEnd = math.Max(math.Max(scaleEnd, end), 1)
	c := laneChart{W: chartW, PlotX0: plotX0, PlotX1: plotX0 + plotW, EndMs: end, ScaleEndMs: scaleEnd}
	x := func(t float64) float64 { return plotX0 + plotW*t/scaleEnd }

	y := chartTopY
	addLane := func(name, label, class, title string) laneRow {
		l := laneRow{Name: name, Label: label, Class: class, Y: y, H: laneH, Title: title}
		if name == "script" {
			l.H = scriptH // step names above, expectation marks below
		}
		c.Lanes = append(c.Lanes, l)
		y += l.H + laneGap
		return l
	}
	script := addLane("script", "script", "lane-script", "steps (dots) and expectations (✓ held, ✗ failed)")
	stepY, expectY := script.Y+9, script.Y+script.H-8
	faults := addLane("faults", "faults", "lane-faults", "faults from armed to healed")
	members := map[string]laneRow{}
	for _, m := range memberNames(r.Timeline) {
		members[m] = addLane(m, m, "lane-member", "colored by the leader "+m+" believes in; bold outline: it believes it leads")
	}
	adv := addLane("advancer", "advancer", "lane-advancer", "advances the advancer observed (ticks), its errors (red), notes (dots); watchdog stalls shaded")
	writer := addLane("writer", "writer", "lane-writer", "checkpoint uploads (ticks) and failed uploads (red)")
	lanesBottom := y - laneGap

	// Who each member believes leads.
	for _, m := range memberNames(r.Timeline) {
		l := members[m]
		for _, v := range leaderViews(r.Timeline, m) {
			rect := chartRect{X: x(v.StartMs), Y: l.Y + 2, W: math.Max(x(v.EndMs)-x(v.StartMs), 0.5), H: l.H - 4}
			switch v.Leader {
			case "down":
				rect.Class, rect.Label = "seg-down", "down"
				rect.Title = fmt.Sprintf("%s down %s–%s", m, formatMs(v.StartMs), formatMs(v.EndMs))
			case "":
				rect.Class, rect.Label = "seg-none", "no leader"
				rect.Title = fmt.Sprintf("%s has no leader %s–%s", m, formatMs(v.StartMs), formatMs(v.EndMs))
			default:
				rect.Class, rect.Fill = "seg-leader", leaderColor(v.Leader)
				rect.Label = fmt.Sprintf("%s · term %d", v.Leader, v.Term)
				if v.Leader == m {
					rect.Class += " seg-self"
					rect.Label = fmt.Sprintf("leads · term %d", v.Term)
				}
				rect.Title = fmt.Sprintf("%s believes %s leads (term %d), %s–%s", m, v.Leader, v.Term, formatMs(v.StartMs), formatMs(v.EndMs))
			}
			c.Rects = append(c.Rects, labelled(rect))
		}
	}

	// Fault spans: a bar in the faults lane, a hatch over each target's
	// lane (and the advancer's, for faults on client links).
	for _, f := range faultSpans(r.Timeline) {
		x0, x1 := x(f.StartMs), x(f.EndMs)
		w := math.Max(x1-x0, 1)
		state := "healed"
		if f.Open {
			state = "never healed"
		}
		if !f.Fired {
			state += ", NEVER FIRED"
		}
		title := fmt.Sprintf("%s %s–%s (%s, %s)", f.Label, formatMs(f.StartMs), formatMs(f.EndMs), formatMs(f.EndMs-f.StartMs), state)
		label := f.Kind
		if len(f.Members) > 0 {
			label += " → " + strings.Join(f.Members, ",")
		}
		c.Rects = append(c.Rects, labelled(chartRect{X: x0, Y: faults.Y + 2, W: w, H: faults.H - 4, Class: "fault-bar", Label: label, Title: title}))
		for _, m := range f.Members {
			if l, ok := members[m]; ok {
				c.Rects = append(c.Rects, chartRect{X: x0, Y: l.Y, W: w, H: l.H, Class: "fault-hatch", Title: title})
			}
		}
		if strings.HasPrefix(f.Kind, "client-") || strings.HasPrefix(f.Kind, "advancer/") {
			c.Rects = append(c.Rects, chartRect{X: x0, Y: adv.Y, W: w, H: adv.H, Class: "fault-hatch", Title: title})
		}
	}

	// Watchdog stalls on the advancer lane.
	for _, s := range stallSpans(r.Timeline) {
		what := "stalled"
		if s.Open {
			what = "stalled until the end"
		}
		c.Rects = append(c.Rects, labelled(chartRect{X: x(s.StartMs), Y: adv.Y + 1, W: math.Max(x(s.EndMs)-x(s.StartMs), 1), H: adv.H - 2,
			Class: "stall", Label: fmt.Sprintf("%s %s", what, formatMs(s.EndMs-s.StartMs)),
			Title: fmt.Sprintf("watchdog: %s, %s–%s", s.Label, formatMs(s.StartMs), formatMs(s.EndMs))}))
	}

	// Steps and expectations on the script lane; fault steps as guides.
	textEnd := 0.0
	for _, e := range r.Timeline {
		switch record.Kind(e.Kind) {
		case record.KindStep:
			verb := e.Verb
			d := chartDot{X: x(e.TMs), Y: stepY, R: 3, Class: "step", Title: fmt.Sprintf("t=%s %s", formatMs(e.TMs), squeeze(e.Detail))}
			if e.Reference {
				d.Class, d.R = "step step-fault", 4
				c.Lines = append(c.Lines, chartLine{X: x(e.TMs), Y1: stepY, Y2: lanesBottom, Class: "guide", Title: d.Title})
				// Name the step right of its dot (left of it near the end),
				// unless it would run into the previous name.
				width := float64(len(verb))*6.5 + 4
				tx, anchor := x(e.TMs)+6, "start"
				if tx+width > c.PlotX1 {
					tx, anchor = x(e.TMs)-6, "end"
				}
				if left := tx - map[string]float64{"start": 0, "end": width}[anchor]; left > textEnd {
					c.Texts = append(c.Texts, chartText{X: tx, Y: stepY + 4, Text: verb, Class: "step-label", Anchor: anchor})
					textEnd = left + width
				}
			}
			c.Dots = append(c.Dots, d)
		case record.KindExpect:
			held := e.Held
			d := chartDot{X: x(e.TMs), Y: expectY, Glyph: "✓", Class: "expect-held", Title: fmt.Sprintf("t=%s %s", formatMs(e.TMs), squeeze(e.Detail))}
			if !held {
				d.Glyph, d.Class = "✗", "expect-failed"
			}
			c.Dots = append(c.Dots, d)
		}
	}

	// Writes, advances, errors and notes.
	for _, e := range r.Timeline {
		t := x(e.TMs)
		title := fmt.Sprintf("t=%s %s %s %s", formatMs(e.TMs), e.Member, e.Kind, eventBody(e))
		switch record.Kind(e.Kind) {
		case record.KindWrite:
			c.Ticks = append(c.Ticks, chartMark{X: t, Y1: writer.Y + 5, Y2: writer.Y + writer.H - 5, Class: "tick-write", Title: title})
		case record.KindWriteError:
			c.Ticks = append(c.Ticks, chartMark{X: t, Y1: writer.Y + 2, Y2: writer.Y + writer.H - 2, Class: "tick-error", Title: title})
		case record.KindAdvance:
			c.Ticks = append(c.Ticks, chartMark{X: t, Y1: adv.Y + 5, Y2: adv.Y + adv.H - 5, Class: "tick-advance", Title: title})
		case record.KindAdvancerError:
			c.Ticks = append(c.Ticks, chartMark{X: t, Y1: adv.Y + 2, Y2: adv.Y + adv.H - 2, Class: "tick-error", Title: title})
		case record.KindAdvancerInfo, record.KindNote:
			if e.Member == "advancer" {
				c.Dots = append(c.Dots, chartDot{X: t, Y: adv.Y + 4, R: 2.5, Class: "info", Title: title})
			}
		case record.KindFaultFired:
			if l, ok := members[e.Member]; ok {
				c.Dots = append(c.Dots, chartDot{X: t, Y: l.Y + 4, Glyph: "⚡", Class: "fired", Title: title})
			}
		case record.KindLeaderMove:
			if l, ok := members[e.Member]; ok {
				c.Dots = append(c.Dots, chartDot{X: t, Y: l.Y + l.H - 4, R: 2.5, Class: "move", Title: title})
			}
		}
	}

	// The checkpoint value chart under the lanes.
	c.ValueY = y + 4
	c.ValueH = valueH
	c.Written, c.Seen, c.ValueMax = valuePolylines(r.Timeline, x, c.ValueY, valueH, end)
	c.Lanes = append(c.Lanes, laneRow{Name: "value", Label: "checkpoint", Class: "lane-value", Y: c.ValueY, H: valueH,
		Title: "checkpoint value written (grey) and observed by the advancer (green): a flat green line under a rising grey one is a stall"})
	y = c.ValueY + valueH + 6

	c.AxisY = y
	for _, t := range niceTicks(scaleEnd, 8) {
		c.Axis = append(c.Axis, axisTick{X: x(t), Label: axisLabel(t, scaleEnd)})
	}
	c.H = y + axisH
	return c
}

// labelled places a rect's label inside it.
func labelled(r chartRect) chartRect {
	r.TextX = r.X + 4
	r.TextY = r.Y + r.H/2 + 4
	if float64(len([]rune(r.Label)))*6.2+8 > r.W {
		r.Label = ""
	}
	return r
}

// valuePolylines draws the written and observed checkpoint values as step
// lines from the first write to the end of the run.
func valuePolylines(tl []Event, x func(float64) float64, top, h, end float64) (written, seen string, maxV uint64) {
	for _, e := range tl {
		if (e.Kind == string(record.KindWrite) || e.Kind == string(record.KindAdvance)) && e.Value > maxV {
			maxV = e.Value
		}
	}
	if maxV == 0 {
		return "", "", 0
	}
	yv := func(v uint64) float64 { return top + h - 2 - (h-4)*float64(v)/float64(maxV) }
	line := func(kind record.Kind) string {
		var b strings.Builder
		var cur uint64
		started := false
		for _, e := range tl {
			if e.Kind != string(kind) || e.Value <= cur {
				continue
			}
			if started {
				fmt.Fprintf(&b, "%.1f,%.1f ", x(e.TMs), yv(cur))
			}
			cur, started = e.Value, true
			fmt.Fprintf(&b, "%.1f,%.1f ", x(e.TMs), yv(cur))
		}
		if started {
			fmt.Fprintf(&b, "%.1f,%.1f", x(end), yv(cur))
		}
		return b.String()
	}
	return line(record.KindWrite), line(record.KindAdvance), maxV
}

// niceTicks returns about n round tick values from 0 to end.
func niceTicks(end float64, n int) []float64 {
	if end <= 0 {
		return []float64{0}
	}
	raw := end / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for t := 0.0; t <= end+step*1e-9; t += step {
		out = append(out, t)
	}
	return out
}

func axisLabel(t, end float64) string {
	if end >= 2000 {
		return trimZeros(fmt.Sprintf("%.2f", t/1000)) + "s"
	}
	return fmt.Sprintf("%.0fms", t)
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// squeeze collapses runs of spaces (scripts align their tags with them).
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }
