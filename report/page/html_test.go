package page

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
)

func renderHTML(t *testing.T, rep *report.Report) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, rep))
	return buf.String()
}

func TestHTMLIsSelfContained(t *testing.T) {
	for name, rep := range map[string]*report.Report{"run": loadSample(t), "sweep": sampleSweep(t)} {
		t.Run(name, func(t *testing.T) {
			page := renderHTML(t, rep)
			for _, external := range []string{`src="`, "<link", "url(http", "@import", "<iframe"} {
				assert.NotContains(t, page, external, "the page must open offline")
			}
			assert.NotContains(t, page, "ZgotmplZ", "html/template rejected a value")
			assert.Contains(t, page, "window.onerror")
			assert.Contains(t, page, `data-rendered`)
		})
	}
}

func TestHTMLRunLanes(t *testing.T) {
	page := renderHTML(t, loadSample(t))
	assert.Equal(t, 3, strings.Count(page, `<svg class="lanes"`), "one lane chart per run")
	for _, lane := range []string{"script", "faults", "m0", "m1", "m2", "advancer", "writer"} {
		assert.Equal(t, 3, strings.Count(page, `text-anchor="end">`+lane+`<title>`), "lane %s in each chart", lane)
	}
	assert.Equal(t, 3, strings.Count(page, `seg-label fault-bar-label`), "the disk-stall span is labelled in each chart")
	assert.Contains(t, page, "disk-stall → m0")
	assert.Contains(t, page, "leads · term", "a member that believes it leads is labelled")
	assert.Contains(t, page, `class="tick-advance"`)
	assert.Contains(t, page, `class="tick-write"`)
	assert.Contains(t, page, `class="value-seen"`)
	assert.Contains(t, page, "known stall for 1s bug=&#34;pingcap/tidb#69048&#34; [legacy,pr69047]")
}

func TestHTMLSweepPlotAndTable(t *testing.T) {
	page := renderHTML(t, sampleSweep(t))
	assert.Contains(t, page, `id="sweep"`)
	assert.Equal(t, 2, strings.Count(page, `<figure class="plot">`), "recovery and resumed")
	assert.Contains(t, page, "backoff-max (production units)")
	assert.Equal(t, 2*9, strings.Count(page, `<circle class="run-dot"`), "a dot per run in each plot")
	assert.Contains(t, page, `class="never-band"`)
	assert.Contains(t, page, "advancer legacy, backoff-max ∈ {1s, 3s, 12s}, 3 repeat(s) per setting")
}

func TestHTMLEscapesRecordedText(t *testing.T) {
	rep := loadSample(t)
	rep.Runs[0].Description = `<script>alert("x")</script>`
	rep.Runs[0].Timeline[0].Detail = `</script><img src=x onerror=alert(1)>`
	page := renderHTML(t, rep)
	assert.NotContains(t, page, `<script>alert("x")</script>`)
	assert.NotContains(t, page, `<img src=x`)
	assert.Contains(t, page, "&lt;script&gt;")
}

func TestLaneChartGeometry(t *testing.T) {
	r := loadSample(t).Runs[0]
	end := endOf(r.Timeline)
	c := buildLaneChart(r, 2*end)
	assert.InDelta(t, plotX0+plotW/2, c.PlotX0+(c.PlotX1-c.PlotX0)*end/c.ScaleEndMs, 0.01, "a shared scale twice as long puts the run's end mid-plot")
	for _, rect := range c.Rects {
		assert.GreaterOrEqual(t, rect.X, plotX0-0.01, rect.Title)
		assert.LessOrEqual(t, rect.X+rect.W, c.PlotX1+1.01, rect.Title)
	}
	for _, tick := range c.Axis {
		assert.LessOrEqual(t, tick.X, c.PlotX1+0.01)
	}
	assert.Greater(t, c.H, c.AxisY)
}

func TestNiceTicks(t *testing.T) {
	assert.Equal(t, []float64{0, 200, 400, 600, 800, 1000, 1200, 1400}, niceTicks(1460, 8))
	assert.Equal(t, []float64{0}, niceTicks(0, 8))
	assert.Equal(t, 2500.0, niceCeil(2100))
}

// The lane chart's readability: every fault visible and labelled, every
// step labelled, a value axis, stalls drawn from when the threshold passed for
// them, and a legend entry for every mark drawn.

func stepEv(t float64, line int, verb, text string, reference bool) report.Event {
	return report.Event{TMs: t, Kind: "step", Detail: text, Line: line, Verb: verb, Reference: reference}
}

