package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCondensedTimelineFoldsRoutineEvents(t *testing.T) {
	tl := []Event{ev(5, "step", "", "line 3: writer every=20ms")}
	tl = append(tl, writesAndAdvances(10, 200, 1, 1e9, 1e9)...)
	tl = append(tl, ev(205, "fault-armed", "m0", "#1 crash target=leader→m0"))
	tl = append(tl, valueEv(210, "checkpoint-write", 11))
	r := Run{Timeline: tl}

	var full, condensed bytes.Buffer
	WriteTimeline(&full, r, false)
	WriteTimeline(&condensed, r, true)
	assert.Equal(t, len(tl)+1, strings.Count(full.String(), "\n"), "header and one line per event")
	lines := strings.Split(strings.TrimSpace(condensed.String()), "\n")
	require.Len(t, lines, 5, condensed.String())
	assert.Contains(t, lines[2], "10 checkpoint writes (value 1→10), 10 advances (value 1→10) until t=191.0")
	assert.Contains(t, lines[3], "fault-armed")
	assert.Contains(t, lines[4], "checkpoint-write     value=11 rev=12", "a lone routine event is printed as is")
}

func TestSummaryTableShowsMeasuredFigures(t *testing.T) {
	var buf bytes.Buffer
	WriteSummaryTable(&buf, loadSample(t).Aggregates)
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4)
	assert.Regexp(t, `^scenario\s+advancer\s+result\s+recovery\s+resumed\s+watchdog stall\s+stalled after heal\s+expectations \(measured\)$`, lines[0])
	// A reproduced known bug is never a bare pass: the verdict names it,
	// and the known line is marked apart from the requirements.
	assert.Regexp(t, `^leader-disk-stall\s+legacy\s+known bug reproduced \(pingcap/tidb#69048\)\s+\S+\s+\S+\s+\S+\s+\S+\s+`+
		`leader-change \S+ ✓, advance \S+ ✗, no-stall \S+ ✗, known stall \S+ ≈, advance \S+ ✓, caught up \S+ ✓$`, lines[1])
	assert.Regexp(t, `^leader-disk-stall\s+pr69047\s+known bug reproduced \(pingcap/tidb#69048\)\s+`, lines[2])
	assert.Regexp(t, `^leader-disk-stall\s+robust\s+pass\s+\S+\s+\S+\s+none\s+\S+\s+`, lines[3])
	assert.NotContains(t, lines[3], "known", "robust has no known line")
	assert.Contains(t, TableLegend, "pass = met every requirement")
}

func TestSummaryTableWithRepeatsShowsPercentiles(t *testing.T) {
	var buf bytes.Buffer
	WriteSummaryTable(&buf, sampleSweep(t).Aggregates)
	out := buf.String()
	assert.Contains(t, out, "recovery p50 / p99 / max")
	assert.Contains(t, out, "backoff-max=12s")
	assert.Contains(t, out, "920ms / never / never", "the third setting's slowest run never recovered")
	assert.Contains(t, out, "3/3 runs, max")
	assert.Contains(t, out, "3/3 FAIL")
	assert.Contains(t, out, "9/15 requirements met", "five requirements a run, two missed")
}

func TestExpectationStatsMarkKnownLines(t *testing.T) {
	rep := loadSample(t)
	var runs []Run
	for i := 0; i < 3; i++ {
		r := rep.Runs[0]
		r.Repeat = i + 1
		runs = append(runs, r)
	}
	a := Summarize(runs)[0]
	assert.Equal(t, "3/3 known bug (pingcap/tidb#69048)", a.Verdict())
	assert.Equal(t, "9/15 requirements met, 3/3 known seen", compactExpectations(a))
	var buf bytes.Buffer
	WriteExpectationStats(&buf, a)
	out := buf.String()
	assert.Contains(t, out, "leader-disk-stall / legacy: 3/3 known bug (pingcap/tidb#69048) over 3 runs")
	assert.Regexp(t, `(?m)^  20\s+known stall for 1s bug="pingcap/tidb#69048" \[legacy,pr69047\]\s+3/3 ≈\s`, out)
	assert.Regexp(t, `(?m)^  18\s+expect advance within 500ms\s+0/3\s`, out)
}

func TestSweepTableHasARowPerSetting(t *testing.T) {
	var buf bytes.Buffer
	WriteSweepTable(&buf, sampleSweep(t))
	blocks := strings.Split(strings.TrimSpace(buf.String()), "\n\n")
	require.Len(t, blocks, 2, "settings, then scenarios by setting")
	settings := strings.Split(blocks[0], "\n")
	require.Len(t, settings, 4)
	assert.Regexp(t, `^backoff-max\s+requirements met\s+runs\s+recovery p50\s+p99\s+resumed p50`, settings[0])
	assert.Regexp(t, `^1s\s+0/1\s+3\s+120ms\s+130ms\s`, settings[1], "the legacy sample misses requirements with every setting")
	lines := strings.Split(blocks[1], "\n")
	require.Len(t, lines, 4)
	assert.Regexp(t, `^scenario\s+backoff-max\s+runs\s+passed\s+recovery p50\s+p99\s+resumed p50`, lines[0])
	assert.Regexp(t, `^leader-disk-stall\s+1s\s+3\s+0/3\s+120ms\s+130ms\s`, lines[1])
	assert.Regexp(t, `^leader-disk-stall\s+12s\s+3\s+0/3\s+920ms\s+never\s`, lines[3])
	assert.Contains(t, SweepNote, "requirements met: scenarios whose runs all passed")
}

func TestFormatMs(t *testing.T) {
	assert.Equal(t, "never", FormatMs(nil))
	assert.Equal(t, "8.9ms", FormatMs(ptr(8.94)))
	assert.Equal(t, "173ms", FormatMs(ptr(173.3)))
	assert.Equal(t, "2.61s", FormatMs(ptr(2612)))
	assert.Equal(t, "12.0s", FormatMs(ptr(12012)))
}
