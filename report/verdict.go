package report

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/leaderfault/leaderfault/check"
)

// Verdicts as Run.Verdict spells them (package check).
const (
	VerdictPass          = string(check.Pass)
	VerdictKnownBug      = string(check.KnownBug)
	VerdictNotReproduced = string(check.NotReproduced)
	VerdictFail          = string(check.Fail)
	VerdictInvalid       = string(check.Invalid)
	VerdictSkipped       = string(check.Skipped)
)

// Result is the run's verdict. A run without one (made by hand, or by a
// writer that left it out) gets it from Skipped, Valid and Passed; a verdict
// this package does not know counts as FAIL.
func (r Run) Result() string {
	switch r.Verdict {
	case VerdictPass, VerdictKnownBug, VerdictNotReproduced, VerdictFail, VerdictInvalid, VerdictSkipped:
		return r.Verdict
	case "":
		switch {
		case r.Skipped != "":
			return VerdictSkipped
		case !r.Valid:
			return VerdictInvalid
		case r.Passed:
			return VerdictPass
		}
	}
	return VerdictFail
}

// VerdictLabel is the run's verdict for people: "pass", "FAIL", "known bug
// reproduced (pingcap/tidb#69048)", "NOT REPRODUCED (pingcap/tidb#69048)"
// (with " — expected now and then" when Sometimes), "INVALID" or "skipped".
func (r Run) VerdictLabel() string {
	return TallyRuns([]Run{r}).label()
}

// Tally counts runs by verdict.
type Tally struct {
	Runs     int
	Pass     int
	KnownBug int
	// NotReproduced counts not-reproduced runs, Sometimes those of them
	// expected now and then (Run.Sometimes).
	NotReproduced int
	Sometimes     int
	Fail          int
	Invalid       int
	Skipped       int
	// ReproducedBugs are the bugs of the known-bug runs, NotReproducedBugs
	// those of the not-reproduced runs, each in first-seen order.
	ReproducedBugs    []string
	NotReproducedBugs []string
}

// TallyRuns counts runs by verdict (Run.Result).
func TallyRuns(runs []Run) Tally {
	var t Tally
	for _, r := range runs {
		t.add(r)
	}
	return t
}

func (t *Tally) add(r Run) {
	t.Runs++
	switch r.Result() {
	case VerdictPass:
		t.Pass++
	case VerdictKnownBug:
		t.KnownBug++
		t.ReproducedBugs = union(t.ReproducedBugs, r.Bugs)
	case VerdictNotReproduced:
		t.NotReproduced++
		if r.Sometimes {
			t.Sometimes++
		}
		t.NotReproducedBugs = union(t.NotReproducedBugs, r.Bugs)
	case VerdictInvalid:
		t.Invalid++
	case VerdictSkipped:
		t.Skipped++
	default:
		t.Fail++
	}
}

// Bugs is the union of ReproducedBugs and NotReproducedBugs.
func (t Tally) Bugs() []string {
	return union(slices.Clone(t.ReproducedBugs), t.NotReproducedBugs)
}

func union(to, from []string) []string {
	for _, s := range from {
		if !slices.Contains(to, s) {
			to = append(to, s)
		}
	}
	return to
}