func expectEv(t float64, line int, text string, held bool) report.Event {
	return report.Event{TMs: t, Kind: "expect", Detail: text, Line: line, Verb: "expect", Held: held}
}

func faultEv(t float64, kind string, n int, name, member string) report.Event {
	return report.Event{TMs: t, Kind: kind, Member: member, Fault: n, Name: name,
		Detail: fmt.Sprintf("#%d %s target=%s→%s", n, name, member, member)}
}

func stalledEv(t, since float64) report.Event {
	return report.Event{TMs: t, Kind: "stalled", Member: "watchdog", Detail: "advancer at rev 6, quorum at rev 17", SinceMs: &since}
}

// busyRun has overlapping faults (an isolation over a disk stall, both on
// m0, and a client delay that never fires), a member crash, a failed
// expectation, advancer notes and errors, and a stall.
func busyRun() report.Run {
	tl := []report.Event{
		leaderEv(10, "m0", "m0", 2), leaderEv(11, "m1", "m0", 2), leaderEv(12, "m2", "m0", 2),
		{TMs: 15, Kind: "leader-move", Member: "m0", Detail: "from m1 in 3ms"},
		stepEv(20, 6, "writer", "writer every=20ms", false),
		stepEv(20.01, 7, "advancer", "advancer watch-on=leader", false),
		{TMs: 21, Kind: "advancer-info", Member: "advancer", Detail: "legacy starts"},
		stepEv(100, 9, "fault", "fault peer-isolate target=leader", true),
		faultEv(100.1, "fault-armed", 1, "peer-isolate", "m0"),
		faultEv(100.5, "fault-fired", 1, "peer-isolate", "m0"),
		stepEv(100.6, 10, "wait", "wait 100ms", false),
		stepEv(200, 11, "fault", "fault disk-stall target=m0", true),
		faultEv(200.1, "fault-armed", 2, "disk-stall", "m0"),
		faultEv(215, "fault-fired", 2, "disk-stall", "m0"),
		stepEv(200.3, 12, "fault", "fault client-delay target=m1 delay=30ms", true),
		faultEv(200.4, "fault-armed", 3, "client-delay", "m1"),
		stepEv(200.5, 13, "expect", "expect leader-change within 1s", false),
		{TMs: 250, Kind: "checkpoint-write-err", Member: "writer", Detail: "value 12 not confirmed", Value: 12},
		{TMs: 260, Kind: "advancer-error", Member: "advancer", Detail: "watch restarted"},
		ev(300, "leader-lost", "m1", ""),
		{TMs: 320, Kind: "member-crash", Member: "m2", Detail: "hard stop"},
		leaderEv(330, "m1", "m1", 3),
		stalledEv(440, 240),
		faultEv(600, "fault-healed", 3, "client-delay", "m1"),
		expectEv(700, 13, "expect leader-change within 1s: measured never", false),
		faultEv(900, "fault-healed", 1, "peer-isolate", "m0"),
		stepEv(1000, 15, "heal", "heal all", true),
		faultEv(1000.2, "fault-healed", 2, "disk-stall", "m0"),
		{TMs: 1030, Kind: "caught-up", Member: "watchdog", Detail: "advancer at rev 60"},
		stepEv(1030.5, 16, "expect", "expect advance within 2s", false),
		expectEv(1031, 16, "expect advance within 2s: measured 31ms", true),
	}
	tl[len(tl)-6].Fired = true // #1 healed, fired
	tl[len(tl)-4].Fired = true // #2 healed, fired
	tl = append(tl, writesAndAdvances(20, 1100, 1, 240, 1030)...)
	sort.SliceStable(tl, func(i, j int) bool { return tl[i].TMs < tl[j].TMs })
	return report.Run{Scenario: "busy", Advancer: "legacy", Verdict: "FAIL", Valid: true, ElectionMs: 100, Timeline: tl}
}

// textExtent is the horizontal extent of a chart text, by the width
// estimate the layout uses.
func textExtent(t chartText) (float64, float64) {
	w := 0.0
	for _, p := range t.Parts {
		w += textW(p.Text, p.Class != "" || strings.Contains(t.Class, "expect-label"))
	}
	if t.Anchor == "end" {
		return t.X - w, t.X
	}
	return t.X, t.X + w
}

