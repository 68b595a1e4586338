package report

import (
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios"
)

// Origin is where a run sits in its command's plan; FromResult copies it
// into the Run.
type Origin struct {
	Job    int               // position in the full plan, before sharding
	Repeat int               // 1-based
	File   string            // scenario file, for scenarios given by path
	Knobs  map[string]string // sweep setting
}

// FromResult converts a scenario result into a report Run.
func FromResult(res *scenarios.Result, o Origin) Run {
	r := Run{
		Job: o.Job, Scenario: res.Scenario, Description: res.Description, File: o.File,
		Advancer: res.Advancer, Knobs: copyKnobs(o.Knobs), Repeat: max(o.Repeat, 1),
		Seed: res.Seed, Scale: res.Scale, Profile: res.Profile,
		TickMs: ms(res.Tick), ElectionMs: ms(res.Elect),
		Verdict: res.Verdict(), Passed: res.Passed, Valid: res.Valid, Skipped: res.Skipped,
		Invalid: res.Invalid, Failures: res.Failures, Notes: res.Notes,
		Expectations: make([]Expectation, 0, len(res.Expectations)),
		RecoveryMs:   msPtr(res.Recovery), DurationMs: ms(res.Duration),
		Timeline: make([]Event, 0, len(res.Events)),
	}
	for _, e := range res.Expectations {
		r.Expectations = append(r.Expectations, Expectation{
			Line: e.Line, Text: squeeze(e.Text), Passed: e.Passed, MeasuredMs: msPtr(e.Measured), Detail: e.Detail,
		})
	}
	for _, e := range res.Events {
		r.Timeline = append(r.Timeline, Event{
			TMs: ms(e.At), Kind: string(e.Kind), Member: e.Member, Detail: e.Detail,
			Leader: e.Leader, Term: e.Term, Value: e.Value, Revision: e.Revision,
		})
	}
	r.Counts = CountEvents(r.Timeline)
	r.ResumedMs = Resumed(r.Timeline)
	return r
}

// Resumed measures from the last fault step of the timeline to the first
// advance of a value written after it (see Run.ResumedMs).
func Resumed(tl []Event) *float64 {
	last := -1.0
	for _, e := range tl {
		if e.Kind == string(record.KindStep) && faultVerbs[stepVerb(e.Detail)] {
			last = e.TMs
		}
	}
	if last < 0 {
		return nil
	}
	var first uint64
	for _, e := range tl {
		if e.Kind == string(record.KindWrite) && e.TMs >= last {
			first = e.Value
			break
		}
	}
	if first == 0 {
		return nil
	}
	for _, e := range tl {
		if e.Kind == string(record.KindAdvance) && e.TMs >= last && e.Value >= first {
			d := roundUs(e.TMs - last)
			return &d
		}
	}
	return nil
}

// CountEvents reads the Counts off a timeline.
func CountEvents(tl []Event) Counts {
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
		case record.KindStalled:
			c.Stalls++
		}
	}
	for _, s := range Stalls(tl) {
		d := roundUs(s.EndMs - s.StartMs)
		c.StalledMs += d
		c.LongestStallMs = max(c.LongestStallMs, d)
	}
	c.StalledMs = roundUs(c.StalledMs)
	return c
}

// Span is an interval of a timeline.
type Span struct {
	StartMs, EndMs float64
	Open           bool // never closed: EndMs is the end of the timeline
	Label          string
}

// sinceRe reads the watchdog's "since t=123ms" (when the oldest unseen
// upload was written, earlier than the event that reports the stall).
var sinceRe = regexp.MustCompile(`since t=([0-9.]+)ms`)

// Stalls are the watchdog's stalled → caught-up spans, each from the upload
// the advancer stopped seeing.
func Stalls(tl []Event) []Span {
	var out []Span
	var open *Span
	for _, e := range tl {
		switch record.Kind(e.Kind) {
		case record.KindStalled:
			if open != nil {
				continue
			}
			start := e.TMs
			if m := sinceRe.FindStringSubmatch(e.Detail); m != nil {
				if v, err := strconv.ParseFloat(m[1], 64); err == nil && v <= e.TMs {
					start = v
				}
			}
			open = &Span{StartMs: start, Label: e.Detail}
		case record.KindCaughtUp:
			if open != nil {
				open.EndMs = e.TMs
				out = append(out, *open)
				open = nil
			}
		}
	}
	if open != nil {
		open.EndMs, open.Open = endOf(tl), true
		out = append(out, *open)
	}
	return out
}

func endOf(tl []Event) float64 {
	if len(tl) == 0 {
		return 0
	}
	return tl[len(tl)-1].TMs
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
