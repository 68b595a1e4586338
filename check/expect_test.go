package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/leaderfault/leaderfault/record"
)

func refStep(t, line int, leader string) record.Event {
	e := step(t, line, "fault", true)
	e.Leader = leader
	return e
}

func TestMeasureExpect(t *testing.T) {
	s := Settings{StallThreshold: th, StallOnset: time.Second}
	fault := refStep(100, 5, "m0")
	quorum := func(t, line int, held bool) record.Event {
		return record.Event{At: time.Duration(t) * ms, Kind: record.KindQuorumLeader, Line: line, Held: held, Detail: "timeout"}
	}
	for _, c := range []struct {
		name   string
		ev     []record.Event
		x      Expect
		held   bool
		figure *time.Duration
	}{
		{"advance in time", seq(wr(0, 1), fault, wr(150, 2), adv(300, 2)), Expect{What: ExpectAdvance, Ref: 5, Within: 250 * ms}, true, dur(200 * ms)},
		{"advance late", seq(wr(0, 1), fault, wr(150, 2), adv(400, 2)), Expect{What: ExpectAdvance, Ref: 5, Within: 250 * ms}, false, dur(300 * ms)},
		{"advance never", seq(wr(0, 1), fault, wr(150, 2)), Expect{What: ExpectAdvance, Ref: 5, Within: 250 * ms}, false, nil},
		{"detect", seq(fault, record.Event{At: 130 * ms, Kind: record.KindAdvancerError}), Expect{What: ExpectDetect, Ref: 5, Within: 50 * ms}, true, dur(30 * ms)},
		{"leader change to another member", seq(fault, leader(120, "m0", "m0"), leader(200, "m1", "m1")),
			Expect{What: ExpectLeaderChange, Ref: 5, Within: 150 * ms}, true, dur(100 * ms)},
		{"leader change no quorum agreed", seq(fault, leader(200, "m1", "m1"), quorum(300, 9, false)),
			Expect{What: ExpectLeaderChange, Ref: 5, Within: 150 * ms}, false, dur(100 * ms)},
		{"another line's quorum answer counts not", seq(fault, leader(200, "m1", "m1"), quorum(300, 8, false)),
			Expect{What: ExpectLeaderChange, Ref: 5, Within: 150 * ms}, true, dur(100 * ms)},
		{"stall: no advance for the gap", seq(fault, adv(150, 1), adv(900, 2)), Expect{What: ExpectStall, Ref: 5, Within: 500 * ms}, true, dur(800 * ms)},
		{"stall: the record's end closes the gap", seq(fault, adv(150, 1), wr(900, 2)), Expect{What: ExpectStall, Ref: 5, Within: 500 * ms}, true, nil},
		{"stall: kept advancing past the onset", seq(fault, adv(400, 1), adv(800, 2), adv(1200, 3), adv(1600, 4)),
			Expect{What: ExpectStall, Ref: 5, Within: 500 * ms}, false, dur(1500 * ms)},
		{"no-stall held", seq(fault, wr(150, 1), adv(200, 1), wr(300, 2), adv(320, 2)), Expect{What: ExpectNoStall, Ref: 5, Within: time.Second}, true, dur(50 * ms)},
		{"no-stall missed", seq(fault, wr(150, 1), adv(400, 1)), Expect{What: ExpectNoStall, Ref: 5, Within: time.Second}, false, dur(250 * ms)},
		{"no-stall window starts later", seq(fault, wr(150, 1), adv(400, 1), wr(500, 2), adv(510, 2)),
			Expect{What: ExpectNoStall, Ref: 5, From: 300 * ms, Within: time.Second}, true, dur(10 * ms)},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := MeasureExpect(c.ev, 9, c.x, s)
			assert.Equal(t, c.held, m.Held, m.Detail)
			assert.Equal(t, c.figure, m.Figure)
			assert.False(t, m.NoData)
		})
	}
}

func TestMeasureExpectWithoutData(t *testing.T) {
	s := Settings{StallThreshold: th, StallOnset: time.Second}
	m := MeasureExpect(seq(refStep(100, 5, "m0"), wr(50, 1)), 9, Expect{What: ExpectNoStall, Ref: 5, Within: time.Second}, s)
	assert.True(t, m.NoData, "nothing uploaded in the window")
	m = MeasureExpect(seq(wr(50, 1)), 9, Expect{What: ExpectAdvance, Ref: 5, Within: time.Second}, s)
	assert.True(t, m.NoData, "no reference point at line 5")
	assert.Contains(t, m.Detail, "line 5")
}

func TestRefPoint(t *testing.T) {
	ev := seq(leader(10, "m0", "m1"), leader(11, "m1", "m1"), refStep(100, 5, "m1"), leader(200, "m2", "m2"))
	at, lead, ok := RefPoint(ev, 5)
	assert.True(t, ok)
	assert.Equal(t, 100*ms, at)
	assert.Equal(t, "m1", lead, "as the step recorded it")
	at, lead, ok = RefPoint(ev, 0)
	assert.True(t, ok)
	assert.Equal(t, time.Duration(0), at)
	assert.Equal(t, "m1", lead, "the first member that saw itself lead")
	_, _, ok = RefPoint(ev, 7)
	assert.False(t, ok)
}

// A live record lasts until now: a gap of the expected length that has
// passed is a stall even before any event closes it.
func TestMeasureExpectUntilNow(t *testing.T) {
	s := Settings{StallThreshold: th, StallOnset: time.Second}
	ev := seq(refStep(100, 5, "m0"), wr(300, 1))
	x := Expect{What: ExpectStall, Ref: 5, Within: 500 * ms}
	assert.False(t, MeasureExpect(ev, 9, x, s).Held, "the record ends at 300ms")
	assert.True(t, MeasureExpectUntil(ev, 9, x, s, 600*ms).Held, "live at 600ms")
}
