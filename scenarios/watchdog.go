package scenarios

import (
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"
)

// The stalled-watch watchdog runs in every scenario. It is the live eye of
// check's stall definition: package check reads its events back (Stalls)
// and measures the same lag over a window (MaxLag). The writer's
// successful uploads are acknowledged by a quorum, so the revision of the
// newest upload is the cluster's quorum revision for the checkpoint key; the
// watchdog compares it with the newest revision the advancer observed. When
// the advancer has not seen an upload for longer than the threshold it
// records "stalled since t", and "caught up at t" when it sees one again.

func (r *run) startWatchdog() {
	threshold := check.StallThreshold(r.c.Profile().Election)
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		var (
			seen       int   // events examined
			lastAdvRev int64 // newest revision the advancer observed
			lastAdvVal uint64
			pending    []record.Event // uploads the advancer has not seen, oldest first
			stalled    bool
		)
		tick := time.NewTicker(r.c.Profile().Tick)
		defer tick.Stop()
		for {
			final := false
			select {
			case <-r.bgCtx.Done():
				final = true // one last look, so a run ending just after a recovery records it
			case <-tick.C:
			}
			ev := r.rec.Events()
			for _, e := range ev[seen:] {
				switch e.Kind {
				case record.KindWrite:
					pending = append(pending, e)
				case record.KindAdvance:
					if e.Value > lastAdvVal {
						lastAdvVal, lastAdvRev = e.Value, e.Revision
					}
				}
			}
			seen = len(ev)
			for len(pending) > 0 && pending[0].Value <= lastAdvVal {
				pending = pending[1:]
			}
			now := r.rec.Now()
			switch {
			case !stalled && len(pending) > 0 && now-pending[0].At > threshold:
				stalled = true
				r.rec.Record(record.Event{Kind: record.KindStalled, Member: "watchdog", Since: pending[0].At,
					Detail: fmt.Sprintf("advancer at rev %d, quorum at rev %d", lastAdvRev, pending[len(pending)-1].Revision)})
			case stalled && (len(pending) == 0 || now-pending[0].At <= threshold/2):
				stalled = false
				r.rec.Record(record.Event{Kind: record.KindCaughtUp, Member: "watchdog",
					Detail: fmt.Sprintf("advancer at rev %d", lastAdvRev)})
			}
			if final {
				return
			}
		}
	}()
}
