package check

import (
	"fmt"
	"slices"
	"strings"
)

// Verdict is what a run of one advancer on one scenario comes to.
type Verdict string

// Verdicts, from best to worst for a run that was carried out. A run that
// could not be judged is Skipped (it cannot run here) or Invalid (a fault
// never fired, the writer stopped): neither says anything about the
// advancer.
const (
	// Pass: the advancer met every requirement.
	Pass Verdict = "pass"
	// KnownBug: a preset missed requirements in exactly the way its known
	// lines say — a known bug reproduced. Never a pass.
	KnownBug Verdict = "known-bug"
	// NotReproduced: a preset met the requirements its known lines say it
	// misses: the bug is fixed, or the reproduction is broken. Either way
	// someone must look.
	NotReproduced Verdict = "not-reproduced"
	// Fail: the advancer missed a requirement (and, for a preset, not in
	// the known way), or broke an invariant.
	Fail    Verdict = "FAIL"
	Invalid Verdict = "INVALID"
	Skipped Verdict = "skipped"
)

// Judgement is one judged expectation of a run, as the verdict needs it.
type Judgement struct {
	Line int    // script line (0: implicit)
	Text string // as written
	// Ref is the line of the reference point it measures from (0: the start
	// of the run); requirements and known lines of one reference point form
	// a phase.
	Ref int
	// Known marks a preset's known deviation (a known line); Bug is its
	// reason.
	Known bool
	Bug   string
	// Rate is, for a known line that does not show in every run, the
	// stated share of runs it shows in (percent); 0: every run.
	Rate int
	// Cluster marks a requirement on the cluster rather than the advancer
	// (leader-change): no known line excuses it.
	Cluster bool
	Held    bool
	Figure  string // the measured figure, for messages
}

// Outcome is a verdict with what decided it.
type Outcome struct {
	Verdict Verdict
	// Missed are the requirements missed (all of them, excused or not).
	Missed []Judgement
	// Bugs are the known lines that decided a KnownBug or NotReproduced
	// verdict (their Bug says which bug).
	Bugs []Judgement
	// Why says it in one line: which requirement was missed and what was
	// measured, or which bug reproduced.
	Why string
	// Sometimes is set on NotReproduced when every known line that did not
	// reproduce states a rate below 100%: a run like this one is expected
	// now and then, and only the rate over many runs says more.
	Sometimes bool
	// Rates are the run's observations of its known lines with a rate, by
	// line: one run neither passes nor fails such a line, it only
	// counts towards its rate (JudgeRate). A rate line whose phase missed a
	// requirement and not as the line says has none: that run FAILs.
	Rates []RateObservation
}

// Judge turns a run's judgements into its verdict. Requirements are judged
// per phase (the judgements of one reference point). In a phase without
// known lines, a missed requirement fails the run. In a phase with known
// lines (a preset's known deviation):
//   - a missed cluster requirement fails the run: no bug of the advancer
//     excuses it;
//   - every advancer requirement met: the known bug did not reproduce;
//   - some missed, and every known line held: the known bug reproduced;
//   - some missed, and a known line did not hold either: the run fails.
//
// The worst phase decides: Fail, then NotReproduced, then KnownBug, then
// Pass — except that a known line with a rate (it shows in some runs only)
// that did not show here never hides a bug that did; alone, it gives
// NotReproduced with Sometimes set. Whether such a line showed is in
// Outcome.Rates, for the count over repeated runs. failures (invariants
// broken, steps that failed) fail the run.
func Judge(js []Judgement, failures []string) Outcome {
	phases := map[int][]Judgement{}
	var order []int
	for _, j := range js {
		if _, ok := phases[j.Ref]; !ok {
			order = append(order, j.Ref)
		}
		phases[j.Ref] = append(phases[j.Ref], j)
	}
	slices.Sort(order)
	var out Outcome
	var fails, notRepro, sometimes, repro []string
	for _, ref := range order {
		var known, missedCluster, missed []Judgement
		for _, j := range phases[ref] {
			switch {
			case j.Known:
				known = append(known, j)
			case !j.Held && j.Cluster:
				missedCluster = append(missedCluster, j)
			case !j.Held:
				missed = append(missed, j)
			}
		}
		out.Missed = append(out.Missed, missedCluster...)
		out.Missed = append(out.Missed, missed...)
		for _, j := range missedCluster {
			fails = append(fails, missedText(j))
		}
		if len(known) == 0 {
			for _, j := range missed {
				fails = append(fails, missedText(j))
			}
			continue
		}
		out.Bugs = append(out.Bugs, known...)
		if len(missed) == 0 {
			for _, k := range known {
				if k.Rate > 0 {
					out.Rates = append(out.Rates, RateObservation{Judgement: k})
					sometimes = append(sometimes, fmt.Sprintf("%s (it shows in about %d%% of runs, judged over repeats): met every requirement; known: %s", k.Bug, k.Rate, k.Text))
				} else {
					notRepro = append(notRepro, fmt.Sprintf("%s: met every requirement; known: %s", k.Bug, k.Text))
				}
			}
			continue
		}
		allHeld := true
		for _, k := range known {
			if !k.Held {
				allHeld = false
				fails = append(fails, fmt.Sprintf("%s, and not as known: %s measured %s", missedText(missed[0]), k.Text, k.Figure))
			}
		}
		if allHeld {
			for _, k := range known {
				if k.Rate > 0 {
					out.Rates = append(out.Rates, RateObservation{Judgement: k, Shown: true})
				}
				repro = append(repro, fmt.Sprintf("%s: %s", k.Bug, strings.TrimSpace(k.Figure)))
			}
		}
	}
	slices.SortFunc(out.Rates, func(a, b RateObservation) int { return a.Line - b.Line })
	if len(failures) > 0 {
		fails = append(fails, failures...)
	}
	switch {
	case len(fails) > 0:
		out.Verdict, out.Why = Fail, strings.Join(fails, "; ")
	case len(notRepro) > 0:
		out.Verdict, out.Why = NotReproduced, "known bug not reproduced: "+strings.Join(append(notRepro, sometimes...), "; ")
	case len(repro) > 0:
		// A known line that shows only in some runs and did not show here
		// does not hide the bug that did.
		out.Verdict, out.Why = KnownBug, "known bug reproduced: "+strings.Join(repro, "; ")
	case len(sometimes) > 0:
		out.Verdict, out.Why = NotReproduced, "known bug not reproduced: "+strings.Join(sometimes, "; ")
		out.Sometimes = true
	default:
		out.Verdict = Pass
	}
	return out
}

func missedText(j Judgement) string {
	return fmt.Sprintf("missed line %d %q: measured %s", j.Line, j.Text, j.Figure)
}