func assertNoOverlap(t *testing.T, what string, spans map[float64][][2]float64) {
	t.Helper()
	for y, row := range spans {
		for i := range row {
			for j := i + 1; j < len(row); j++ {
				a, b := row[i], row[j]
				assert.False(t, a[0] < b[1] && b[0] < a[1], "%s at y=%.1f overlap: %v and %v", what, y, a, b)
			}
		}
	}
}

func faultBars(c laneChart) []chartRect {
	var out []chartRect
	for _, r := range c.Rects {
		if strings.HasPrefix(r.Class, "fault-bar") {
			out = append(out, r)
		}
	}
	return out
}

func TestOverlappingFaultsGetTheirOwnRows(t *testing.T) {
	r := busyRun()
	c := buildLaneChart(r, endOf(r.Timeline))
	bars := faultBars(c)
	require.Len(t, bars, 3, "peer-isolate, disk-stall, client-delay")
	assert.Contains(t, bars[0].Label, "peer-isolate → m0")
	assert.Contains(t, bars[1].Label, "disk-stall → m0")
	assert.Contains(t, bars[2].Label, "client-delay → m1 · never fired")
	assert.Contains(t, bars[2].Class, "fault-unfired")
	ys := map[float64]bool{}
	extents := map[float64][][2]float64{}
	for _, b := range bars {
		ys[b.Y] = true
		lo, hi := b.X, b.X+b.W
		tx0, tx1 := textExtent(chartText{X: b.TextX, Anchor: b.Anchor, Parts: []textPart{{Text: b.Label, Class: "bold"}}})
		extents[b.Y] = append(extents[b.Y], [2]float64{min(lo, tx0), max(hi, tx1)})
		assert.Contains(t, b.Title, "armed")
	}
	assert.Len(t, ys, 3, "three overlapping faults, three rows")
	assertNoOverlap(t, "fault bars and their labels", extents)
	faults := c.Lanes[1]
	require.Equal(t, "faults", faults.Name)
	for _, b := range bars {
		assert.GreaterOrEqual(t, b.Y, faults.Y)
		assert.LessOrEqual(t, b.Y+b.H, faults.Y+faults.H, "every row inside the faults lane")
	}

	// ⚡ where each took effect, on its own bar.
	var fired []chartDot
	for _, d := range c.Dots {
		if d.Class == "fired" {
			fired = append(fired, d)
		}
	}
	require.Len(t, fired, 2)
	assert.InDelta(t, bars[0].Y+bars[0].H/2, fired[0].Y, 0.01)
	assert.InDelta(t, bars[1].Y+bars[1].H/2, fired[1].Y, 0.01)
	assert.Contains(t, fired[1].Title, "fault #2 disk-stall took effect on m0")

	// Faults that do not overlap share a row.
	seq := []report.Event{leaderEv(1, "m0", "m0", 2),
		faultEv(100, "fault-armed", 1, "disk-stall", "m0"), faultEv(400, "fault-healed", 1, "disk-stall", "m0"),
		faultEv(500, "fault-armed", 2, "disk-stall", "m0"), faultEv(900, "fault-healed", 2, "disk-stall", "m0"),
		ev(1000, "note", "", "")}
	c = buildLaneChart(report.Run{Timeline: seq}, 1000)
	bars = faultBars(c)
	require.Len(t, bars, 2)
	assert.Equal(t, bars[0].Y, bars[1].Y)
}

func TestHTMLOverlappingFaultsAllLabelled(t *testing.T) {
	page := renderHTML(t, &report.Report{Runs: []report.Run{busyRun()}})
	for _, label := range []string{">peer-isolate → m0<", ">disk-stall → m0<", ">client-delay → m1 · never fired<"} {
		assert.Contains(t, page, label)
	}
	assert.Equal(t, 3, strings.Count(page, `class="seg-label fault-bar-label"`))
}

// chartClasses are the CSS classes of the marks drawn in the page's lane
// charts, minus the frame (lanes, axes, labels, the cursor).
func chartClasses(t *testing.T, page string) map[string]bool {
	t.Helper()
	frame := map[string]bool{"lanes": true, "lane": true, "lane-label": true, "seg-label": true, "axis": true, "axis-label": true,
		"value-tick": true, "grid": true, "cursor": true, "cursor-label": true, "glyph": true, "step-stem": true,
		"step-label": true, "step-label-ref": true, "expect-label": true}
	out := map[string]bool{}
	svgs := regexp.MustCompile(`(?s)<svg class="lanes".*?</svg>`).FindAllString(page, -1)
	require.NotEmpty(t, svgs)
	for _, svg := range svgs {
		for _, m := range regexp.MustCompile(`class="([^"]*)"`).FindAllStringSubmatch(svg, -1) {
			for _, c := range strings.Fields(m[1]) {
				if !frame[c] && !strings.HasPrefix(c, "lane-") && !strings.HasSuffix(c, "-label") {
					out[c] = true
				}
			}
		}
	}
	return out
}

