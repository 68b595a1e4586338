package report

import (
	"math"
	"time"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"
)

// Origin is where a run sits in its command's plan; the runner copies it
// into the Run it makes of a result (runner.Result.Report).
type Origin struct {
	Job    int               // position in the full plan, before sharding
	Repeat int               // 1-based
	File   string            // scenario file, for scenarios given by path
	Knobs  map[string]string // sweep setting
}

// records converts a timeline back to the record's events, so that the
// measurements of package check apply to a saved run as to a live one.
func records(tl []Event) []record.Event {
	out := make([]record.Event, len(tl))
	for i, e := range tl {
		out[i] = record.Event{Seq: i, At: fromMs(e.TMs), Kind: record.Kind(e.Kind), Member: e.Member, Detail: e.Detail,
			Leader: e.Leader, Term: e.Term, Value: e.Value, Revision: e.Revision,
			Line: e.Line, Verb: e.Verb, Reference: e.Reference, Held: e.Held, Fault: e.Fault, Name: e.Name, Fired: e.Fired}
		if e.SinceMs != nil {
			out[i].Since = fromMs(*e.SinceMs)
		}
		if e.IssuedMs != nil {
			out[i].Issued = fromMs(*e.IssuedMs)
		}
	}
	return out
}

// CountEvents reads the Counts off a timeline, its stalls at the given
// threshold.
func CountEvents(tl []Event, threshold time.Duration) Counts {
	var c Counts
	for _, e := range tl {
		switch record.Kind(e.Kind) {
		case record.KindWrite:
			c.Writes++
		case record.KindAdvance:
			c.Advances++
		case record.KindAdvancerError:
			c.AdvancerErrors++
		case record.KindLeader:
			if e.Leader == e.Member && e.Member != "" {
				c.LeaderChanges++
			}
		}
	}
	for _, s := range check.Stalls(records(tl), threshold) {
		c.Stalls++
		d := roundUs(ms(s.Len()))
		c.StalledMs += d
		c.LongestStallMs = max(c.LongestStallMs, d)
	}
	c.StalledMs = roundUs(c.StalledMs)
	return c
}

func copyKnobs(k map[string]string) map[string]string {
	if len(k) == 0 {
		return nil
	}
	out := make(map[string]string, len(k))
	for n, v := range k {
		out[n] = v
	}
	return out
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

func fromMs(ms float64) time.Duration {
	return time.Duration(math.Round(ms*1000)) * time.Microsecond
}

func msPtr(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	v := ms(*d)
	return &v
}

// roundUs rounds milliseconds to whole microseconds, the timeline's
// resolution, so that differences print without float noise.
func roundUs(ms float64) float64 { return math.Round(ms*1000) / 1000 }