// BugsSuffix is " (pingcap/tidb#69048, tikv/pd#6889)": each bug by its
// BugRef, once.
func BugsSuffix(bugs []string) string {
	var refs []string
	for _, b := range bugs {
		if r := bugRef(b); !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 {
		return ""
	}
	return " (" + strings.Join(refs, ", ") + ")"
}

// issuesNamed is " (pingcap/tidb#69048, tikv/pd#6889)": the issues the
// bugs cite, each once, and how many bugs cite none ("+3 without an
// issue"): the one-line summary stays short, the table's rows name them.
func issuesNamed(bugs []string) string {
	ids, others := issues(bugs)
	switch {
	case len(others) == 1 && len(ids) == 0:
		return " (" + others[0] + ")"
	case len(others) > 0:
		ids = append(ids, fmt.Sprintf("+%d without an issue", len(others)))
	}
	if len(ids) == 0 {
		return ""
	}
	return " (" + strings.Join(ids, ", ") + ")"
}

// issues splits bugs into the issues they cite, each once, and the BugRefs
// of those that cite none, each once.
func issues(bugs []string) (ids, others []string) {
	for _, b := range bugs {
		if id := bugIssue.FindString(b); id != "" {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		} else if ref := bugRef(b); !slices.Contains(others, ref) {
			others = append(others, ref)
		}
	}
	return ids, others
}

// bugIssue is an issue reference at the start of a bug text.
var bugIssue = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+#[0-9]+`)

// maxBugRef bounds a BugRef made from a bug's words.
const maxBugRef = 32

// bugRef is how tables and one-line summaries name a bug (a known line's
// bug= text): the issue it starts with ("pingcap/tidb#69048: the watch
// stays …" is "pingcap/tidb#69048"), else its words up to the first colon
// or about 32 characters ("a silent link: PD rebuilds …" is "a silent
// link"; one word before the colon is not enough: "pd: now and then …" is
// "pd: now and then the crashed…"). The whole text is printed under the table (WriteWhy).
func bugRef(bug string) string {
	if id := bugIssue.FindString(bug); id != "" {
		return id
	}
	head, _, found := strings.Cut(bug, ":")
	if found && len(head) <= maxBugRef && strings.Contains(head, " ") {
		return head
	}
	if len(bug) <= maxBugRef {
		return bug
	}
	cut := strings.LastIndexByte(bug[:maxBugRef], ' ')
	if cut <= 0 {
		cut = maxBugRef
	}
	return bug[:cut] + "…"
}

// sometimesSuffix says how many not-reproduced runs were expected now and
// then: all (" — expected now and then") or some.
func (t Tally) sometimesSuffix() string {
	switch {
	case t.Sometimes == 0:
		return ""
	case t.Sometimes == t.NotReproduced:
		return " — expected now and then"
	}
	return fmt.Sprintf(" — %d expected now and then", t.Sometimes)
}

// label is the verdict of one run, or of a group of runs: "10/10 known bug
// (pingcap/tidb#69048)" when every run that ran came to the same verdict,
// else "7 pass, 3 FAIL".
func (t Tally) label() string {
	ran := t.Runs - t.Skipped
	if ran == 0 {
		return "skipped"
	}
	if t.Runs == 1 {
		switch {
		case t.Pass == 1:
			return "pass"
		case t.KnownBug == 1:
			return "known bug reproduced" + BugsSuffix(t.ReproducedBugs)
		case t.NotReproduced == 1:
			return "NOT REPRODUCED" + BugsSuffix(t.NotReproducedBugs) + t.sometimesSuffix()
		case t.Invalid == 1:
			return "INVALID"
		}
		return "FAIL"
	}
	kinds := []struct {
		n      int
		name   string
		suffix string
	}{
		{t.Pass, "pass", ""},
		{t.KnownBug, "known bug", BugsSuffix(t.ReproducedBugs)},
		{t.NotReproduced, "NOT REPRODUCED", BugsSuffix(t.NotReproducedBugs) + t.sometimesSuffix()},
		{t.Fail, "FAIL", ""},
		{t.Invalid, "INVALID", ""},
	}
	var parts []string
	for _, k := range kinds {
		if k.n == 0 {
			continue
		}
		if k.n == ran {
			parts = append(parts, fmt.Sprintf("%d/%d %s%s", k.n, ran, k.name, k.suffix))
		} else {
			parts = append(parts, fmt.Sprintf("%d %s%s", k.n, k.name, k.suffix))
		}
	}
	if t.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", t.Skipped))
	}
	return strings.Join(parts, ", ")
}

// String sums up a command's runs in one line, known bugs reproduced
// included: "3 runs: 1 pass, 2 known bugs reproduced (pingcap/tidb#69048)".
func (t Tally) String() string {
	var parts []string
	add := func(n int, one, many, suffix string) {
		switch n {
		case 0:
		case 1:
			parts = append(parts, "1 "+one+suffix)
		default:
			parts = append(parts, fmt.Sprintf("%d %s%s", n, many, suffix))
		}
	}
	add(t.Pass, "pass", "pass", "")
	add(t.KnownBug, "known bug reproduced", "known bugs reproduced", issuesNamed(t.ReproducedBugs))
	add(t.NotReproduced, "known bug NOT REPRODUCED", "known bugs NOT REPRODUCED", issuesNamed(t.NotReproducedBugs)+t.sometimesSuffix())
	add(t.Fail, "FAIL", "FAIL", "")
	add(t.Invalid, "INVALID", "INVALID", "")
	add(t.Skipped, "skipped", "skipped", "")
	runs := "runs"
	if t.Runs == 1 {
		runs = "run"
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d %s", t.Runs, runs)
	}
	return fmt.Sprintf("%d %s: %s", t.Runs, runs, strings.Join(parts, ", "))
}

// verdictLegend explains the verdicts; the tables' legends include it.
const verdictLegend = `result: pass = met every requirement; FAIL = missed a requirement, not in a known way;
known bug reproduced = a preset missed requirements exactly as its known lines say (the bug is still there);
NOT REPRODUCED = a preset met requirements it is known to miss: fixed, or the reproduction broke — look
(" — expected now and then": the known lines show only in some runs); INVALID = a fault never fired or
the writer stopped: nothing to judge; skipped = cannot run here.`
