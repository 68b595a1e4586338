package report

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentileIsNearestRank(t *testing.T) {
	sorted := []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
	assert.Equal(t, 50.0, percentile(sorted, 50))
	assert.Equal(t, 100.0, percentile(sorted, 99))
	assert.Equal(t, 10.0, percentile(sorted, 0), "rank is at least 1")
	assert.Equal(t, 20.0, percentile([]float64{10, 20, 30}, 50))
	assert.Equal(t, 30.0, percentile([]float64{10, 20, 30}, 99), "with few runs p99 is the maximum")
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
		assert.Equal(t, 3, a.Passed)
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
	assert.Equal(t, []int{4, 1, 1, 1, 1}, []int{a.Runs, a.Passed, a.Failed, a.Invalid, a.Skipped})
	assert.Equal(t, 3, a.Recovery.N, "skipped runs are not measured")
	assert.Equal(t, "1/3 pass, 1 INVALID, 1 skipped", a.Verdict())
	assert.Equal(t, "pass", aggs[1].Verdict())
}
