package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/script"
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
	// Stretch is the factor the script's durations and the cluster's timing
	// were multiplied by (Options.Stretch; 1: as written).
	Stretch float64
	// Etcd is the etcd server version the run used (harness.EtcdVersion, or
	// the release its members ran as processes).
	Etcd string
	// EtcdProcesses: the members ran as child processes of release Etcd
	// (Options.Release, processes=true), not in the runner's process.
	EtcdProcesses bool
	// Profile is the cluster timing; script durations are in this time.
	Profile string
	Tick    time.Duration
	Elect   time.Duration

	// Outcome is the verdict on the requirements and known deviations (see
	// check.Judge); Verdict() adds skipped and INVALID.
	Outcome check.Outcome
	Passed  bool // the verdict is pass: valid, and every requirement met
	Valid   bool // every fault fired, and the writer stored checkpoints to judge by
	// Skipped is set (with the reason) when the scenario cannot run here,
	// e.g. disk faults without FUSE. A skipped run is neither passed nor failed.
	Skipped string
	// Invalid lists why the run is not valid.
	Invalid []string
	// Failures lists what failed besides expectations (invariants, step errors).
	Failures     []string
	Expectations []Expectation
	// Recovery is the time from the first fault step until the advancer is
	// caught up for good (the end of the last stall, check.Stalls, or the
	// first advance of a value written after the fault when there was no
	// stall); nil when it never recovered during the run.
	Recovery *time.Duration
	// StallThreshold is the threshold the run's stalls were measured with
	// (check.Settings).
	StallThreshold time.Duration
	// Resumed is from the last reference point (typically the heal) to the
	// first advance of a value written after it: the reconnect time that
	// backoff settings decide; nil when it never resumed.
	Resumed *time.Duration
	// StalledAfterHeal is how long the advancer stayed stalled after the
	// last reference point (check.StalledAfterHeal); nil when it was still
	// stalled at the end.
	StalledAfterHeal *time.Duration
	Notes            []string
	Events           []record.Event
	// Duration is the run's, from its admission (Admission.Waited is not
	// part of it).
	Duration time.Duration
	// Traffic is the advancer's traffic to etcd as its client proxies
	// counted it (peak rates, streams and connections held before the first
	// fault and at the end); nil when no advancer ran.
	Traffic *check.Traffic
	// Admission is how long the run waited to be admitted to the machine
	// and the headroom measured when it was.
	Admission Admission
}

// Expectation is one judged expectation with its measured figure: a
// requirement (an expect line, or the implicit end-of-run one at Line 0), or
// a preset's known deviation (a known line).
type Expectation struct {
	Line     int
	Text     string
	What     script.ExpectKind
	Within   time.Duration // the bound (script.Expect.Duration, stretched)
	From     time.Duration // no-stall: the window's start after the reference point
	Ref      int           // line of the reference point it measures from (0: the run's start)
	Known    bool
	Bug      string         // known lines: the bug or reason
	Rate     int            // known lines: the share of runs it shows in, when not every run (percent)
	Passed   bool           // it held
	Measured *time.Duration // nil: the event never happened during the run
	Detail   string
}

// spec is the expectation as package check measures it.
func (e Expectation) spec() check.Expect {
	return check.Expect{What: e.What, Ref: e.Ref, Within: e.Within, From: e.From}
}

// set takes the outcome of a measurement.
func (e *Expectation) set(m check.Measured) {
	e.Passed, e.Measured, e.Detail = m.Held, m.Figure, m.Detail
}

func (e Expectation) judgement() check.Judgement {
	return check.Judgement{Line: e.Line, Text: e.Text, Ref: e.Ref, Known: e.Known, Bug: e.Bug, Rate: e.Rate,
		Cluster: e.What == script.ExpectLeaderChange, Held: e.Passed, Figure: fmtMeasured(e.Measured)}
}

func (e Expectation) String() string {
	verdict := "PASS"
	switch {
	case e.Known && e.Passed:
		verdict = "known"
	case e.Known:
		verdict = "unlike"
	case !e.Passed:
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

// Verdict is the run's verdict: skipped, INVALID, or the judged outcome
// (pass, FAIL, known-bug, not-reproduced).
func (r *Result) Verdict() check.Verdict {
	switch {
	case r.Skipped != "":
		return check.Skipped
	case !r.Valid:
		return check.Invalid
	case r.Outcome.Verdict == "":
		return check.Fail // not judged: the run did not finish
	}
	return r.Outcome.Verdict
}

// Summary renders the result's expectations and problems, one per line.
func (r *Result) Summary() string {
	var b strings.Builder
	stretch := ""
	if r.Stretch != 0 && r.Stretch != 1 {
		stretch = fmt.Sprintf(", durations ×%g", r.Stretch)
	}
	fmt.Fprintf(&b, "%s / %s: %s (seed %d, scale %g, profile %s%s, %v)\n", r.Scenario, r.Advancer, r.Verdict(), r.Seed, r.Scale, r.Profile, stretch, r.Duration.Round(time.Millisecond))
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
	if r.Outcome.Why != "" {
		fmt.Fprintf(&b, "  verdict: %s\n", r.Outcome.Why)
	}
	fmt.Fprintf(&b, "  recovery: %s\n", fmtMeasured(r.Recovery))
	if r.Traffic != nil {
		fmt.Fprintf(&b, "  traffic: %s\n", r.Traffic)
	}
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
