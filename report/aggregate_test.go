package report

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentileIsNearestRank(t *testing.T) {
	sorted := []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
	assert.Equal(t, 50.0, Percentile(sorted, 50))
	assert.Equal(t, 100.0, Percentile(sorted, 99))
	assert.Equal(t, 10.0, Percentile(sorted, 0), "rank is at least 1")
	assert.Equal(t, 20.0, Percentile([]float64{10, 20, 30}, 50))
	assert.Equal(t, 30.0, Percentile([]float64{10, 20, 30}, 99), "with few runs p99 is the maximum")
}

func TestStatsCountNeverAsInfinitelySlow(t *testing.T) {
	s := NewStats([]float64{300, math.Inf(1), 100})
	assert.Equal(t, 3, s.N)
	assert.Equal(t, 1, s.Never)
	require.NotNil(t, s.P50)
	assert.Equal(t, 300.0, *s.P50)
	assert.Nil(t, s.P99, "the slowest run never recovered")
	assert.Nil(t, s.Max)

	empty := NewStats(nil)
	assert.Zero(t, empty.N)
	assert.Nil(t, empty.P50)
}

func TestSummarizeGroupsBySettingInFirstSeenOrder(t *testing.T) {
	rep := sampleSweep(t)
	require.Len(t, rep.Aggregates, 3, "one group per knob value")
	for i, v := range []string{"1s", "3s", "12s"} {
		a := rep.Aggregates[i]
		assert.Equal(t, v, a.Knobs["backoff-max"])
		assert.Equal(t, 3, a.Runs)
		assert.Equal(t, 3, a.Failed, "the legacy sample misses requirements, and a sweep ignores known lines")
		assert.Zero(t, a.Passed)
		assert.Equal(t, 3, a.StalledRuns, "the legacy sample stalls")
		require.NotEmpty(t, a.Expectations)
		assert.Equal(t, 3, a.Expectations[0].Runs)
	}
	first := rep.Aggregates[0].Recovery
	assert.Equal(t, 120.0, *first.P50, "100·1² + 10·2")
	assert.Equal(t, 130.0, *first.Max)
	last := rep.Aggregates[2].Recovery
	assert.Equal(t, 1, last.Never)
	assert.Nil(t, last.Max)
}

func TestSummarizeCountsVerdicts(t *testing.T) {
	runs := []Run{
		{Scenario: "s", Advancer: "a", Passed: true, Valid: true},
		{Scenario: "s", Advancer: "a", Passed: false, Valid: true},
		{Scenario: "s", Advancer: "a", Passed: false, Valid: false},
		{Scenario: "s", Advancer: "a", Skipped: "no FUSE"},
		{Scenario: "s", Advancer: "b", Passed: true, Valid: true},
	}
	aggs := Summarize(runs)
	require.Len(t, aggs, 2)
	a := aggs[0]
	assert.Equal(t, []int{4, 1, 1, 1, 1}, []int{a.Runs, a.Passed, a.Failed, a.Invalid, a.Skipped}, "runs without a verdict: from passed, valid, skipped")
	assert.Equal(t, 3, a.Recovery.N, "skipped runs are not measured")
	assert.Equal(t, "1 pass, 1 FAIL, 1 INVALID, 1 skipped", a.Verdict())
	assert.Equal(t, "pass", aggs[1].Verdict())
}

// TestSummarizeCountsKnownBugsApart: a known bug reproduced and a known
// bug not reproduced are counted by themselves, never as passed or failed,
// and the group's bugs are the union of its runs'.
func TestSummarizeCountsKnownBugsApart(t *testing.T) {
	base := Run{Scenario: "s", Advancer: "legacy"}
	runs := []Run{
		withVerdict(base, VerdictKnownBug, false, "pingcap/tidb#69048"),
		withVerdict(base, VerdictKnownBug, false, "pingcap/tidb#69048"),
		withVerdict(base, VerdictNotReproduced, true, "pingcap/tidb#69048"),
		withVerdict(base, VerdictNotReproduced, false, "x/y#1"),
		withVerdict(base, VerdictFail, false),
		withVerdict(base, VerdictPass, false),
	}
	aggs := Summarize(runs)
	require.Len(t, aggs, 1)
	a := aggs[0]
	assert.Equal(t, 1, a.Passed)
	assert.Equal(t, 1, a.Failed, "FAIL only")
	assert.Equal(t, 2, a.KnownBug)
	assert.Equal(t, 2, a.NotReproduced)
	assert.Equal(t, 1, a.NotReproducedSometimes)
	assert.Equal(t, []string{"pingcap/tidb#69048", "x/y#1"}, a.Bugs)
	assert.False(t, a.AllPassed())

	// Shards merged count the same.
	var shards []*Report
	for i := range runs {
		runs[i].Job, runs[i].Repeat = i, i+1
		shards = append(shards, &Report{Runs: runs[i : i+1]})
	}
	merged, err := Merge([]string{"1", "2", "3", "4", "5", "6"}, shards...)
	require.NoError(t, err)
	assert.Equal(t, Summarize(runs), merged.Aggregates)
	assert.Equal(t, 2, merged.Aggregates[0].KnownBug)
}

func TestSummarizeStalledAfterHeal(t *testing.T) {
	ms := func(v float64) *float64 { return &v }
	runs := []Run{
		{Scenario: "s", Advancer: "a", Valid: true, StalledAfterHealMs: ms(0)},
		{Scenario: "s", Advancer: "a", Valid: true, StalledAfterHealMs: ms(9400)},
		{Scenario: "s", Advancer: "a", Valid: true}, // still stalled at the end
	}
	aggs := Summarize(runs)
	require.Len(t, aggs, 1)
	s := aggs[0].StalledAfterHeal
	assert.Equal(t, 3, s.N)
	assert.Equal(t, 1, s.Never, "a run still stalled at the end never caught up")
	require.NotNil(t, s.P50)
	assert.Equal(t, 9400.0, *s.P50)
	assert.Nil(t, s.Max)
}
