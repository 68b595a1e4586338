package table

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/leaderfault/leaderfault/report"
)

// Unexplained lists the client/scenario cells with a FAIL and no entry in
// the mechanisms file.
type Unexplained []string

func (u Unexplained) Error() string {
	return fmt.Sprintf("%d FAIL cell(s) without an entry in the mechanisms file: %s", len(u), strings.Join(u, ", "))
}

// Render writes the clients table for the runs of reps (every client's
// report) and returns the FAIL cells that expl does not explain (their
// cells read "UNEXPLAINED"), and the entries of expl that match no FAIL
// (stale). header is written first, as is.
func Render(w io.Writer, header string, reps []*report.Report, expl map[string]Explanation) (Unexplained, []string, error) {
	var runs []report.Run
	for _, r := range reps {
		runs = append(runs, r.Runs...)
	}
	aggs := report.Summarize(runs)
	var clients, scenarios []string
	cell := map[string]report.Aggregate{}
	why := map[string]string{}
	for _, r := range runs {
		if r.Result() == report.VerdictFail && why[Key(r.Advancer, r.Scenario)] == "" {
			why[Key(r.Advancer, r.Scenario)] = r.Why
		}
	}
	for _, a := range aggs {
		if !slices.Contains(clients, a.Advancer) {
			clients = append(clients, a.Advancer)
		}
		if !slices.Contains(scenarios, a.Scenario) {
			scenarios = append(scenarios, a.Scenario)
		}
		cell[Key(a.Advancer, a.Scenario)] = a
	}
	sort.Strings(scenarios)

	var b strings.Builder
	b.WriteString(header)
	b.WriteString("\n| scenario |")
	for _, c := range clients {
		fmt.Fprintf(&b, " %s |", c)
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---|", len(clients)))
	b.WriteString("\n")
	for _, s := range scenarios {
		fmt.Fprintf(&b, "| %s |", s)
		for _, c := range clients {
			a, ok := cell[Key(c, s)]
			if !ok {
				b.WriteString(" — |")
				continue
			}
			fmt.Fprintf(&b, " %s<br>%s |", verdict(a), recovery(a.Recovery))
		}
		b.WriteString("\n")
	}

	var missing Unexplained
	used := map[string]bool{}
	b.WriteString("\n## Every FAIL, explained\n\n")
	b.WriteString("| client | scenario | FAIL runs | first failure | mechanism | source | issue |\n|---|---|---|---|---|---|---|\n")
	for _, c := range clients {
		for _, s := range scenarios {
			k := Key(c, s)
			a, ok := cell[k]
			if !ok || a.Failed == 0 {
				continue
			}
			e, ok := expl[k]
			if ok {
				used[k] = true
			} else {
				missing = append(missing, k)
				e = Explanation{Mechanism: "UNEXPLAINED", Source: "UNEXPLAINED", Issue: "UNEXPLAINED"}
			}
			fmt.Fprintf(&b, "| %s | %s | %d/%d | %s | %s | %s | %s |\n", c, s, a.Failed, a.Runs, cellText(why[k]), cellText(e.Mechanism), cellText(e.Source), cellText(e.Issue))
		}
	}
	var stale []string
	for k := range expl {
		if !used[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return nil, nil, err
	}
	if len(missing) == 0 {
		return nil, stale, nil
	}
	return missing, stale, nil
}

// verdict is a cell's verdict: "**FAIL** 2/3", "pass 3/3", "INVALID 1/1",
// over the runs not skipped, with the invalid runs named beside the rest.
func verdict(a report.Aggregate) string {
	judged := a.Runs - a.Skipped
	var s string
	switch {
	case judged == 0:
		return "skipped"
	case a.Failed > 0:
		s = fmt.Sprintf("**FAIL** %d/%d", a.Failed, judged)
	case a.Invalid == judged:
		return fmt.Sprintf("INVALID %d/%d", a.Invalid, judged)
	default:
		s = fmt.Sprintf("pass %d/%d", a.Passed, judged)
	}
	if a.Invalid > 0 {
		s += fmt.Sprintf(", INVALID %d", a.Invalid)
	}
	return s
}

// recovery is "p50 / p99" of the recovery figure; "never" where the
// percentile falls on a run that never recovered.
func recovery(st report.Stats) string {
	if st.N == 0 {
		return "—"
	}
	return fmt.Sprintf("%s / %s", ms(st.P50), ms(st.P99))
}

func ms(v *float64) string {
	switch {
	case v == nil || math.IsInf(*v, 1):
		return "never"
	case *v < 1000:
		return fmt.Sprintf("%.0f ms", *v)
	default:
		return fmt.Sprintf("%.1f s", *v/1000)
	}
}

// cellText keeps a table cell on one line.
func cellText(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.Join(strings.Fields(s), " ")
}

func sorted(s []string) []string { sort.Strings(s); return s }