func TestLegendExplainsEveryMark(t *testing.T) {
	// What each drawn class means, by legend entry.
	explainedBy := map[string]string{
		"step": "step", "step-ref": "ref-step", "guide": "ref-step", "expect-held": "held", "expect-failed": "failed",
		"expect-known": "known-seen", "expect-known-unseen": "known-unseen",
		"fault-bar": "fault", "fault-unfired": "fault-unfired", "fired": "fired", "fault-hatch": "hatch",
		"seg-leader": "", "seg-self": "self", "seg-none": "none", "seg-down": "down", "move": "move",
		"tick-advance": "advance", "info": "info", "stall-lag": "stall-lag", "stall": "stall",
		"tick-write": "write", "tick-error": "error", "value-written": "written", "value-seen": "seen",
	}
	for name, rep := range map[string]*report.Report{"sample": loadSample(t), "busy": {Runs: []report.Run{busyRun()}}} {
		t.Run(name, func(t *testing.T) {
			page := renderHTML(t, rep)
			legend := regexp.MustCompile(`(?s)<section class="legend card".*?</section>`).FindString(page)
			require.NotEmpty(t, legend, "a legend")
			for class := range chartClasses(t, page) {
				key, ok := explainedBy[class]
				if !assert.True(t, ok, "the chart draws class %q, which no legend entry explains", class) || key == "" {
					continue
				}
				assert.True(t, strings.Contains(legend, `data-key="`+key+`"`), "no legend entry %q for the chart's %q marks", key, class)
			}
			for _, leader := range []string{"m0", "m1"} {
				assert.Contains(t, legend, `data-key="leader-`+leader+`"`, "a color per leader")
			}
		})
	}
	page := renderHTML(t, &report.Report{Runs: []report.Run{busyRun()}})
	for _, want := range []string{"step, with its script line and verb", "reference step", "requirement met", "requirement missed",
		"fault took effect", "advancer note", "until the stall threshold", "from the threshold to caught up"} {
		assert.Contains(t, page, want)
	}
	sample := renderHTML(t, loadSample(t))
	assert.Contains(t, sample, `data-key="known-seen"`, "legacy's known stall showed")
	assert.NotContains(t, sample, `data-key="known-unseen"`, "only marks some chart draws are listed")
}

func TestEveryStepLabelledWithoutOverlap(t *testing.T) {
	crowded := busyRun()
	// A burst of steps a few milliseconds apart, as a repeat loop makes.
	for i := 0; i < 12; i++ {
		crowded.Timeline = append(crowded.Timeline, stepEv(1040+float64(i)*4, 30+i, "move-leader", "move-leader", i%3 == 0))
	}
	crowded.Timeline = append(crowded.Timeline, ev(1100, "note", "", ""))
	for name, r := range map[string]report.Run{"sample": loadSample(t).Runs[0], "busy": busyRun(), "crowded": crowded} {
		t.Run(name, func(t *testing.T) {
			c := buildLaneChart(r, endOf(r.Timeline))
			labelled := map[int]bool{}
			rows := map[float64][][2]float64{}
			script := c.Lanes[0]
			for _, tx := range c.Texts {
				if tx.Class != "step-label" {
					continue
				}
				var s strings.Builder
				for _, p := range tx.Parts {
					s.WriteString(p.Text)
				}
				for _, item := range strings.Split(s.String(), ",") {
					n, err := strconv.Atoi(strings.Fields(item)[0])
					require.NoError(t, err, "label %q starts each step with its line", s.String())
					labelled[n] = true
				}
				x0, x1 := textExtent(tx)
				rows[tx.Y] = append(rows[tx.Y], [2]float64{x0, x1})
				assert.Greater(t, tx.Y, script.Y, "inside the script lane")
				assert.Less(t, tx.Y, script.Y+script.H)
				assert.LessOrEqual(t, x1, c.W-4, "%q inside the chart", s.String())
				assert.GreaterOrEqual(t, x0, c.PlotX0-4, "%q clear of the lane names", s.String())
			}
			assertNoOverlap(t, "step labels", rows)
			var lines []int
			for _, e := range r.Timeline {
				if e.Kind == "step" {
					assert.True(t, labelled[e.Line], "step on line %d has no label", e.Line)
					lines = append(lines, e.Line)
				}
			}
			var listed []int
			for _, s := range c.Steps {
				listed = append(listed, s.Line)
			}
			assert.Equal(t, lines, listed, "the step list under the chart names every step")
		})
	}

	page := renderHTML(t, loadSample(t))
	assert.Contains(t, page, `<tspan class="step-label-ref">16 fault</tspan>`, "reference steps stand out")
	assert.Contains(t, page, "13 writer, 14 advancer", "steps at one instant share a label")
	assert.Equal(t, 3, strings.Count(page, `<ol class="steps"`))
	assert.Contains(t, page, `<li class="ref"><span class="step-line">22</span><span class="step-t">1.69s</span><code>heal</code></li>`)
	assert.Contains(t, page, `>✓17<`, "expectation marks carry their line")
	assert.Contains(t, page, `>✗19<`, "a missed requirement")
	assert.Contains(t, page, `<text class="expect-label expect-known" x=`, "a known line's mark is not a requirement's")
	assert.Contains(t, page, `>≈20<`)
}

