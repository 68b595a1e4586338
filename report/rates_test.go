package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rateRuns are n runs of leader-disk-slow with legacy, whose known line 16
// (rate=30%) showed in the first shown of them: a missed requirement within
// the known bound (known bug) or every requirement met (not reproduced, now
// and then). extra runs are INVALID or skipped and count for nothing.
func rateRuns(shown, n int) []Run {
	var runs []Run
	for i := range n {
		s := i < shown
		req := Expectation{Line: 15, Text: "expect advance within 500ms", Ref: 14, Passed: !s, MeasuredMs: ptr(300)}
		known := Expectation{Line: 16, Text: `known advance within 1.5s bug="pingcap/tidb#58574" rate=30% [legacy]`, Ref: 14,
			Known: true, Bug: "pingcap/tidb#58574", Rate: 30, Passed: true, MeasuredMs: ptr(300), Shown: &s}
		r := Run{Scenario: "leader-disk-slow", Advancer: "legacy", Repeat: i + 1, Expectations: []Expectation{req, known}}
		if s {
			r.Expectations[0].MeasuredMs, r.Expectations[1].MeasuredMs = ptr(900), ptr(900)
			r = withVerdict(r, VerdictKnownBug, false, "pingcap/tidb#58574")
		} else {
			r = withVerdict(r, VerdictNotReproduced, true, "pingcap/tidb#58574")
		}
		runs = append(runs, r)
	}
	shownToo := true
	invalid := withVerdict(Run{Scenario: "leader-disk-slow", Advancer: "legacy", Expectations: []Expectation{
		{Line: 16, Text: "known advance within 1.5s", Known: true, Rate: 30, Passed: true, Shown: &shownToo}}}, VerdictInvalid, false)
	return append(runs, invalid)
}

func TestRateLineContradictedByItsCountFailsTheGroup(t *testing.T) {
	aggs := Summarize(rateRuns(15, 20))
	require.Len(t, aggs, 1)
	a := aggs[0]
	assert.Zero(t, a.Failed, "no run fails by itself")
	assert.Equal(t, 15, a.KnownBug)
	assert.Equal(t, 5, a.NotReproduced)
	rt := a.Expectations[1].RateTest
	require.NotNil(t, rt)
	assert.Equal(t, RateTest{Shown: 15, Runs: 20, Stated: 30, PValue: rt.PValue, Alpha: 5e-5, AcceptMin: 0, AcceptMax: 14, MinRuns: 9,
		Result: "INCONSISTENT", Message: rt.Message}, *rt, "the INVALID run is not counted")
	assert.InEpsilon(t, 4.2940021953591721e-05, rt.PValue, 1e-9)
	assert.Equal(t, []string{`leader-disk-slow/legacy: known line 16 "advance within 1.5s" rate=30%: observed 15/20 (75%), p=4.3e-05 < α=5e-05`}, a.RateFailures)
	assert.True(t, a.RateFailed())
	assert.Contains(t, a.Verdict(), "rate FAIL (line 16: 15/20 shown, stated 30%)")
	assert.Nil(t, a.Expectations[0].RateTest, "a requirement has no rate")
}

func TestRateLineConsistentWithItsCountPasses(t *testing.T) {
	for _, shown := range []int{0, 6, 14} {
		a := Summarize(rateRuns(shown, 20))[0]
		rt := a.Expectations[1].RateTest
		require.NotNil(t, rt)
		assert.Equal(t, "consistent", rt.Result, rt.Message)
		assert.Equal(t, shown, rt.Shown)
		assert.False(t, a.RateFailed())
		assert.NotContains(t, a.Verdict(), "rate FAIL")
	}
}

func TestRateLineOfOneRunIsNotJudged(t *testing.T) {
	for _, shown := range []int{0, 1} {
		a := Summarize(rateRuns(shown, 1))[0]
		rt := a.Expectations[1].RateTest
		require.NotNil(t, rt)
		assert.Equal(t, "too-few-runs", rt.Result)
		assert.Contains(t, rt.Message, "not enough runs to judge the rate (n=1")
		assert.False(t, a.RateFailed())
		var buf bytes.Buffer
		WriteRateTests(&buf, []Aggregate{a})
		assert.Equal(t, "1 known line(s) with a rate (rate=N%: shows in about N% of runs): not judged over 1 run(s), too few to tell "+
			"any rate; with --repeat the count of runs each showed in is tested against N.", unwrapped(buf.String()), "one line, no block")
	}
}

func TestRateTestRoundTripsThroughJSON(t *testing.T) {
	rep := &Report{Runs: rateRuns(15, 20)}
	rep.Finish()
	var buf bytes.Buffer
	require.NoError(t, json.NewEncoder(&buf).Encode(rep))
	assert.Contains(t, buf.String(), `"shown":true`)
	assert.Contains(t, buf.String(), `"shown":false`)
	assert.Contains(t, buf.String(), `"result":"INCONSISTENT"`)
	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	// A reader that recomputes the aggregates from the runs gets the same.
	assert.Equal(t, rep.Aggregates, Summarize(back.Runs))
}

func TestTablesShowRatesAgainstTheirCounts(t *testing.T) {
	aggs := Summarize(rateRuns(15, 20))
	var table, why, stats, rates bytes.Buffer
	WriteSummaryTable(&table, aggs)
	WriteWhy(&why, aggs)
	WriteExpectationStats(&stats, aggs[0])
	WriteRateTests(&rates, aggs)
	assert.Contains(t, table.String(), "15 known bug, 5 NOT REPRODUCED, 1 INVALID, rate FAIL", "counts only: the rest is under the table")
	assert.Contains(t, why.String(), "line 16 shown 15/20 (stated 30%) ✗")
	assert.Contains(t, why.String(), "rate FAIL (line 16: 15/20 shown, stated 30%)")
	assert.Contains(t, why.String(), "5 NOT REPRODUCED (pingcap/tidb#58574) — expected now and")
	assert.Contains(t, stats.String(), "rate INCONSISTENT: known line 16")
	assert.Contains(t, rates.String(), "✗ leader-disk-slow / legacy: known line 16")
	assert.Contains(t, rates.String(), "α=5e-05 per line")

	var none bytes.Buffer
	WriteRateTests(&none, Summarize([]Run{{Scenario: "leader-crash", Advancer: "robust", Verdict: VerdictPass}}))
	assert.Empty(t, none.String(), "no rate lines, no block")
}
