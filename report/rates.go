package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/leaderfault/leaderfault/check"
)

// A known line with a rate (rate=N%) is judged over a group's runs, never
// by one: each valid run says whether its deviation showed
// (Expectation.Shown), and the count is tested against N (package check,
// JudgeRate). A count that contradicts N fails the group.

// rateTest judges a rate line's count over a group's runs. A rate outside
// 1-99% (only a hand-made report has one) cannot be judged and says so.
func rateTest(c check.RateCount) *RateTest {
	j, err := check.JudgeRate(c)
	if err != nil {
		return &RateTest{Shown: c.Shown, Runs: c.Runs, Stated: c.Rate, Alpha: check.RateAlpha,
			Result: "not-judged", Message: "not judged: " + err.Error()}
	}
	return &RateTest{Shown: j.Shown, Runs: j.Runs, Stated: j.Rate, PValue: j.P, Alpha: j.Alpha,
		AcceptMin: j.Lo, AcceptMax: j.Hi, MinRuns: j.MinRuns, Result: string(j.Result), Message: j.String()}
}

// RateFailed reports whether a known line's count over the group's runs
// contradicts its stated rate: the group FAILs.
func (a Aggregate) RateFailed() bool { return len(a.RateFailures) > 0 }

// rateFailSuffix is ", rate FAIL (line 16: 15/20 shown, stated 30%)" for a
// group whose counts contradict stated rates, else "".
func (a Aggregate) rateFailSuffix() string {
	var bad []string
	for _, e := range a.Expectations {
		if t := e.RateTest; t != nil && t.Result == string(check.RateInconsistent) {
			bad = append(bad, fmt.Sprintf("line %d: %d/%d shown, stated %d%%", e.Line, t.Shown, t.Runs, t.Stated))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return ", rate FAIL (" + strings.Join(bad, "; ") + ")"
}

// rateCells are the group's rate lines for a table cell: "line 16 shown
// 6/20 (stated 30%) ✓".
func (a Aggregate) rateCells() []string {
	var out []string
	for _, e := range a.Expectations {
		if t := e.RateTest; t != nil {
			out = append(out, fmt.Sprintf("line %d shown %d/%d (stated %d%%) %s", e.Line, t.Shown, t.Runs, t.Stated, rateMark(t.Result)))
		}
	}
	return out
}

// rateMark is ✓ for a count consistent with the stated rate, ✗ for one
// that contradicts it, ? for too few runs to tell.
func rateMark(result string) string {
	switch result {
	case string(check.RateConsistent):
		return MarkMet
	case string(check.RateInconsistent):
		return MarkMissed
	}
	return markUnjudged
}

// WriteRateTests prints every known line with a rate, per group: how many
// runs it showed in against the stated rate, and what the exact binomial
// test makes of it. Nothing when no group has one.
func WriteRateTests(w io.Writer, aggs []Aggregate) {
	var lines []string
	judged, fewest := false, 0
	for _, a := range aggs {
		for _, e := range a.Expectations {
			if t := e.RateTest; t != nil {
				lines = append(lines, fmt.Sprintf("%s %s / %s: %s", rateMark(t.Result), a.Scenario, a.Advancer, t.Message))
				judged = judged || t.Result != string(check.RateTooFewRuns)
				if fewest == 0 || t.Runs < fewest {
					fewest = t.Runs
				}
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	if !judged {
		// Too few runs for every line: one line says so.
		WriteWrapped(w, "", fmt.Sprintf("%d known line(s) with a rate (rate=N%%: shows in about N%% of runs): not judged over %d run(s), "+
			"too few to tell any rate; with --repeat the count of runs each showed in is tested against N.", len(lines), fewest))
		return
	}
	WriteWrapped(w, "", fmt.Sprintf("known lines with a rate (rate=N%%: shows in about N%% of runs), judged over the runs by an exact "+
		"two-sided binomial test at α=%g per line (%g shared by up to %d lines: a false alarm in at most 1 of %g runs of them all):",
		check.RateAlpha, check.RateFamilyAlpha, check.RateFamily, 1/check.RateFamilyAlpha))
	for _, l := range lines {
		WriteWrapped(w, "  ", l)
	}
}
