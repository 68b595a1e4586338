package check

import (
	"time"

	"github.com/leaderfault/leaderfault/record"
)

// StalledAfter is how long the advancer stayed stalled after t0: the
// stall time (Stalls) that falls after t0, summed over its stalls (a
// stall open at t0 counts from t0). still is true when the record ended in
// an open stall, so the sum is a lower bound.
func StalledAfter(ev []record.Event, t0, threshold time.Duration) (d time.Duration, still bool) {
	for _, s := range Stalls(ev, threshold) {
		if s.End <= t0 {
			continue
		}
		d += s.End - max(s.Start, t0)
		still = still || s.Open
	}
	return d, still
}

// StalledAfterHeal is how long the advancer stayed stalled after the last
// reference point (typically the heal): the stall that outlasts its fault,
// which pingcap/tidb#69048 measured in minutes (the checkpoint stalled for
// 8 minutes after a 10-minute hang ended). Zero when the advancer was
// caught up at the heal and stayed so; nil when there is no reference point
// or the advancer was still stalled when the record ended (it never caught
// up after the heal).
//
// Resumed (heal → first advance of a value written after the heal) says
// when the advancer moved again; this says how long it stayed behind the
// quorum, which includes an advancer that resumed once and stalled again.
func StalledAfterHeal(ev []record.Event, threshold time.Duration) *time.Duration {
	refs := References(ev)
	if len(refs) == 0 {
		return nil
	}
	d, still := StalledAfter(ev, refs[len(refs)-1].At, threshold)
	if still {
		return nil
	}
	return &d
}
