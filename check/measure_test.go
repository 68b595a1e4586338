package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/record"
)

const ms = time.Millisecond

// A tiny language for synthetic records: each helper makes one event at a
// time in milliseconds.

func wr(t int, v uint64) record.Event {
	return record.Event{At: time.Duration(t) * ms, Kind: record.KindWrite, Member: "writer", Value: v, Revision: int64(v)}
}

func adv(t int, v uint64) record.Event {
	return record.Event{At: time.Duration(t) * ms, Kind: record.KindAdvance, Member: "advancer", Value: v, Revision: int64(v)}
}

func step(t, line int, verb string, ref bool) record.Event {
	return record.Event{At: time.Duration(t) * ms, Kind: record.KindStep, Line: line, Verb: verb, Reference: ref}
}

func leader(t int, member, lead string) record.Event {
	return record.Event{At: time.Duration(t) * ms, Kind: record.KindLeader, Member: member, Leader: lead}
}

func seq(ev ...record.Event) []record.Event {
	for i := range ev {
		ev[i].Seq = i
	}
	return ev
}

func dur(d time.Duration) *time.Duration { return &d }

func TestFirstAdvanceAfterNeedsAValueWrittenAfter(t *testing.T) {
	ev := seq(wr(0, 1), step(10, 5, "fault", true), adv(20, 1), wr(30, 2), adv(45, 2))
	at, ok := FirstAdvanceAfter(ev, 10*ms)
	assert.True(t, ok)
	assert.Equal(t, 45*ms, at, "the advance to value 1 was written before the fault: it does not count")
	_, ok = FirstAdvanceAfter(ev, 50*ms)
	assert.False(t, ok, "nothing written after 50ms")
}

func TestFirstAdvanceAfterIgnoresUploadsInFlight(t *testing.T) {
	inFlight := wr(30, 2) // issued at 5 ms, before the fault, acknowledged at 30 ms
	inFlight.Issued = 5 * ms
	fresh := wr(60, 3)
	fresh.Issued = 40 * ms
	ev := seq(step(10, 5, "fault", true), inFlight, adv(31, 2), fresh, adv(70, 3))
	at, ok := FirstAdvanceAfter(ev, 10*ms)
	assert.True(t, ok)
	assert.Equal(t, 70*ms, at, "the upload in flight at the fault says nothing about recovery")
}

func TestLeaderChangeAndDetect(t *testing.T) {
	ev := seq(leader(5, "m1", "m0"), leader(20, "m1", "m1"), leader(25, "m0", "m1"),
		record.Event{At: 40 * ms, Kind: record.KindAdvancerError})
	at, ok := LeaderChangeAfter(ev, 0, "m0")
	assert.True(t, ok)
	assert.Equal(t, 20*ms, at, "when the new leader sees itself lead")
	_, ok = LeaderChangeAfter(ev, 0, "m1")
	assert.False(t, ok, "m1 leading again is no change from m1")
	at, ok = DetectAfter(ev, 30*ms)
	assert.True(t, ok)
	assert.Equal(t, 40*ms, at)
}

func TestGapStartAndAdvanceAfter(t *testing.T) {
	ev := seq(adv(5, 1), adv(15, 2), adv(200, 3))
	assert.Equal(t, 200*ms, GapStart(ev, 10*ms))
	assert.Equal(t, 300*ms, GapStart(ev, 300*ms))
	at, ok := AdvanceAfter(ev, 15*ms)
	assert.True(t, ok)
	assert.Equal(t, 200*ms, at)
}

func TestMaxLag(t *testing.T) {
	cases := []struct {
		name     string
		ev       []record.Event
		from, to int
		want     time.Duration
		seen     bool
	}{
		{"steady", seq(wr(0, 1), adv(5, 1), wr(20, 2), adv(24, 2), wr(40, 3), adv(41, 3)), 0, 100, 5 * ms, true},
		{"a later advance covers earlier uploads", seq(wr(0, 1), wr(20, 2), adv(30, 2)), 0, 100, 30 * ms, true},
		// The vacuous check of an old follower-disk-stall: advancing at the
		// fault, stuck from +600ms. A 1s window sees a 400ms lag.
		{"stall late in the window", seq(wr(0, 1), adv(3, 1), wr(590, 2), adv(595, 2), wr(600, 3), wr(620, 4), wr(990, 5)), 0, 1000, 400 * ms, false},
		{"nothing written before the window counts", seq(wr(0, 1), wr(100, 2), adv(105, 2)), 50, 200, 5 * ms, true},
		// A watch can deliver the new value before the writer's Put returns:
		// the advance is recorded before the write's own event. It saw the
		// upload at once; the next advance (at 90) says nothing about it.
		{"an advance recorded before its write's ack", seq(adv(10, 1), wr(12, 1), wr(40, 2), adv(41, 2), wr(80, 3), adv(90, 3)), 0, 100, 10 * ms, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lag, ok := MaxLag(c.ev, time.Duration(c.from)*ms, time.Duration(c.to)*ms)
			assert.True(t, ok)
			assert.Equal(t, c.want, lag.For)
			assert.Equal(t, c.seen, lag.Seen)
		})
	}
	_, ok := MaxLag(seq(wr(0, 1)), 10*ms, 20*ms)
	assert.False(t, ok, "no upload in the window")
}

