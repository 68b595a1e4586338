package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/leaderfault/leaderfault/record"
)

func TestStalledAfterHeal(t *testing.T) {
	fault, heal := step(100, 5, "fault", true), step(1000, 9, "heal", true)
	for _, tc := range []struct {
		name string
		ev   []record.Event
		want *time.Duration
	}{
		{"no reference point", seq(wr(0, 1), adv(400, 1)), nil},
		{"caught up before the heal", seq(fault, wr(110, 1), adv(600, 1), heal), dur(0)},
		{"no stall at all", seq(fault, wr(110, 1), adv(120, 1), heal, wr(1010, 2), adv(1020, 2)), dur(0)},
		// The #69048 shape: stalled through the fault and on after the heal.
		{"stall outlasts the heal", seq(fault, wr(110, 1), heal, adv(1800, 1)), dur(800 * ms)},
		// Only what falls after the heal counts, summed over stalls.
		{"a second stall after the heal", seq(fault, wr(110, 1), heal, adv(1100, 1), wr(1500, 2), adv(1900, 2)), dur(500 * ms)},
		{"still stalled at the end", seq(fault, wr(110, 1), heal, wr(1500, 2)), nil},
		// Measured from the last reference point, whatever its verb (a
		// restart ends pinned-member-down).
		{"from the last reference point", seq(step(100, 5, "crash", true), wr(110, 1),
			step(600, 7, "restart", true), adv(900, 1), wr(950, 2)), dur(300 * ms)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, StalledAfterHeal(tc.ev, th))
		})
	}
}

func TestStalledAfterCountsAnOpenStallAsLowerBound(t *testing.T) {
	ev := seq(step(100, 5, "fault", true), wr(110, 1), wr(2000, 2))
	d, still := StalledAfter(ev, 1000*ms, th)
	assert.True(t, still)
	assert.Equal(t, 1000*ms, d, "from t0 to the end of the record")
}
