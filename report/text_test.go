package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/scenarios/catalog"
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

// A watch the client opens and closes itself folds with the writes and
// advances; a stream that ended with an error stays on a line of its own.
func TestCondensedTimelineFoldsTheClientsOwnWatchStreams(t *testing.T) {
	tl := writesAndAdvances(10, 100, 1, 1e9, 1e9)
	tl = append(tl, ev(101, "watch-stream", "m0", "watch stream 5 opened on connection 1"),
		ev(102, "watch-stream", "m0", "watch stream 5 on connection 1 closed after 9ms: RST_STREAM CANCEL from the client (2 responses, 1 events, rev 2)"),
		ev(103, "watch-stream", "m1", "watch stream 3 opened on connection 1"))
	tl = append(tl, writesAndAdvances(110, 200, 6, 1e9, 1e9)...)
	tl = append(tl, ev(205, "watch-stream", "m1", "watch stream 3 on connection 1 closed after 2ms: grpc-status 14 etcdserver: no leader (0 responses, 0 events, rev 0)"))
	var condensed bytes.Buffer
	WriteTimeline(&condensed, Run{Timeline: tl}, true)
	lines := strings.Split(strings.TrimSpace(condensed.String()), "\n")
	require.Len(t, lines, 5, "the header, one fold and the error, each wrapped: %s", condensed.String())
	assert.Contains(t, lines[1], "2 watch streams opened (on m0, m1)")
	assert.Regexp(t, `^ {42}until t=191\.0$`, lines[2])
	assert.Regexp(t, `^\s+205\.0  m1\s+watch-stream\s+watch stream 3 on connection 1 closed after 2ms: grpc-status 14`, lines[3])
}

// A condensed timeline fits TableWidth: a long event wraps under its body;
// the full timeline keeps it on one line, for grep.
func TestCondensedTimelineWrapsLongEvents(t *testing.T) {
	long := ev(5, "note", "", strings.Repeat("admitted after 1m3.304s (headroom): probe delay p99 3.8ms ", 4))
	r := Run{Timeline: []Event{long}}
	var full, condensed bytes.Buffer
	WriteTimeline(&full, r, false)
	WriteTimeline(&condensed, r, true)
	assert.Equal(t, 2, strings.Count(full.String(), "\n"))
	lines := strings.Split(strings.TrimSpace(condensed.String()), "\n")
	require.Greater(t, len(lines), 2, condensed.String())
	assert.Regexp(t, `^\s+5\.0  -         note                 admitted after`, lines[1])
	for _, l := range lines[2:] {
		assert.LessOrEqual(t, utf8.RuneCountInString(l), tableWidth)
		assert.True(t, strings.HasPrefix(l, strings.Repeat(" ", eventIndent+2)) && l[eventIndent+2] != ' ', "under the body: %q", l)
	}
	assert.Equal(t, unwrapped(full.String()), unwrapped(condensed.String()))
}

func TestSummaryTableShowsMeasuredFigures(t *testing.T) {
	var buf, why bytes.Buffer
	aggs := loadSample(t).Aggregates
	WriteSummaryTable(&buf, aggs)
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4)
	assert.Regexp(t, `^scenario\s+advancer\s+result\s+recovery\s+resumed\s+stall\s+after heal$`, lines[0])
	// A reproduced known bug is never a bare pass: the verdict names it.
	assert.Regexp(t, `^leader-disk-stall\s+legacy\s+known bug reproduced \(pingcap/tidb#69048\)\s+\S+\s+\S+\s+\S+\s+\S+$`, lines[1])
	assert.Regexp(t, `^leader-disk-stall\s+pr69047\s+known bug reproduced \(pingcap/tidb#69048\)\s+`, lines[2])
	assert.Regexp(t, `^leader-disk-stall\s+robust\s+pass\s+\S+\s+\S+\s+none\s+\S+$`, lines[3])
	assert.Contains(t, TableLegend, "pass = met every requirement")

	// Under it, the rows that did not pass, with their figures, the known
	// line marked apart from the requirements.
	WriteWhy(&why, aggs)
	assert.Regexp(t, `(?m)^leader-disk-stall / legacy: known bug reproduced \(pingcap/tidb#69048\)\n`+
		`    expectations: leader-change \S+ ✓, advance \S+ ✗, no-stall \S+ ✗, known stall \S+ ≈, advance \S+ ✓,\n`+
		`      caught up \S+ ✓\n`+
		`    bug: pingcap/tidb#69048\n`, why.String())
	assert.NotContains(t, why.String(), "robust", "a pass needs no why")
}

