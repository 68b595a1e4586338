package runner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/report"
)

func TestReportCopiesEverythingAndCounts(t *testing.T) {
	rec := 250 * time.Millisecond
	measured := 120 * time.Millisecond
	resumed := 470 * time.Millisecond
	afterHeal := 470 * time.Millisecond
	res := &Result{
		Scenario: "s", Description: "d", Advancer: "legacy", Seed: 7, Scale: 10, Profile: "fast",
		Tick: 10 * time.Millisecond, Elect: 100 * time.Millisecond, Passed: false, Valid: true,
		Failures: []string{"boom"}, Recovery: &rec, Resumed: &resumed, StalledAfterHeal: &afterHeal, Duration: 1500 * time.Millisecond,
		Expectations: []Expectation{
			{Line: 9, Text: "expect advance within 1s        [legacy]", Passed: true, Measured: &measured},
			{Line: 10, Text: "expect detect within 1s", Passed: false},
		},
		Events: []record.Event{
			{Seq: 0, At: 10 * time.Millisecond, Kind: record.KindLeader, Member: "m0", Leader: "m0", Term: 2},
			{Seq: 1, At: 11 * time.Millisecond, Kind: record.KindLeader, Member: "m1", Leader: "m0", Term: 2},
			{Seq: 2, At: 20 * time.Millisecond, Kind: record.KindWrite, Member: "writer", Value: 1, Revision: 2},
			{Seq: 3, At: 21 * time.Millisecond, Kind: record.KindAdvance, Member: "advancer", Value: 1, Revision: 2},
			{Seq: 4, At: 30 * time.Millisecond, Kind: record.KindStep, Line: 8, Verb: "heal", Reference: true, Detail: "heal"},
			{Seq: 5, At: 40 * time.Millisecond, Kind: record.KindWrite, Member: "writer", Value: 2, Revision: 3},
			{Seq: 6, At: 45 * time.Millisecond, Kind: record.KindAdvancerError, Member: "advancer", Detail: "watch closed"},
			{Seq: 7, At: 300 * time.Millisecond, Kind: record.KindStalled, Member: "watchdog", Since: 40 * time.Millisecond, Detail: "advancer at rev 2, quorum at rev 3"},
			{Seq: 8, At: 500 * time.Millisecond, Kind: record.KindAdvance, Member: "advancer", Value: 2, Revision: 3},
			{Seq: 9, At: 510 * time.Millisecond, Kind: record.KindCaughtUp, Member: "watchdog", Detail: "advancer at rev 3"},
		},
	}
	r := res.Report(report.Origin{Job: 4, Repeat: 2, Knobs: map[string]string{"backoff-max": "3s"}})
	assert.Equal(t, 4, r.Job)
	assert.Equal(t, 2, r.Repeat)
	assert.Equal(t, "FAIL", r.Verdict)
	assert.Equal(t, 100.0, r.ElectionMs)
	assert.Equal(t, 250.0, *r.RecoveryMs)
	require.Len(t, r.Expectations, 2)
	assert.Equal(t, "expect advance within 1s [legacy]", r.Expectations[0].Text, "alignment spaces squeezed")
	assert.Equal(t, 120.0, *r.Expectations[0].MeasuredMs)
	assert.Nil(t, r.Expectations[1].MeasuredMs)
	require.Len(t, r.Timeline, 10)
	assert.Equal(t, report.Event{TMs: 10, Kind: "leader", Member: "m0", Leader: "m0", Term: 2}, r.Timeline[0])
	assert.Equal(t, report.Counts{Writes: 2, Advances: 2, AdvancerErrors: 1, LeaderChanges: 1, Stalls: 1, StalledMs: 460, LongestStallMs: 460}, r.Counts)
	require.NotNil(t, r.ResumedMs)
	assert.Equal(t, 470.0, *r.ResumedMs, "the runner's figure")
	assert.Equal(t, 470*time.Millisecond, *check.Resumed(res.Events), "from the heal step to the advance of value 2, the first written after it")
	require.NotNil(t, r.StalledAfterHealMs)
	assert.Equal(t, 470.0, *r.StalledAfterHealMs, "the runner's figure")
	assert.Equal(t, 460*time.Millisecond, *check.StalledAfterHeal(res.Events, 200*time.Millisecond),
		"the stall from the write at 40ms to the advance at 500ms, all after the heal at 30ms")
	assert.Equal(t, report.Event{TMs: 30, Kind: "step", Line: 8, Verb: "heal", Reference: true, Detail: "heal"}, r.Timeline[4], "structure kept")
	assert.Equal(t, 40.0, *r.Timeline[7].SinceMs)
}