func TestLagsCountAnAdvanceBeforeTheAckAsImmediate(t *testing.T) {
	lags := Lags(seq(adv(10, 1), wr(12, 1), wr(40, 2), adv(60, 2)), 0, 100*ms)
	require.Len(t, lags, 2)
	assert.Equal(t, Lag{Write: lags[0].Write, For: 0, Seen: true}, lags[0])
	assert.Equal(t, 20*ms, lags[1].For)
	assert.True(t, lags[1].Seen)
	unseen := Lags(seq(wr(0, 1), wr(30, 2), adv(35, 1)), 0, 50*ms)
	assert.Equal(t, 20*ms, unseen[1].For, "unseen: until the window's end")
	assert.False(t, unseen[1].Seen)
}

// th is the stall threshold of the synthetic records below.
const th = 200 * ms

func TestStalls(t *testing.T) {
	ev := seq(wr(0, 1), adv(10, 1), wr(30, 2), adv(400, 2), wr(500, 3), wr(800, 4))
	got := Stalls(ev, th)
	assert.Equal(t, []Stall{
		{Start: 30 * ms, Seen: 230 * ms, End: 400 * ms, Behind: "advancer at rev 1, quorum at rev 2"},
		{Start: 500 * ms, Seen: 700 * ms, End: 800 * ms, Open: true, Behind: "advancer at rev 2, quorum at rev 3"},
	}, got)
	assert.Equal(t, 370*ms, got[0].Len())
	assert.Len(t, StallsUntil(ev, th, 650*ms), 1, "the second stall has not begun at 650ms")
}

func TestStallsEnd(t *testing.T) {
	for _, c := range []struct {
		name string
		ev   []record.Event
		want []Stall
	}{
		{"an advance recorded before its write's ack is no stall", seq(adv(10, 2), wr(12, 2), wr(300, 3), adv(310, 3)), nil},
		{"a lag at the threshold is no stall", seq(wr(0, 1), adv(200, 1)), nil},
		// Caught up to an upload still older than half the threshold: the
		// stall goes on until the next advance.
		{"ends once the oldest unseen upload is young", seq(wr(0, 1), wr(150, 2), wr(250, 3), adv(260, 1), adv(300, 2), adv(320, 3)),
			[]Stall{{Start: 0, Seen: 200 * ms, End: 300 * ms, Behind: "advancer at rev 0, quorum at rev 2"}}},
		{"an old value seen again ends nothing", seq(wr(0, 1), adv(5, 1), wr(10, 2), adv(300, 1), wr(400, 3)),
			[]Stall{{Start: 10 * ms, Seen: 210 * ms, End: 400 * ms, Open: true, Behind: "advancer at rev 1, quorum at rev 2"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, Stalls(c.ev, th))
		})
	}
}

func TestRecoveryAndResumed(t *testing.T) {
	cases := []struct {
		name              string
		ev                []record.Event
		recovery, resumed *time.Duration
	}{
		{"no reference point", seq(wr(0, 1), adv(1, 1)), nil, nil},
		{"no stall: the first advance written after the fault",
			seq(wr(0, 1), step(10, 5, "fault", true), wr(20, 2), adv(30, 2)), dur(20 * ms), dur(20 * ms)},
		{"caught up for good: the advance that ended the last stall",
			seq(step(10, 5, "fault", true), wr(20, 2), adv(350, 2), wr(400, 3),
				step(600, 7, "heal", true), wr(610, 4), adv(700, 4)),
			dur(690 * ms), dur(100 * ms)},
		{"never caught up", seq(step(10, 5, "fault", true), wr(20, 2), wr(300, 3)), nil, nil},
		{"a non-reference step measures nothing", seq(step(5, 3, "wait", false), wr(20, 2), adv(30, 2)), nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.recovery, Recovery(c.ev, th), "recovery")
			assert.Equal(t, c.resumed, Resumed(c.ev), "resumed")
		})
	}
}
