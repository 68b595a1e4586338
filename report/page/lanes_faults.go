package page

import (
	"fmt"
	"math"
	"strings"

	"github.com/leaderfault/leaderfault/record"

	"github.com/leaderfault/leaderfault/report"
)

// The faults lane: a bar per fault from armed to healed, labelled with its
// kind and targets, stacked in rows so that overlapping faults (and their
// labels) do not hide each other.
type faultLane struct {
	spans  []faultSpan
	placed []chartRect
	row    []int
	fired  [][]chartDot
	rows   rows
}

func faultBarLabel(f faultSpan) string {
	label := f.Kind
	if f.Point {
		label = "failpoint " + f.Kind
	}
	if len(f.Members) > 0 {
		label += " → " + strings.Join(f.Members, ",")
	}
	if !f.Fired {
		label += " · never fired"
	}
	return label
}

func faultTitle(f faultSpan) string {
	state := "healed"
	if f.Open {
		state = "never healed"
	}
	if f.Fired {
		var on []string
		for _, fa := range f.FiredAt {
			on = append(on, fmt.Sprintf("%s at %s", orDash(fa.Member), formatMs(fa.TMs)))
		}
		if len(on) > 0 {
			state += ", took effect " + strings.Join(on, ", ")
		}
	} else {
		state += ", NEVER FIRED"
	}
	return fmt.Sprintf("%s: armed %s, until %s (%s; %s)", f.Label, formatMs(f.StartMs), formatMs(f.EndMs), formatMs(f.EndMs-f.StartMs), state)
}

func faultLayout(spans []faultSpan, x func(float64) float64, plotX1 float64) *faultLane {
	fl := &faultLane{spans: spans, rows: rows{gap: 4}}
	for _, f := range spans {
		x0 := x(f.StartMs)
		x1 := math.Max(x(f.EndMs), x0+1)
		label := faultBarLabel(f)
		lw := textW(label, true)
		rect := chartRect{X: x0, W: x1 - x0, Class: "fault-bar", LabelClass: "fault-bar-label", Label: label, Title: faultTitle(f), Anchor: "start"}
		if !f.Fired {
			rect.Class += " fault-unfired"
		}
		// The label starts inside the bar, after any mark of its firing
		// that it would run into; a bar too short for it has it beside.
		textX := x0 + 4
		var fired []chartDot
		for _, fa := range f.FiredAt {
			what := fmt.Sprintf("fault #%d %s", f.Number, f.Kind)
			if f.Point {
				what = "failpoint " + f.Kind
			}
			fired = append(fired, chartDot{X: x(fa.TMs), Glyph: "⚡", Class: "fired",
				Title: fmt.Sprintf("t=%s %s took effect on %s", formatMs(fa.TMs), what, orDash(fa.Member))})
		}
		for _, d := range fired { // in time order
			if d.X+6 > textX-2 && d.X-6 < textX+lw {
				textX = d.X + 7
			}
		}
		lo, hi := x0, x1
		switch {
		case textX+lw+4 <= x1:
			rect.TextX = textX
		case math.Max(x1, textX)+4+lw <= plotX1+12:
			rect.TextX = math.Max(x1, textX-2) + 4
			hi = rect.TextX + lw
		default:
			rect.TextX, rect.Anchor = x0-4, "end"
			lo = x0 - 4 - lw
		}
		row, _ := fl.rows.place(lo, hi, 0)
		fl.placed = append(fl.placed, rect)
		fl.row = append(fl.row, row)
		fl.fired = append(fl.fired, fired)
	}
	return fl
}

func (fl *faultLane) height() float64 { return float64(fl.rows.n())*faultRowH + 4 }

func (fl *faultLane) draw(c *laneChart, y float64) {
	for i, rect := range fl.placed {
		rowY := y + 2 + float64(fl.row[i])*faultRowH
		rect.Y, rect.H = rowY+2, faultRowH-4
		rect.TextY = rect.Y + rect.H/2 + 4
		c.Rects = append(c.Rects, rect)
		if strings.Contains(rect.Class, "fault-unfired") {
			c.Keys[keyFaultUnfired] = true
		} else {
			c.Keys[keyFault] = true
		}
		for _, d := range fl.fired[i] {
			d.Y = rect.Y + rect.H/2
			c.Dots = append(c.Dots, d)
			c.Keys[keyFired] = true
		}
	}
}

// valueY is where value v sits on the value chart of height h at top.
func valueY(v, maxV uint64, top, h float64) float64 {
	return top + h - 2 - (h-4)*float64(v)/float64(maxV)
}

// valuePolylines draws the written and observed checkpoint values as step
// lines from the first write to the end of the run.
func valuePolylines(tl []report.Event, x func(float64) float64, top, h, end float64) (written, seen string, maxV uint64) {
	for _, e := range tl {
		if (e.Kind == string(record.KindWrite) || e.Kind == string(record.KindAdvance)) && e.Value > maxV {
			maxV = e.Value
		}
	}
	if maxV == 0 {
		return "", "", 0
	}
	yv := func(v uint64) float64 { return valueY(v, maxV, top, h) }
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
