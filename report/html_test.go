package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func renderHTML(t *testing.T, rep *Report) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteHTML(&buf, rep))
	return buf.String()
}

func TestHTMLIsSelfContained(t *testing.T) {
	for name, rep := range map[string]*Report{"run": loadSample(t), "sweep": sampleSweep(t)} {
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
	for _, lane := range []string{"script", "faults", "m0", "m1", "m2", "advancer", "writer", "checkpoint"} {
		assert.Equal(t, 3, strings.Count(page, `text-anchor="end">`+lane+`<title>`), "lane %s in each chart", lane)
	}
	assert.Equal(t, 3, strings.Count(page, `seg-label fault-bar-label`), "the disk-stall span is labelled in each chart")
	assert.Contains(t, page, "disk-stall → m0")
	assert.Equal(t, 2, strings.Count(page, `<rect class="stall"`), "legacy and pr69047 stall, robust does not")
	assert.Contains(t, page, "leads · term", "a member that believes it leads is labelled")
	assert.Contains(t, page, `class="tick-advance"`)
	assert.Contains(t, page, `class="tick-write"`)
	assert.Contains(t, page, `class="value-seen"`)
	assert.Contains(t, page, "expect stall for 1s [legacy,pr69047]")
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
