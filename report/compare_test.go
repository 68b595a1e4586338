package report

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// synth is a run of scenario s with advancer a: its verdict, recovery (ms,
// nil: never) and timing.
func synth(s, a, verdict string, recovery *float64, electionMs float64, profile, etcd string) Run {
	return Run{Scenario: s, Advancer: a, Verdict: verdict, RecoveryMs: recovery, ElectionMs: electionMs,
		Profile: profile, Etcd: etcd, Valid: verdict != VerdictInvalid, Passed: verdict == VerdictPass}
}

func msp(v float64) *float64 { return &v }

func TestCompareNormalizesByElectionTimeout(t *testing.T) {
	fast := &Report{Runs: []Run{
		synth("stall", "legacy", VerdictKnownBug, msp(1530), 100, "fast", "3.7.3"),
		synth("stall", "legacy", VerdictKnownBug, msp(1550), 100, "fast", "3.7.3"),
		synth("stall", "legacy", VerdictKnownBug, msp(1540), 100, "fast", "3.7.3"),
		synth("stall", "robust", VerdictPass, msp(160), 100, "fast", "3.7.3"),
		synth("isolated", "pr69047", VerdictKnownBug, msp(1520), 100, "fast", "3.7.3"),
		synth("isolated", "pr69047", VerdictKnownBug, msp(1510), 100, "fast", "3.7.3"),
		synth("isolated", "pr69047", VerdictNotReproduced, msp(540), 100, "fast", "3.7.3"),
		synth("blackhole", "legacy", VerdictKnownBug, msp(1500), 100, "fast", "3.7.3"),
		synth("crash", "robust", VerdictPass, msp(200), 100, "fast", "3.7.3"),
		synth("disk", "robust", VerdictSkipped, nil, 100, "fast", "3.7.3"),
		synth("only-fast", "robust", VerdictPass, msp(100), 100, "fast", "3.7.3"),
	}}
	prod := &Report{Runs: []Run{
		synth("stall", "legacy", VerdictKnownBug, msp(15300), 1000, "production", "3.7.3"),
		synth("stall", "robust", VerdictPass, msp(1900), 1000, "production", "3.7.3"),
		synth("isolated", "pr69047", VerdictNotReproduced, msp(5000), 1000, "production", "3.7.3"),
		synth("blackhole", "legacy", VerdictPass, msp(100), 1000, "production", "3.7.3"),
		synth("crash", "robust", VerdictPass, nil, 1000, "production", "3.7.3"),
		synth("disk", "robust", VerdictPass, msp(1000), 1000, "production", "3.7.3"),
	}}
	for i := range prod.Runs {
		prod.Runs[i].Stretch = 10
	}
	cs := Compare(fast, prod, CompareOptions{ToleranceET: 1, ToleranceRel: 0.25})
	byRow := map[string]Comparison{}
	for _, c := range cs {
		byRow[c.Scenario+"/"+c.Advancer] = c
	}
	require.Len(t, byRow, 7)
	assert.Equal(t, Agree, byRow["stall/legacy"].Agreement, "15.4 ET vs 15.3 ET")
	assert.InDelta(t, 15.4, *byRow["stall/legacy"].A.RecoveryET, 1e-9, "p50 of 15.3, 15.4, 15.5")
	assert.Equal(t, Agree, byRow["stall/robust"].Agreement, "1.6 ET vs 1.9 ET: within 1 ET")
	c := byRow["isolated/pr69047"]
	assert.Equal(t, Differ, c.Agreement, "verdicts within spread, but recovery 15.1 vs 5.0 ET")
	assert.Contains(t, c.Why, "recovery 15.10 ET vs 5.00 ET")
	assert.Equal(t, Differ, byRow["blackhole/legacy"].Agreement)
	assert.Equal(t, "verdict known-bug vs pass", byRow["blackhole/legacy"].Why)
	assert.Equal(t, Differ, byRow["crash/robust"].Agreement, "recovered vs never")
	assert.Equal(t, Skipped, byRow["disk/robust"].Agreement)
	assert.Equal(t, Differ, byRow["only-fast/robust"].Agreement)
	assert.Equal(t, "only in the first report", byRow["only-fast/robust"].Why)
	assert.Len(t, Differences(cs), 4)

	labels := CompareLabels(fast, prod, [2]string{"a.json", "b.json"})
	assert.Equal(t, [2]string{"fast", "production (×10)"}, labels)
	var out bytes.Buffer
	WriteComparison(&out, labels, cs)
	assert.Contains(t, out.String(), "recovery (/ET) fast")
	assert.Contains(t, out.String(), "3 known-bug")
	assert.Contains(t, out.String(), "15.40 / p99 15.50")
	assert.Contains(t, out.String(), "2 known-bug, 1 not-reproduced")
	assert.Contains(t, out.String(), "7 rows: 2 agree, 1 skipped, 4 DIFFER")
}

func TestCompareWithinSpreadAndSameTiming(t *testing.T) {
	a := &Report{Runs: []Run{
		synth("isolated", "pr69047", VerdictKnownBug, msp(1520), 100, "fast", "3.5.35"),
		synth("isolated", "pr69047", VerdictKnownBug, msp(1510), 100, "fast", "3.5.35"),
		synth("isolated", "pr69047", VerdictNotReproduced, msp(540), 100, "fast", "3.5.35"),
	}}
	b := &Report{Runs: []Run{
		synth("isolated", "pr69047", VerdictNotReproduced, msp(1400), 100, "fast", "3.7.3"),
	}}
	cs := Compare(a, b, CompareOptions{ToleranceET: 2, ToleranceRel: 0.25})
	require.Len(t, cs, 1)
	assert.Equal(t, AgreeWithinSpread, cs[0].Agreement, "not-reproduced is among the first side's verdicts; 15.1 vs 14 ET")
	assert.False(t, normalized(cs), "same election timeout: shown in ms")
	labels := CompareLabels(a, b, [2]string{"a.json", "b.json"})
	assert.Equal(t, [2]string{"etcd 3.5.35", "etcd 3.7.3"}, labels, "the etcd version labels the columns when it differs")
	var out bytes.Buffer
	WriteComparison(&out, labels, cs)
	assert.Contains(t, out.String(), "1.51s / p99 1.52s")
	assert.Contains(t, out.String(), "verdict etcd 3.5.35")

	same := CompareLabels(a, a, [2]string{"x.json", "x.json"})
	assert.Equal(t, [2]string{"A", "B"}, same)
	assert.Equal(t, [2]string{"x.json", "y.json"}, CompareLabels(a, a, [2]string{"x.json", "y.json"}))
}
