package cli

import (
	"context"
	"fmt"

	"github.com/leaderfault/leaderfault/report"
)

const compareSynopsis = `A.json B.json [--tolerance-et E] [--tolerance-rel R]

Puts two JSON reports side by side — the same scenarios and advancers run at
two time bases ("run --time production" vs the fast profile), on two etcd
lines, or before and after a change — one row per scenario and advancer
(and knob setting): each side's verdicts and recovery (p50, and p99 when a
side has repeats). When the sides ran at different election timeouts,
recoveries are shown and compared in election timeouts (ET); columns are
labelled by etcd version when the reports differ in it, else by profile,
else by file name.

A row agrees when the most common verdicts are the same (or one side's is seen
among the other side's runs: "within spread") and the median recoveries, in
ET, differ by at most max(E, R × the larger). Exit code 1 when a row
differs (or is in one report only), 0 otherwise; a row skipped on one side
is shown and not judged.`

func runCompare(_ context.Context, io IO, args []string) int {
	fs := newFlags(io, "compare", compareSynopsis)
	tolET := fs.Float64("tolerance-et", 1.5, "recoveries agree when their medians differ by at most `E` election timeouts (or by --tolerance-rel)")
	tolRel := fs.Float64("tolerance-rel", 0.2, "... or by at most `R` times the larger median")
	pos, code, ok := parseOrExit(io, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return fail(io, "compare", usagef("want two reports (A.json B.json), got %d", len(pos)))
	}
	if *tolET < 0 || *tolRel < 0 {
		return fail(io, "compare", usagef("--tolerance-et %g, --tolerance-rel %g: want zero or more", *tolET, *tolRel))
	}
	reps, err := readReports(pos)
	if err != nil {
		return fail(io, "compare", usageError{err.Error()})
	}
	cs := report.Compare(reps[0], reps[1], report.CompareOptions{ToleranceET: *tolET, ToleranceRel: *tolRel})
	labels := report.CompareLabels(reps[0], reps[1], [2]string{pos[0], pos[1]})
	fmt.Fprintf(io.Stdout, "%s: %s\n%s: %s\n", labels[0], pos[0], labels[1], pos[1])
	fmt.Fprintf(io.Stdout, "tolerance: median recoveries within max(%g ET, %g × the larger)\n\n", *tolET, *tolRel)
	if len(cs) == 0 {
		fmt.Fprintln(io.Stdout, "no runs")
		return ExitOK
	}
	report.WriteComparison(io.Stdout, labels, cs)
	if len(report.Differences(cs)) > 0 {
		return ExitFailed
	}
	return ExitOK
}
