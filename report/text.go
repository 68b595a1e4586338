package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/leaderfault/leaderfault/record"
)

// The terminal renderers: plain text, aligned with tabwriter, no color (the
// CLI's output is as often a CI log as a terminal).

// FormatMs renders milliseconds for people: "85ms", "2.61s"; nil is
// "never".
func FormatMs(v *float64) string {
	if v == nil {
		return "never"
	}
	return formatMs(*v)
}

func formatMs(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.1fms", v)
	case v < 1000:
		return fmt.Sprintf("%.0fms", v)
	case v < 10000:
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.1fs", v/1000)
}

// Title is a run's one-line heading.
func (r Run) Title() string {
	t := r.Scenario + " / " + r.Advancer
	if k := KnobsString(r.Knobs); k != "" {
		t += " [" + k + "]"
	}
	if r.Repeat > 1 {
		t += fmt.Sprintf(" #%d", r.Repeat)
	}
	return t
}

// Settings is the run's parameters as one line: seed, scale, profile (and
// the stretch of a run in another time base).
func (r Run) Settings() string {
	stretch := ""
	if r.Stretch != 0 && r.Stretch != 1 {
		stretch = fmt.Sprintf(", script durations ×%g", r.Stretch)
	}
	approx := ""
	if r.Profile == "fast" {
		approx = ": an approximation of production time"
	}
	return fmt.Sprintf("seed %d, scale %g, profile %s (tick %s, election %s%s)%s, %s",
		r.Seed, r.Scale, r.Profile, formatMs(r.TickMs), formatMs(r.ElectionMs), approx, stretch, formatMs(r.DurationMs))
}

// eventLine renders one timeline event as "t(ms)  member  kind  detail".
func eventLine(e Event) string {
	var b strings.Builder
	member := e.Member
	if member == "" {
		member = "-"
	}
	fmt.Fprintf(&b, "%9.1f  %-9s %-20s %s", e.TMs, member, e.Kind, e.Body())
	return strings.TrimRight(b.String(), " ")
}

// eventIndent is where an event line's body starts.
const eventIndent = 9 + 2 + 10 + 21

// writeEventLine prints an event line: condensed, wrapped at TableWidth
// with its next lines under the body; full, on one line (for grep).
func writeEventLine(w io.Writer, e Event, condensed bool) {
	line := eventLine(e)
	if !condensed || utf8.RuneCountInString(line) <= tableWidth {
		fmt.Fprintln(w, line)
		return
	}
	r := []rune(line)
	hang(w, string(r[:eventIndent-1]), strings.Repeat(" ", eventIndent+2), strings.Fields(string(r[eventIndent:])))
}

// Body is what an event says besides its time, member and kind, as
// the record renders it.
func (e Event) Body() string {
	if record.Kind(e.Kind) == record.KindExpect {
		// As the run summary says it: a missed requirement is not a FAIL
		// when a known bug excuses it, and a known line is not a pass.
		return squeeze(fmt.Sprintf("line %d: %s: %s", e.Line, expectationWord(e.Verb == "known", e.Held), e.Detail))
	}
	return squeeze(records([]Event{e})[0].Body())
}

// expectationWord is how the run summary and the timeline mark an
// expectation: "held" or "MISSED" for a requirement, "known ≈" (the known
// deviation showed) or "known ≠" for a known line.
func expectationWord(known, held bool) string {
	switch {
	case known:
		return "known " + expectationMark(true, held)
	case held:
		return "held"
	}
	return "MISSED"
}

// routine reports whether e is one of the steady checkpoint writes and
// advances that a condensed timeline folds into one line.
func routine(e Event) bool {
	switch record.Kind(e.Kind) {
	case record.KindWrite, record.KindAdvance:
		return true
	case record.KindWatchStream:
		// A watch the client opened, or closed itself: BR opens one per
		// wait. A stream that ended any other way is not routine.
		return streamOpened(e) || strings.Contains(e.Detail, "RST_STREAM CANCEL from the client")
	}
	return false
}

// streamOpened reports whether a watch-stream event is a stream's opening.
func streamOpened(e Event) bool { return strings.Contains(e.Detail, " opened on ") }

