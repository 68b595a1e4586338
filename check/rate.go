package check

import (
	"fmt"
	"strconv"
	"strings"
)

// A known line with a rate (rate=N%: the preset misses the requirement, as
// the line says, in about N% of runs) is judged over repeated runs, never by
// one: a run only observes it, as shown (its phase missed a requirement
// within the line's bound) or not shown (its phase met every requirement).
// Over n runs, the count shown is compared with N by an exact two-sided
// binomial test at significance RateAlpha.

// RateFamilyAlpha is the chance, per test run, of a false alarm over all
// the rate lines it judges: the probability that some line whose stated
// rate is true is called inconsistent. Rates are judged whenever make
// test-rates runs (with every repeat the CLI or RunCatalog is asked for),
// and a false alarm is a red run that sends someone to look at nothing;
// one in a thousand runs is rare enough to treat every red as real.
const RateFamilyAlpha = 1e-3

// RateFamily is how many rate lines (one per known line and preset) one
// test run may judge with RateFamilyAlpha held: the catalog has fewer (a
// test in package runner counts them), with room for a few more.
const RateFamily = 20

// RateAlpha is the significance each rate line is judged at: Bonferroni's
// share of RateFamilyAlpha over RateFamily lines, so that the chance of any
// false alarm among them stays below RateFamilyAlpha whatever their
// dependence. The exact test is conservative besides (its real false-alarm
// rate is at most alpha, often well below).
const RateAlpha = RateFamilyAlpha / RateFamily

// RateObservation is a known line with a rate as one run observed it.
type RateObservation struct {
	Judgement
	// Shown: its phase missed a requirement, and within the line's bound
	// (the known deviation showed). Not shown: the phase met every
	// requirement.
	Shown bool
}

// RateCount is a known line with a rate over repeated runs of one scenario
// and preset.
type RateCount struct {
	Line int
	Text string // as written
	Bug  string
	Rate int // stated: percent of runs the deviation shows in
	// Shown counts the runs in which the deviation showed, of Runs: the
	// runs that observed the line (RateObservation).
	Shown, Runs int
}

// Add counts one run's observation of the line.
func (c *RateCount) Add(o RateObservation) {
	c.Line, c.Text, c.Bug, c.Rate = o.Line, o.Text, o.Bug, o.Rate
	c.Runs++
	if o.Shown {
		c.Shown++
	}
}

// RateResult is what a rate line's count comes to.
type RateResult string

// Rate results.
const (
	// RateConsistent: the count is what the stated rate makes likely
	// enough (p >= alpha).
	RateConsistent RateResult = "consistent"
	// RateInconsistent: the stated rate would give a count this far from
	// its expectation with probability below alpha: the rate is wrong, or
	// the preset or the scenario changed.
	RateInconsistent RateResult = "INCONSISTENT"
	// RateTooFewRuns: no count of this many runs could be called
	// inconsistent; the rate was not judged.
	RateTooFewRuns RateResult = "too-few-runs"
)

// RateJudgement is a rate line's count judged against its stated rate.
type RateJudgement struct {
	RateCount
	Result RateResult
	P      float64 // the exact two-sided p-value of Shown in Runs at Rate
	Alpha  float64
	// Lo and Hi are the counts shown the test accepts in Runs runs (from 0
	// to Runs: it can reject none).
	Lo, Hi int
	// MinRuns is the fewest runs in which some count would be rejected.
	MinRuns int
}

// JudgeRate judges a rate line's count at RateAlpha.
func JudgeRate(c RateCount) (RateJudgement, error) {
	return JudgeRateAt(c, RateAlpha)
}

// JudgeRateAt judges a rate line's count by the exact two-sided binomial
// test at significance alpha.
func JudgeRateAt(c RateCount, alpha float64) (RateJudgement, error) {
	j := RateJudgement{RateCount: c, Alpha: alpha}
	if c.Rate < 1 || c.Rate > 99 {
		return j, fmt.Errorf("line %d: rate=%d%%; want 1%% to 99%%", c.Line, c.Rate)
	}
	if !(alpha > 0 && alpha < 1) {
		return j, fmt.Errorf("significance %g; want one between 0 and 1", alpha)
	}
	if c.Shown < 0 || c.Runs < 0 || c.Shown > c.Runs {
		return j, fmt.Errorf("line %d: shown in %d of %d runs", c.Line, c.Shown, c.Runs)
	}
	p := float64(c.Rate) / 100
	b, err := newBinomial(c.Runs, p)
	if err != nil {
		return j, err
	}
	j.P = b.pValue(c.Shown)
	j.Lo, j.Hi = b.accepted(alpha)
	j.MinRuns = minRuns(p, alpha)
	switch {
	case j.Lo == 0 && j.Hi == c.Runs:
		j.Result = RateTooFewRuns
	case j.P < alpha:
		j.Result = RateInconsistent
	default:
		j.Result = RateConsistent
	}
	return j, nil
}

// minRuns is the fewest runs in which the test at alpha rejects some count:
// where the likelier extreme (all shown, or none) has a p-value below
// alpha. It exists for every p strictly between 0 and 1.
func minRuns(p, alpha float64) int {
	for n := 1; ; n++ {
		b, _ := newBinomial(n, p)
		if b.pValue(0) < alpha || b.pValue(n) < alpha {
			return n
		}
	}
}

// Failed reports whether the count contradicts the stated rate.
func (j RateJudgement) Failed() bool { return j.Result == RateInconsistent }

// String says what was stated, what was observed and what that comes to:
//
//	known line 16 "advance within 1.5s" rate=30%: observed 14/20 (70%), p=0.00026 < α=5e-05
func (j RateJudgement) String() string {
	s := fmt.Sprintf("known line %d %q rate=%d%%: observed %d/%d", j.Line, knownClaim(j.Text), j.Rate, j.Shown, j.Runs)
	if j.Runs > 0 {
		s += fmt.Sprintf(" (%.0f%%)", 100*float64(j.Shown)/float64(j.Runs))
	}
	switch j.Result {
	case RateTooFewRuns:
		return s + fmt.Sprintf(": not enough runs to judge the rate (n=%d; any count is consistent below %d runs)", j.Runs, j.MinRuns)
	case RateInconsistent:
		return s + fmt.Sprintf(", p=%s < α=%s", formatP(j.P), formatP(j.Alpha))
	}
	return s + fmt.Sprintf(", p=%s ≥ α=%s: consistent (%d runs accept %d to %d)", formatP(j.P), formatP(j.Alpha), j.Runs, j.Lo, j.Hi)
}

func formatP(p float64) string { return strconv.FormatFloat(p, 'g', 2, 64) }

// knownClaim is what a known line claims, without its verb, bug, rate and
// tags: "advance within 1.5s" for `known advance within 1.5s bug="…"
// rate=30% [legacy]`.
func knownClaim(text string) string {
	f := strings.Fields(text)
	if len(f) > 0 && f[0] == "known" {
		f = f[1:]
	}
	for i, w := range f {
		if strings.HasPrefix(w, "bug=") || strings.HasPrefix(w, "rate=") || strings.HasPrefix(w, "[") {
			f = f[:i]
			break
		}
	}
	return strings.Join(f, " ")
}
