package page

import (
	"fmt"
	"strings"

	"github.com/leaderfault/leaderfault/record"

	"github.com/leaderfault/leaderfault/report"
)

// The script lane: step dots in one row with their labels staggered in
// rows above, expectation marks in rows below.
type scriptLane struct {
	steps   []placedText
	expects []placedText
	labels  rows
	exps    rows
	items   []stepItem
	dots    []chartDot
	refs    []float64 // x of reference steps, for guides
	titles  []string
}

type placedText struct {
	chartText
	row  int
	dotX float64
}

// stepCluster is the steps whose dots (nearly) coincide: one label.
type stepCluster struct {
	x     float64
	steps []report.Event
}

// label renders a cluster's label at a level of detail: 0 names every
// step's line and verb ("9 fault, 10 wait"), 1 only the reference steps'
// verbs ("9 fault, 10"), 2 only lines ("9,10").
func (c stepCluster) label(detail int) []textPart {
	var parts []textPart
	for i, e := range c.steps {
		sep := ", "
		if detail == 2 {
			sep = ","
		}
		if i > 0 {
			parts = append(parts, textPart{Text: sep})
		}
		text := fmt.Sprint(e.Line)
		if detail == 0 || detail == 1 && e.Reference {
			text += " " + e.Verb
		}
		class := ""
		if e.Reference {
			class = "step-label-ref"
		}
		parts = append(parts, textPart{Text: text, Class: class})
	}
	return parts
}

func partsW(parts []textPart) float64 {
	w := 0.0
	for _, p := range parts {
		w += textW(p.Text, p.Class != "")
	}
	return w
}

func scriptLayout(tl []report.Event, x func(float64) float64, plotX1 float64) *scriptLane {
	s := &scriptLane{labels: rows{gap: 8}, exps: rows{gap: 4}}
	var clusters []stepCluster
	var refDots []chartDot
	for _, e := range tl {
		switch record.Kind(e.Kind) {
		case record.KindStep:
			dx := x(e.TMs)
			d := chartDot{X: dx, R: 3, Class: "step", Title: fmt.Sprintf("t=%s line %d: %s", formatMs(e.TMs), e.Line, squeeze(e.Detail))}
			if e.Reference {
				d.Class, d.R = "step step-ref", 4
				d.Title += " (reference step: expectations after it measure from here)"
				refDots = append(refDots, d) // drawn over the others
				s.refs = append(s.refs, dx)
				s.titles = append(s.titles, d.Title)
			} else {
				s.dots = append(s.dots, d)
			}
			s.items = append(s.items, stepItem{Line: e.Line, T: formatMs(e.TMs), Verb: e.Verb, Text: squeeze(e.Detail), Reference: e.Reference})
			if n := len(clusters); n > 0 && dx-clusters[n-1].x < 4 {
				clusters[n-1].steps = append(clusters[n-1].steps, e)
			} else {
				clusters = append(clusters, stepCluster{x: dx, steps: []report.Event{e}})
			}
		case record.KindExpect:
			g, class := report.MarkMet, "expect-held"
			switch {
			case e.Verb == "known" && e.Held:
				g, class = report.MarkSeen, "expect-known"
			case e.Verb == "known":
				g, class = report.MarkNotSeen, "expect-known-unseen"
			case !e.Held:
				g, class = report.MarkMissed, "expect-failed"
			}
			text := fmt.Sprintf("%s%d", g, e.Line)
			dx := x(e.TMs)
			w := textW(text, true)
			x0, x1 := dx-5, dx-5+w
			if x1 > plotX1+8 {
				x0, x1 = dx+5-w, dx+5
			}
			row, _ := s.exps.place(x0, x1, 0)
			t := chartText{X: x0, Parts: []textPart{{Text: text}}, Class: "expect-label " + class, Anchor: "start",
				Title: fmt.Sprintf("t=%s line %d: %s", formatMs(e.TMs), e.Line, squeeze(e.Detail))}
			s.expects = append(s.expects, placedText{chartText: t, row: row, dotX: dx})
		}
	}
	s.dots = append(s.dots, refDots...)

	// Each cluster's label starts at its dot (ends at it near the right
	// edge), in the first row where it fits: with every verb in the first
	// two rows, else with reference verbs only, else lines only in as many
	// rows as it takes. The step list under the chart names every line.
	for _, cl := range clusters {
		for detail := 0; detail <= 2; detail++ {
			parts := cl.label(detail)
			w := partsW(parts)
			x0, x1, tx, anchor := cl.x-2, cl.x-2+w, cl.x-2, "start"
			if x1 > plotX1 {
				x0, x1, tx, anchor = cl.x+2-w, cl.x+2, cl.x+2, "end"
			}
			limit := 2
			if detail == 2 {
				limit = 0
			}
			row, ok := s.labels.place(x0, x1, limit)
			if !ok {
				continue
			}
			var title []string
			for _, e := range cl.steps {
				title = append(title, fmt.Sprintf("line %d: %s", e.Line, squeeze(e.Detail)))
			}
			t := chartText{X: tx, Parts: parts, Anchor: anchor, Class: "step-label",
				Title: fmt.Sprintf("t=%s %s", formatMs(cl.steps[0].TMs), strings.Join(title, "; "))}
			s.steps = append(s.steps, placedText{chartText: t, row: row, dotX: cl.x})
			break
		}
	}
	return s
}

func (s *scriptLane) height() float64 {
	h := 3 + float64(s.labels.n())*labelRowH + dotRowH + 3
	if len(s.expects) > 0 {
		h += float64(s.exps.n()) * expRowH
	}
	return h
}

// draw puts the script lane, whose top is y, into c; reference steps get a
// guide down to lanesBottom.
func (s *scriptLane) draw(c *laneChart, y, lanesBottom float64) {
	n := s.labels.n()
	dotY := y + 3 + float64(n)*labelRowH + dotRowH/2
	// Row 0 sits just above the dots, further rows above it.
	rowBase := func(row int) float64 { return y + 3 + float64(n-row)*labelRowH - 3 }
	for _, p := range s.steps {
		t := p.chartText
		t.Y = rowBase(p.row)
		if p.row > 0 {
			c.Stems = append(c.Stems, chartLine{X: p.dotX, Y1: t.Y + 2, Y2: dotY - 3, Class: "step-stem"})
		}
		c.Texts = append(c.Texts, t)
	}
	for i, x := range s.refs {
		c.Lines = append(c.Lines, chartLine{X: x, Y1: dotY, Y2: lanesBottom, Class: "guide", Title: s.titles[i]})
	}
	for _, d := range s.dots {
		d.Y = dotY
		c.Dots = append(c.Dots, d)
		if strings.Contains(d.Class, "step-ref") {
			c.Keys[keyRefStep] = true
		} else {
			c.Keys[keyStep] = true
		}
	}
	expTop := y + 3 + float64(n)*labelRowH + dotRowH
	for _, p := range s.expects {
		t := p.chartText
		t.Y = expTop + float64(p.row)*expRowH + 12
		c.Texts = append(c.Texts, t)
		switch {
		case strings.Contains(t.Class, "expect-held"):
			c.Keys[keyHeld] = true
		case strings.Contains(t.Class, "expect-known-unseen"):
			c.Keys[keyKnownUnseen] = true
		case strings.Contains(t.Class, "expect-known"):
			c.Keys[keyKnownSeen] = true
		default:
			c.Keys[keyFailed] = true
		}
	}
	c.Steps = s.items
}
