package page

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/leaderfault/leaderfault/report"
)

// The sweep plot: a figure (recovery, resumed) against the values of the
// first varied knob, one series per scenario (and setting of any other
// knob), a dot per run and a line through the medians. Runs where the
// figure never happened sit in a "never" band at the top.

const (
	plotChartW = 560.0
	plotChartH = 316.0
	plotLeft   = 62.0
	plotRight  = 14.0
	plotTop    = 46.0
	plotBottom = 52.0
)

type sweepPlot struct {
	Title          string
	W, H           float64
	X0, X1, Y0, Y1 float64 // plot area: Y0 is the top
	NeverY         float64
	XTicks         []axisTick
	YTicks         []yTick
	XLabel         string
	Series         []plotSeries
}

type yTick struct {
	Y     float64
	Label string
}

type plotSeries struct {
	Name   string
	Color  string
	Median string // polyline points
	Dots   []chartDot
}

// buildSweepPlot plots figure for the runs of a sweep; ok is false when
// there is nothing to plot.
func buildSweepPlot(rep *report.Report, title string, figure func(report.Run) *float64) (sweepPlot, bool) {
	if rep.Sweep == nil || len(rep.Sweep.Vary) == 0 || len(rep.Runs) == 0 {
		return sweepPlot{}, false
	}
	xKnob := rep.Sweep.Vary[0]
	p := sweepPlot{Title: title, W: plotChartW, H: plotChartH, X0: plotLeft, X1: plotChartW - plotRight,
		Y0: plotTop, Y1: plotChartH - plotBottom, XLabel: xKnob.Knob + " (production units)"}
	p.NeverY = p.Y0 - 12

	var order []string
	values := map[string]map[string][]float64{} // series → x value → figures
	maxV := 0.0
	for _, r := range rep.Runs {
		if r.Skipped != "" {
			continue
		}
		name := r.Scenario
		var rest []string
		for _, v := range rep.Sweep.Vary[1:] {
			rest = append(rest, v.Knob+"="+r.Knobs[v.Knob])
		}
		if len(rest) > 0 {
			name += " [" + strings.Join(rest, " ") + "]"
		}
		if _, ok := values[name]; !ok {
			values[name] = map[string][]float64{}
			order = append(order, name)
		}
		v := orInf(figure(r))
		values[name][r.Knobs[xKnob.Knob]] = append(values[name][r.Knobs[xKnob.Knob]], v)
		if !math.IsInf(v, 1) {
			maxV = math.Max(maxV, v)
		}
	}
	if len(order) == 0 {
		return sweepPlot{}, false
	}
	top := niceCeil(maxV * 1.08)
	yOf := func(v float64) float64 {
		if math.IsInf(v, 1) {
			return p.NeverY
		}
		return p.Y1 - (p.Y1-p.Y0)*v/top
	}
	for _, t := range niceTicks(top, 5) {
		p.YTicks = append(p.YTicks, yTick{Y: yOf(t), Label: formatMsShort(t)})
	}
	n := len(xKnob.Values)
	step := (p.X1 - p.X0) / float64(n)
	xOf := func(i int) float64 { return p.X0 + step*(float64(i)+0.5) }
	for i, v := range xKnob.Values {
		p.XTicks = append(p.XTicks, axisTick{X: xOf(i), Label: v})
	}
	for si, name := range order {
		s := plotSeries{Name: name, Color: leaderColors[si%len(leaderColors)]}
		// Offset series a little so their dots do not hide each other.
		off := (float64(si) - float64(len(order)-1)/2) * math.Min(10, step/float64(len(order)+2))
		var med []string
		for i, xv := range xKnob.Values {
			figs := values[name][xv]
			if len(figs) == 0 {
				continue
			}
			sorted := append([]float64(nil), figs...)
			sort.Float64s(sorted)
			for _, f := range figs {
				title := fmt.Sprintf("%s, %s=%s: %s", name, xKnob.Knob, xv, report.FormatMs(finite(f)))
				s.Dots = append(s.Dots, chartDot{X: xOf(i) + off, Y: yOf(f), R: 3.5, Title: title})
			}
			m := report.Percentile(sorted, 50)
			med = append(med, fmt.Sprintf("%.1f,%.1f", xOf(i)+off, yOf(m)))
		}
		s.Median = strings.Join(med, " ")
		p.Series = append(p.Series, s)
	}
	return p, true
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= v {
			return m * mag
		}
	}
	return 10 * mag
}

func formatMsShort(v float64) string {
	if v >= 1000 {
		return trimZeros(fmt.Sprintf("%.2f", v/1000)) + "s"
	}
	return fmt.Sprintf("%.0fms", v)
}

// orInf is a figure, +Inf for one that never happened.
func orInf(v *float64) float64 {
	if v == nil {
		return math.Inf(1)
	}
	return *v
}

// finite is x, nil when it is not finite (a median over runs that never
// recovered).
func finite(x float64) *float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	return &x
}
