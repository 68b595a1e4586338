package report

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/check"
)

// judgedRun is a run of a fault at 100 ms and a heal at 1000 ms in which
// the advancer saw no upload from 240 ms to 540 ms: at a 200 ms threshold
// a stall (no-stall missed), at 400 ms none.
func judgedRun() Run {
	tl := []Event{leaderEv(10, "m0", "m0", 2),
		{TMs: 100, Kind: "step", Line: 5, Verb: "fault", Reference: true, Leader: "m0"},
		{TMs: 1000, Kind: "step", Line: 8, Verb: "heal", Reference: true, Leader: "m0"}}
	tl = append(tl, writesAndAdvances(20, 1500, 1, 240, 540)...)
	sort.SliceStable(tl, func(i, j int) bool { return tl[i].TMs < tl[j].TMs })
	r := Run{Scenario: "s", Advancer: "a", Valid: true, ElectionMs: 100, Timeline: tl,
		Expectations: []Expectation{
			{Line: 0, Text: "caught up by the end of the run (every scenario)", Ref: 8},
			{Line: 6, Text: "expect no-stall for 800ms", Ref: 5, What: "no-stall", WithinMs: 800},
			{Line: 9, Text: "expect advance within 100ms", Ref: 8, What: "advance", WithinMs: 100},
		}}
	return r
}

func TestRejudge(t *testing.T) {
	r := judgedRun()
	at := func(th time.Duration) Run {
		s := r.Measurement()
		s.StallThreshold = th
		again, err := Rejudge(r, s)
		require.NoError(t, err)
		return again
	}
	strict := at(200 * time.Millisecond)
	assert.Equal(t, "FAIL", strict.Verdict, strict.Why)
	assert.False(t, strict.Expectations[1].Passed)
	assert.InDelta(t, 300, *strict.Expectations[1].MeasuredMs, 20, "the longest lag")
	assert.True(t, strict.Expectations[2].Passed)
	assert.True(t, strict.Expectations[0].Passed, "caught up by the end")
	assert.Equal(t, 1, strict.Counts.Stalls)
	assert.Equal(t, 200.0, strict.StallThresholdMs)

	lenient := at(400 * time.Millisecond)
	assert.Equal(t, "pass", lenient.Verdict, lenient.Why)
	assert.True(t, lenient.Passed)
	assert.Equal(t, 0, lenient.Counts.Stalls)
	assert.Equal(t, 400.0, lenient.StallThresholdMs)

	assert.Equal(t, strict.Verdict, func() string { again, _ := Rejudge(strict, strict.Measurement()); return again.Verdict }(),
		"judged again at its own settings: the same verdict")
	assert.Nil(t, r.Expectations[1].Shown, "the input is not changed")
}

func TestRejudgeKeepsWhatTheTimelineCannotTell(t *testing.T) {
	r := judgedRun()
	r.Valid, r.Invalid = false, []string{"fault #1 never fired"}
	again, err := Rejudge(r, check.DefaultSettings(100*time.Millisecond))
	require.NoError(t, err)
	assert.Equal(t, "INVALID", again.Verdict)

	r = judgedRun()
	r.Failures = []string{"invariant: value 3 observed before value 2"}
	again, err = Rejudge(r, check.DefaultSettings(400*time.Millisecond))
	require.NoError(t, err)
	assert.Equal(t, "FAIL", again.Verdict)
	assert.Contains(t, again.Why, "invariant")

	r = judgedRun()
	r.Skipped = "needs FUSE"
	again, err = Rejudge(r, check.DefaultSettings(100*time.Millisecond))
	require.NoError(t, err)
	assert.Equal(t, r, again)
}

func TestRejudgeRefusesAReportThatDoesNotSayWhatItMeasured(t *testing.T) {
	r := judgedRun()
	r.Expectations[2].What = ""
	_, err := Rejudge(r, r.Measurement())
	assert.True(t, errors.Is(err, ErrNotRejudgeable), "%v", err)
	assert.Contains(t, err.Error(), "s / a line 9")
}

func TestStallThresholdOfOlderReports(t *testing.T) {
	r := Run{ElectionMs: 1000}
	assert.Equal(t, 2*time.Second, r.StallThreshold(), "2 election timeouts")
	r.StallThresholdMs = 750
	assert.Equal(t, 750*time.Millisecond, r.StallThreshold())
}
