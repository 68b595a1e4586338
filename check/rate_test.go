package check

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const rateText = `known advance within 1.5s  bug="pingcap/tidb#58574"  rate=30%  [legacy]`

// The accepted ranges and fewest runs are exact, from
// testdata/binomtest.py.
func TestJudgeRate(t *testing.T) {
	cases := []struct {
		rate, shown, runs int
		want              RateResult
		lo, hi, minRuns   int
	}{
		{30, 14, 20, RateConsistent, 0, 14, 9},
		{30, 15, 20, RateInconsistent, 0, 14, 9},
		{30, 0, 20, RateConsistent, 0, 14, 9}, // 20 runs cannot show 30% is too high
		{30, 6, 20, RateConsistent, 0, 14, 9},
		{5, 6, 20, RateConsistent, 0, 6, 4},
		{5, 7, 20, RateInconsistent, 0, 6, 4},
		{90, 10, 20, RateInconsistent, 11, 20, 5},
		{90, 11, 20, RateConsistent, 11, 20, 5},
		{95, 13, 20, RateInconsistent, 14, 20, 4},
		{55, 2, 20, RateInconsistent, 3, 19, 13},
		{55, 20, 20, RateInconsistent, 3, 19, 13},
		{55, 19, 20, RateConsistent, 3, 19, 13},
		{70, 5, 20, RateInconsistent, 6, 20, 9},
		{30, 1, 1, RateTooFewRuns, 0, 1, 9},
		{30, 0, 1, RateTooFewRuns, 0, 1, 9},
		{30, 9, 9, RateInconsistent, 0, 8, 9},
		{30, 8, 8, RateTooFewRuns, 0, 8, 9},
		{55, 0, 10, RateTooFewRuns, 0, 10, 13},
		{60, 10, 10, RateTooFewRuns, 0, 10, 11},
		{90, 3, 10, RateInconsistent, 4, 10, 5},
		{30, 0, 0, RateTooFewRuns, 0, 0, 9},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d%% %d of %d", c.rate, c.shown, c.runs), func(t *testing.T) {
			j, err := JudgeRate(RateCount{Line: 16, Text: rateText, Rate: c.rate, Shown: c.shown, Runs: c.runs})
			require.NoError(t, err)
			assert.Equal(t, c.want, j.Result, j.String())
			assert.Equal(t, c.want == RateInconsistent, j.Failed())
			assert.Equal(t, [2]int{c.lo, c.hi}, [2]int{j.Lo, j.Hi}, "accepted counts")
			assert.Equal(t, c.minRuns, j.MinRuns)
			assert.Equal(t, RateAlpha, j.Alpha)
		})
	}
}

func TestJudgeRateRejectsBadCounts(t *testing.T) {
	for _, c := range []RateCount{
		{Line: 3, Rate: 0, Shown: 1, Runs: 2},
		{Line: 3, Rate: 100, Shown: 1, Runs: 2},
		{Line: 3, Rate: 30, Shown: 3, Runs: 2},
		{Line: 3, Rate: 30, Shown: -1, Runs: 2},
	} {
		_, err := JudgeRate(c)
		assert.Error(t, err, "%+v", c)
	}
	_, err := JudgeRateAt(RateCount{Line: 3, Rate: 30, Runs: 2}, 0)
	assert.Error(t, err)
}

func TestRateJudgementString(t *testing.T) {
	judge := func(shown, runs int) string {
		j, err := JudgeRate(RateCount{Line: 16, Text: rateText, Rate: 30, Shown: shown, Runs: runs})
		require.NoError(t, err)
		return j.String()
	}
	assert.Equal(t, `known line 16 "advance within 1.5s" rate=30%: observed 15/20 (75%), p=4.3e-05 < α=5e-05`, judge(15, 20))
	assert.Equal(t, `known line 16 "advance within 1.5s" rate=30%: observed 6/20 (30%), p=1 ≥ α=5e-05: consistent (20 runs accept 0 to 14)`, judge(6, 20))
	assert.Equal(t, `known line 16 "advance within 1.5s" rate=30%: observed 1/1 (100%): not enough runs to judge the rate (n=1; any count is consistent below 9 runs)`, judge(1, 1))
}

func TestRateCountAdd(t *testing.T) {
	var c RateCount
	k := Judgement{Line: 16, Text: rateText, Known: true, Bug: "pingcap/tidb#58574", Rate: 30, Held: true}
	c.Add(RateObservation{Judgement: k, Shown: true})
	c.Add(RateObservation{Judgement: k})
	c.Add(RateObservation{Judgement: k, Shown: true})
	assert.Equal(t, RateCount{Line: 16, Text: rateText, Bug: "pingcap/tidb#58574", Rate: 30, Shown: 2, Runs: 3}, c)
}

func TestKnownClaim(t *testing.T) {
	assert.Equal(t, "advance within 1.5s", knownClaim(rateText))
	assert.Equal(t, "stall for 1s", knownClaim("known stall for 1s [pd]"))
	assert.Equal(t, "advance within 2s", knownClaim("known advance within 2s rate=5%"))
}