func TestSummaryTableWithRepeatsShowsPercentiles(t *testing.T) {
	var buf, why bytes.Buffer
	WriteSummaryTable(&buf, sampleSweep(t).Aggregates)
	WriteWhy(&why, sampleSweep(t).Aggregates)
	out := buf.String()
	assert.Contains(t, out, "recovery p50/p99/max")
	assert.Contains(t, out, "backoff-max=12s")
	assert.Contains(t, out, "920ms / never / never", "the third setting's slowest run never recovered")
	assert.Contains(t, out, "3/3: 1.36s", "every run stalled, the longest for 1.36s")
	assert.Contains(t, out, "3/3 FAIL")
	assert.Contains(t, why.String(), "leader-disk-stall / legacy [backoff-max=1s]: 3/3 FAIL\n    expectations: 9/15 requirements met", "five requirements a run, two missed")
	assert.Contains(t, why.String(), "    resumed: ")
}

// The summary table and the lines under it fit 120 columns for the
// catalog's longest scenario name with every verdict, the long bug texts
// the catalog's known lines have, and repeats.
func TestSummaryFitsTheTerminal(t *testing.T) {
	longest := ""
	for _, n := range catalog.Names() {
		if len(n) > len(longest) {
			longest = n
		}
	}
	bug := "pingcap/tidb#69048: the watch stays on the stalled member until a loop read times out there (etcd's request timeout, 7s) and BR's retry lands elsewhere, or until the heal and the healed member's catch-up"
	mechanism := "a stale member: it knows a leader (no require-leader trip) and answers progress (no 10s silence); its health probe times out after 10s, so a patrol evicts it only after the heal"
	base := loadSample(t).Runs[0]
	var single, repeated []Run
	advancers := []string{"robust", "legacy", "pr69047", "pd", "my-advancer"}
	for i, v := range []string{VerdictPass, VerdictKnownBug, VerdictNotReproduced, VerdictFail, VerdictInvalid} {
		r := base
		r.Scenario, r.Advancer, r.Verdict, r.Job = longest, advancers[i], v, i
		r.Bugs = []string{bug, "pingcap/tidb#69048: a read or watch queued behind the healed member's backlog", mechanism}
		r.Sometimes = true
		single = append(single, r)
		for rpt := 1; rpt <= 20; rpt++ {
			r := r
			r.Job, r.Repeat = 100+i, rpt
			if v == VerdictKnownBug && rpt%3 == 0 {
				r.Verdict = VerdictNotReproduced // a mixed group
			}
			if v == VerdictKnownBug && rpt == 20 {
				r.Verdict = VerdictFail
			}
			repeated = append(repeated, r)
		}
	}
	for name, runs := range map[string][]Run{"single": single, "repeated": repeated} {
		var buf bytes.Buffer
		aggs := Summarize(runs)
		WriteSummaryTable(&buf, aggs)
		WriteWhy(&buf, aggs)
		for _, line := range strings.Split(buf.String(), "\n") {
			assert.LessOrEqual(t, utf8.RuneCountInString(line), tableWidth, "%s: %q", name, line)
		}
		assert.Contains(t, buf.String(), "    bug: "+bug[:60], "%s: the bug in full under the table", name)
	}
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
	assert.Equal(t, "9/15 requirements met, 3/3 known seen", a.CompactExpectations())
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
