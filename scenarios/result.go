package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/record"
)

// Result is the outcome of one scenario run with one advancer.
type Result struct {
	Scenario    string
	Description string
	Advancer    string
	Seed        int64
	// Scale divides the advancer's production constants (10 maps etcd's
	// production timing, election 1 s, to the fast profile's 100 ms).
	Scale float64
	// Profile is the cluster timing; script durations are in this time.
	Profile string
	Tick    time.Duration
	Elect   time.Duration

	Passed bool // every expectation held and the run is valid
	Valid  bool // every fault fired, the writer kept writing
	// Skipped is set (with the reason) when the scenario cannot run here,
	// e.g. disk faults without FUSE. A skipped run is neither passed nor failed.
	Skipped string
	// Invalid lists why the run is not valid.
	Invalid []string
	// Failures lists what failed besides expectations (invariants, step errors).
	Failures     []string
	Expectations []Expectation
	// Recovery is the time from the first fault step until the advancer is
	// caught up for good (the end of the last stall the watchdog saw, or the
	// first advance of a value written after the fault when there was no
	// stall); nil when it never recovered during the run.
	Recovery *time.Duration
	// Resumed is from the last reference point (typically the heal) to the
	// first advance of a value written after it: the reconnect time that
	// backoff settings decide; nil when it never resumed.
	Resumed  *time.Duration
	Notes    []string
	Events   []record.Event
	Duration time.Duration
}

// Expectation is one judged expectation with its measured figure.
type Expectation struct {
	Line     int
	Text     string
	Passed   bool
	Measured *time.Duration // nil: the event never happened during the run
	Detail   string
}

func (e Expectation) String() string {
	verdict := "PASS"
	if !e.Passed {
		verdict = "FAIL"
	}
	return fmt.Sprintf("%s line %d: %s — measured %s%s", verdict, e.Line, e.Text, fmtMeasured(e.Measured), detail(e.Detail))
}

func detail(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func fmtMeasured(d *time.Duration) string {
	if d == nil {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}

// Verdict is a one-word summary: pass, FAIL, INVALID or skipped.
func (r *Result) Verdict() string {
	switch {
	case r.Skipped != "":
		return "skipped"
	case !r.Valid:
		return "INVALID"
	case !r.Passed:
		return "FAIL"
	}
	return "pass"
}

// Summary renders the result's expectations and problems, one per line.
func (r *Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s / %s: %s (seed %d, scale %g, profile %s, %v)\n", r.Scenario, r.Advancer, r.Verdict(), r.Seed, r.Scale, r.Profile, r.Duration.Round(time.Millisecond))
	if r.Skipped != "" {
		fmt.Fprintf(&b, "  skipped: %s\n", r.Skipped)
	}
	for _, e := range r.Expectations {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	for _, s := range r.Invalid {
		fmt.Fprintf(&b, "  INVALID: %s\n", s)
	}
	for _, s := range r.Failures {
		fmt.Fprintf(&b, "  FAIL: %s\n", s)
	}
	fmt.Fprintf(&b, "  recovery: %s\n", fmtMeasured(r.Recovery))
	return b.String()
}

// Timeline renders the run's events as "t(ms) member event" lines.
func (r *Result) Timeline() string {
	var b strings.Builder
	b.WriteString("    t(ms)  member    event\n")
	for _, e := range r.Events {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}
