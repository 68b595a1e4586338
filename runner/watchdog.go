package runner

import (
	"time"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"
)

// The watchdog shows stalls as they happen: on every tick it measures the
// record so far (check.StallsUntil) and records "stalled" when a stall
// begins and "caught-up" when it ends, for whoever reads the timeline live.
// Nothing is judged from its events: the checker measures stalls from the
// uploads and advances themselves.
func (r *run) startWatchdog() {
	threshold := r.settings().StallThreshold
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		shown := 0 // stalls whose beginning was recorded
		open := false
		tick := time.NewTicker(r.c.Profile().Tick)
		defer tick.Stop()
		for {
			final := false
			select {
			case <-r.bgCtx.Done():
				final = true // one last look, so a run ending just after a recovery records it
			case <-tick.C:
			}
			stalls := check.StallsUntil(r.rec.Events(), threshold, r.rec.Now())
			for i := range stalls {
				s := stalls[i]
				if i >= shown {
					r.rec.Record(record.Event{Kind: record.KindStalled, Member: "watchdog", Since: s.Start, Detail: s.Behind})
					shown, open = i+1, true
				}
				if i == shown-1 && open && !s.Open {
					r.rec.Record(record.Event{Kind: record.KindCaughtUp, Member: "watchdog"})
					open = false
				}
			}
			if final {
				return
			}
		}
	}()
}