// WriteTimeline prints a run's timeline. Condensed, each stretch of routine
// checkpoint writes and advances between other events is one line with the
// counts and value ranges.
func WriteTimeline(w io.Writer, r Run, condensed bool) {
	fmt.Fprintln(w, "    t(ms)  member    event")
	var run []Event
	flush := func() {
		if len(run) <= 2 {
			for _, e := range run {
				writeEventLine(w, e, condensed)
			}
		} else {
			head := fmt.Sprintf("%9.1f  %-9s", run[0].TMs, "…")
			if condensed {
				hang(w, head, strings.Repeat(" ", eventIndent), strings.Fields(foldSummary(run)))
			} else {
				fmt.Fprintln(w, head+" "+foldSummary(run))
			}
		}
		run = run[:0]
	}
	for _, e := range r.Timeline {
		if condensed && routine(e) {
			run = append(run, e)
			continue
		}
		flush()
		writeEventLine(w, e, condensed)
	}
	flush()
}

// foldSummary describes a stretch of writes and advances.
func foldSummary(evs []Event) string {
	type span struct {
		n        int
		from, to uint64
	}
	var writes, advances span
	opened, members := 0, []string{}
	for _, e := range evs {
		if e.Kind == string(record.KindWatchStream) {
			if streamOpened(e) {
				opened++
				if !slices.Contains(members, e.Member) {
					members = append(members, e.Member)
				}
			}
			continue
		}
		s := &writes
		if e.Kind == string(record.KindAdvance) {
			s = &advances
		}
		if s.n == 0 {
			s.from = e.Value
		}
		s.n++
		s.to = e.Value
	}
	var parts []string
	for _, x := range []struct {
		what string
		s    span
	}{{"checkpoint writes", writes}, {"advances", advances}} {
		switch {
		case x.s.n == 0:
			parts = append(parts, "no "+x.what)
		default:
			parts = append(parts, fmt.Sprintf("%d %s (value %d→%d)", x.s.n, x.what, x.s.from, x.s.to))
		}
	}
	if opened > 0 {
		slices.Sort(members)
		parts = append(parts, fmt.Sprintf("%d watch streams opened (on %s)", opened, strings.Join(members, ", ")))
	}
	return fmt.Sprintf("%s until t=%.1f", strings.Join(parts, ", "), evs[len(evs)-1].TMs)
}

// WriteRunSummary prints a run's verdict, expectations and problems, and
// what decided the verdict. Requirements are "held" or "MISSED"; a preset's
// known lines are "known ≈" when the deviation showed as known, "known ≠"
// when it did not.
func WriteRunSummary(w io.Writer, r Run) {
	WriteWrapped(w, "", fmt.Sprintf("%s: %s (%s)", r.Title(), r.VerdictLabel(), r.Settings()))
	if r.Skipped != "" {
		fmt.Fprintf(w, "  skipped: %s\n", r.Skipped)
		return
	}
	for _, e := range InScriptOrder(r.Expectations) {
		writeExpectation(w, e)
	}
	for _, s := range r.Invalid {
		WriteWrapped(w, "  ", "INVALID: "+s)
	}
	for _, s := range r.Failures {
		WriteWrapped(w, "  ", "FAIL: "+s)
	}
	for _, s := range r.Notes {
		WriteWrapped(w, "  ", "note: "+s)
	}
	if r.Why != "" {
		WriteWrapped(w, "  ", "verdict: "+r.Why)
	}
	fmt.Fprintf(w, "  recovery: %s", FormatMs(r.RecoveryMs))
	if r.Counts.Stalls > 0 {
		fmt.Fprintf(w, "; stalled %d× (longest %s)", r.Counts.Stalls, formatMs(r.Counts.LongestStallMs))
	}
	fmt.Fprintln(w)
}

func writeExpectation(w io.Writer, e Expectation) {
	verdict := expectationWord(e.Known, e.Passed)
	detail := ""
	if e.Detail != "" {
		detail = " (" + e.Detail + ")"
	}
	head := fmt.Sprintf("  %-7s line %d:", verdict, e.Line)
	hang(w, head, strings.Repeat(" ", 12), strings.Fields(fmt.Sprintf("%s — measured %s%s", e.Text, FormatMs(e.MeasuredMs), detail)))
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// row writes tab-separated cells as one table row.
func row(tw io.Writer, cells ...string) {
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
}

// InScriptOrder orders expectations as the script does, with the implicit
// end-of-run requirement (line 0) last.
func InScriptOrder(es []Expectation) []Expectation {
	out := make([]Expectation, 0, len(es))
	var last []Expectation
	for _, e := range es {
		if e.Line == 0 {
			last = append(last, e)
		} else {
			out = append(out, e)
		}
	}
	return append(out, last...)
}

// squeeze collapses runs of spaces (scripts align their tags with them).
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }
