package page

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
)

func TestLeaderViewsFollowEachMembersBelief(t *testing.T) {
	tl := []report.Event{
		leaderEv(10, "m0", "m0", 2),
		leaderEv(11, "m1", "m0", 2),
		ev(100, "member-crash", "m0", "hard stop"),
		ev(200, "leader-lost", "m1", ""),
		leaderEv(250, "m1", "m1", 3),
		ev(400, "member-restart", "m0", "serving again"),
		leaderEv(420, "m0", "m1", 3),
		ev(500, "note", "", ""),
	}
	m0 := leaderViews(tl, "m0")
	require.Len(t, m0, 4)
	assert.Equal(t, "m0", m0[0].Leader)
	assert.Equal(t, "down", m0[1].Leader)
	assert.Equal(t, timeSpan{StartMs: 100, EndMs: 400}, m0[1].timeSpan)
	assert.Equal(t, "", m0[2].Leader, "restarted, no leader heard yet")
	assert.Equal(t, leaderView{timeSpan: timeSpan{StartMs: 420, EndMs: 500, Open: true}, Leader: "m1", Term: 3}, m0[3])

	m1 := leaderViews(tl, "m1")
	require.Len(t, m1, 3)
	assert.Equal(t, []string{"m0", "", "m1"}, []string{m1[0].Leader, m1[1].Leader, m1[2].Leader})
	assert.Equal(t, []string{"m0", "m1"}, memberNames(tl))
}

func TestFaultSpansPairArmedWithHealed(t *testing.T) {
	fault := func(e report.Event, id int, kind string) report.Event { e.Fault, e.Name = id, kind; return e }
	point := func(e report.Event, name string) report.Event { e.Name = name; return e }
	healed := fault(ev(100, "fault-healed", "m0", "#1 disk-stall target=leader→m0 (fired)"), 1, "disk-stall")
	healed.Fired = true
	tl := []report.Event{
		fault(ev(10, "fault-armed", "m0", "#1 disk-stall target=leader→m0"), 1, "disk-stall"),
		point(ev(11, "failpoint-armed", "m0", "m0/disk-write=pause"), "m0/disk-write"),
		fault(ev(15, "fault-fired", "m0", "disk-stall"), 1, "disk-stall"),
		fault(ev(20, "fault-armed", "m0,m1,m2", "#2 client-refuse target=all→m0,m1,m2"), 2, "client-refuse"),
		point(ev(30, "failpoint-armed", "", `leader-transfer=30%return("follower")`), "leader-transfer"),
		point(ev(35, "failpoint-hit", "", `leader-transfer=30%return("follower") first hit`), "leader-transfer"),
		point(ev(60, "failpoint-healed", "", "leader-transfer hits=4"), "leader-transfer"),
		healed,
		ev(150, "note", "", ""),
	}
	spans := faultSpans(tl)
	require.Len(t, spans, 3, "disk sites belong to their disk fault")
	assert.Equal(t, "disk-stall", spans[0].Kind)
	assert.Equal(t, timeSpan{StartMs: 10, EndMs: 100, Label: "#1 disk-stall target=leader→m0"}, spans[0].timeSpan)
	assert.True(t, spans[0].Fired)
	assert.Equal(t, "client-refuse", spans[1].Kind)
	assert.Equal(t, []string{"m0", "m1", "m2"}, spans[1].Members)
	assert.True(t, spans[1].Open, "never healed: open until the end")
	assert.Equal(t, 150.0, spans[1].EndMs)
	assert.False(t, spans[1].Fired)
	assert.Equal(t, "leader-transfer", spans[2].Kind)
	assert.Equal(t, 60.0, spans[2].EndMs)
	assert.True(t, spans[2].Fired)
}

func TestStallOpenUntilTheEnd(t *testing.T) {
	tl := []report.Event{valueEv(10, "checkpoint-write", 2), valueEv(11, "advance", 2), valueEv(60, "checkpoint-write", 9), ev(900, "note", "", "")}
	spans := stallSpans(&report.Run{Timeline: tl, StallThresholdMs: 40})
	require.Len(t, spans, 1)
	assert.Equal(t, timeSpan{StartMs: 60, SeenMs: 100, EndMs: 900, Open: true, Label: "advancer at rev 3, quorum at rev 10"}, spans[0])
}