func TestValueChartHasAxis(t *testing.T) {
	r := loadSample(t).Runs[0]
	c := buildLaneChart(r, endOf(r.Timeline))
	require.NotEmpty(t, c.ValueTicks)
	var labels []string
	for i, tk := range c.ValueTicks {
		labels = append(labels, tk.Label)
		assert.GreaterOrEqual(t, tk.Y, c.ValueY)
		assert.LessOrEqual(t, tk.Y, c.ValueY+c.ValueH)
		if i > 0 {
			assert.Less(t, tk.Y, c.ValueTicks[i-1].Y, "higher values higher up")
		}
	}
	assert.Equal(t, []string{"0", "20", "40", "60"}, labels, "max value %d", c.ValueMax)
	assert.InDelta(t, c.ValueY+c.ValueH-2, c.ValueTicks[0].Y, 0.01, "0 at the bottom")

	page := renderHTML(t, loadSample(t))
	assert.Equal(t, 3, strings.Count(page, `text-anchor="end">0</text>`), "a 0 tick per chart")
	assert.Equal(t, 3, strings.Count(page, `>checkpoint<tspan x="6" dy="15">value</tspan>`))

	// Small values: whole-number ticks only.
	small := []report.Event{valueEv(10, "checkpoint-write", 1), valueEv(11, "advance", 1), valueEv(30, "checkpoint-write", 2)}
	c = buildLaneChart(report.Run{Timeline: small}, 30)
	labels = nil
	for _, tk := range c.ValueTicks {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"0", "1", "2"}, labels)
}

func TestStallDrawnFromTheThreshold(t *testing.T) {
	r := busyRun()
	c := buildLaneChart(r, endOf(r.Timeline))
	x := func(t float64) float64 { return plotX0 + plotW*t/c.ScaleEndMs }
	var stall, lag []chartRect
	for _, rect := range c.Rects {
		switch rect.Class {
		case "stall":
			stall = append(stall, rect)
		case "stall-lag":
			lag = append(lag, rect)
		}
	}
	require.Len(t, stall, 1)
	require.Len(t, lag, 1)
	assert.InDelta(t, x(440), stall[0].X, 0.01, "from when the upload had been unseen for the threshold")
	assert.InDelta(t, x(1041), stall[0].X+stall[0].W, 0.01, "to the advance that caught up")
	assert.InDelta(t, x(240), lag[0].X, 0.01, "the lag from the unseen upload")
	assert.InDelta(t, x(440), lag[0].X+lag[0].W, 0.01)
	assert.Equal(t, "stalled 801ms", stall[0].Label, "the whole stall, upload to caught-up")
	want := "stall: upload of t=240ms unseen since then; stalled from t=440ms, 200ms later (threshold 2 election timeouts = 200ms); caught up at t=1.04s, 801ms after the upload (then: advancer at rev 12, quorum at rev 23)"
	assert.Equal(t, want, stall[0].Title)
	assert.Equal(t, want, lag[0].Title, "both parts explain the whole")

	// Still stalled at the end.
	open := []report.Event{valueEv(10, "checkpoint-write", 1), stalledEv(300, 10), ev(500, "note", "", "")}
	c = buildLaneChart(report.Run{Timeline: open, ElectionMs: 100}, 500)
	for _, rect := range c.Rects {
		if rect.Class == "stall" {
			assert.Equal(t, "stalled 490ms, never caught up", rect.Label)
			assert.Contains(t, rect.Title, "never caught up (still behind at the end, t=500ms, 490ms after the upload)")
		}
	}

	page := renderHTML(t, loadSample(t))
	charts := strings.Join(regexp.MustCompile(`(?s)<svg class="lanes".*?</svg>`).FindAllString(page, -1), "")
	assert.Equal(t, 2, strings.Count(charts, `<rect class="stall"`), "legacy and pr69047 stall, robust does not")
	assert.Equal(t, 2, strings.Count(charts, `<rect class="stall-lag"`))
	assert.Contains(t, page, "stall: upload of t=348ms unseen since then; stalled from t=548ms, 200ms later (threshold 2 election timeouts = 200ms)")
	assert.NotContains(t, page, "from +", "no unanchored offsets")
}

// TestHTMLVerdictPills: a reproduced known bug has its own pill (never the
// green pass), a known bug not reproduced a warning one, the header counts
// both, runs say why, known lines are marked in the expectations table
// with their bug, and a legend explains every pill.
func TestHTMLVerdictPills(t *testing.T) {
	rep := loadSample(t)
	page := renderHTML(t, rep)
	header := regexp.MustCompile(`(?s)<div class="totals">.*?</div>`).FindString(page)
	assert.Contains(t, header, `<span class="pill v-pass">1 pass</span>`)
	assert.Contains(t, header, `<span class="pill v-known">2 known bug reproduced (pingcap/tidb#69048)</span>`)
	assert.NotContains(t, header, "v-fail")

	summary := regexp.MustCompile(`(?s)<section class="card" id="summary">.*?</section>`).FindString(page)
	assert.Equal(t, 2, strings.Count(summary, `<td><span class="pill v-known">known bug reproduced (pingcap/tidb#69048)</span></td>`))
	assert.Equal(t, 1, strings.Count(summary, `<td><span class="pill v-pass">pass</span></td>`))
	for _, k := range verdictKeys {
		assert.Contains(t, summary, `<dt><span class="pill `+k.Class+`">`+k.Label+`</span></dt>`, "the legend shows the %s pill", k.Label)
	}
	assert.Contains(t, summary, "met every requirement")

	assert.Contains(t, page, `<span class="pill v-known" title="known bug reproduced: pingcap/tidb#69048: `)
	assert.Contains(t, page, `<span class="run-why">verdict: known bug reproduced: pingcap/tidb#69048: `)
	assert.Equal(t, 2, strings.Count(page, `<tr class="known-line">`), "legacy's and pr69047's known line")
	assert.Contains(t, page, `known deviation: <a href="https://github.com/pingcap/tidb/issues/69048">pingcap/tidb#69048</a>`)
	assert.Equal(t, 2, strings.Count(page, `<span class="pill v-known">≈ showed as known</span>`))
	assert.Equal(t, 4, strings.Count(page, `<span class="pill v-fail">✗ missed</span>`), "two requirements each")

	// Not reproduced: a warning, whose details open even on a long page.
	nr := withVerdict(rep.Runs[0], report.VerdictNotReproduced, false, bug)
	nr.Why = "known bug not reproduced: pingcap/tidb#69048: met every requirement; known: known stall for 1s"
	some := withVerdict(rep.Runs[1], report.VerdictNotReproduced, true, bug)
	var runs []report.Run
	for i := 0; i < 6; i++ {
		r := rep.Runs[2]
		r.Repeat = i + 1
		runs = append(runs, r)
	}
	page = renderHTML(t, &report.Report{Runs: append(runs, nr, some)})
	assert.Contains(t, page, `<span class="pill v-notrepro">2 NOT REPRODUCED (1 expected now and then)</span>`)
	assert.Contains(t, page, `>NOT REPRODUCED (pingcap/tidb#69048)</span>`)
	assert.Contains(t, page, `<span class="pill v-notrepro v-sometimes" title=`)
	assert.Contains(t, page, `NOT REPRODUCED (pingcap/tidb#69048) — expected now and then</span>`)
	assert.Contains(t, page, `<details class="card run" id="run-7" open>`, "not reproduced: look")
	assert.NotContains(t, page, `id="run-1" open`, "passed runs of a long page stay closed")

	assert.Equal(t, "", bugURL("a linearizable read without deadline"), "only owner/repo#N links")
}
