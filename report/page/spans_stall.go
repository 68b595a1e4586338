package page

import "github.com/leaderfault/leaderfault/report"

// timeSpan is an interval of a timeline.
type timeSpan struct {
	StartMs, EndMs float64
	// SeenMs is, for a stall, when its upload had been unseen for the
	// threshold (StartMs is when the upload was written).
	SeenMs float64
	Open   bool // never closed: EndMs is the end of the timeline
	Label  string
}

// stallSpans are the run's stalls (report.Run.Stalls), each from the
// upload the advancer stopped seeing.
func stallSpans(r *report.Run) []timeSpan {
	var out []timeSpan
	for _, s := range r.Stalls() {
		out = append(out, timeSpan{StartMs: ms(s.Start.Microseconds()), SeenMs: ms(s.Seen.Microseconds()), EndMs: ms(s.End.Microseconds()),
			Open: s.Open, Label: s.Behind})
	}
	return out
}

// ms is microseconds in a report's milliseconds.
func ms(us int64) float64 { return float64(us) / 1000 }

func endOf(tl []report.Event) float64 {
	if len(tl) == 0 {
		return 0
	}
	return tl[len(tl)-1].TMs
}

func formatMs(v float64) string { return report.FormatMs(&v) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
