package check

import (
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/record"
)

// Stall is a span during which an upload stayed unseen by the advancer for
// longer than the stall threshold: from when the oldest unseen upload was
// acknowledged (Start), through when it had been unseen for the threshold
// (Seen), to the advance that caught the advancer up (End), or the end of
// the record when none did (Open).
type Stall struct {
	Start, Seen, End time.Duration
	Open             bool
	// Behind says where the advancer and the quorum were when the stall
	// began: the revision of the newest value the advancer had observed and
	// of the newest upload.
	Behind string
}

// Len is how long the stall lasted.
func (s Stall) Len() time.Duration { return s.End - s.Start }

// Stalls computes the stalls of a record from its uploads and advances
// alone, with the given threshold, up to the record's last event.
func Stalls(ev []record.Event, threshold time.Duration) []Stall {
	return StallsUntil(ev, threshold, End(ev))
}

// StallsUntil is Stalls with the record taken to last until now: a stall
// whose threshold passes between the last event and now is open.
//
// An upload is unseen until an advance to its value or a later one is
// recorded (before or after its own event: a watch may deliver a value
// before the writer's Put returns). A stall begins once the oldest unseen
// upload has been unseen for longer than threshold, and ends at the advance
// after which no upload is unseen, or the oldest unseen one is at most
// threshold/2 old: the margin keeps a steady lag just at the threshold from
// counting as many short stalls.
func StallsUntil(ev []record.Event, threshold time.Duration, now time.Duration) []Stall {
	var (
		out        []Stall
		open       *Stall
		pending    []record.Event // uploads not seen yet, oldest first
		lastAdvVal uint64
		lastAdvRev int64
	)
	begin := func(t time.Duration) {
		if open == nil && len(pending) > 0 && t-pending[0].At > threshold {
			open = &Stall{Start: pending[0].At, Seen: pending[0].At + threshold,
				Behind: behind(lastAdvRev, pending[len(pending)-1].Revision)}
		}
	}
	for _, e := range ev {
		if e.At > now {
			break
		}
		begin(e.At)
		switch e.Kind {
		case record.KindWrite:
			if e.Value > lastAdvVal {
				pending = append(pending, e)
			}
		case record.KindAdvance:
			if e.Value <= lastAdvVal {
				continue
			}
			lastAdvVal, lastAdvRev = e.Value, e.Revision
			for len(pending) > 0 && pending[0].Value <= lastAdvVal {
				pending = pending[1:]
			}
			if open != nil && (len(pending) == 0 || e.At-pending[0].At <= threshold/2) {
				open.End = e.At
				out = append(out, *open)
				open = nil
			}
		}
	}
	begin(now)
	if open != nil {
		open.End, open.Open = now, true
		out = append(out, *open)
	}
	return out
}

func behind(advRev, quorumRev int64) string {
	return fmt.Sprintf("advancer at rev %d, quorum at rev %d", advRev, quorumRev)
}
