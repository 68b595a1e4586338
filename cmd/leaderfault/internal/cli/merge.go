package cli

import (
	"context"
	"errors"
	"fmt"
	stdio "io"

	"github.com/leaderfault/leaderfault/report"
)

const mergeSynopsis = `a.json b.json... [--json out.json] [--html out.html]

Combines JSON reports — typically the shards of one "run --shard i/n" or
"sweep --shard i/n" — into one report ordered as the unsharded command would
have run, and prints its summary table. Refuses reports of different sweeps
and runs that appear twice. Exit code as "run": 1 when a merged run is FAIL,
INVALID or NOT REPRODUCED (of a known bug that shows in every run), 0 when
runs passed or reproduced known bugs; for a sweep as "sweep": 1 when a run was
invalid or broke.`

func runMerge(_ context.Context, io IO, args []string) int {
	fs := newFlags(io, "merge", mergeSynopsis)
	jsonOut := fs.String("json", "", "write the merged JSON report to `FILE`")
	htmlOut := fs.String("html", "", "write the merged HTML report to `FILE`")
	pos, code, ok := parseOrExit(io, fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return fail(io, "merge", usagef("no reports given"))
	}
	for _, out := range []struct{ flag, path string }{{"--json", *jsonOut}, {"--html", *htmlOut}} {
		if err := checkOutputPath(out.flag, out.path); err != nil {
			return fail(io, "merge", err)
		}
	}
	reps, err := readReports(pos)
	if err != nil {
		return fail(io, "merge", usageError{err.Error()})
	}
	merged, err := report.Merge(pos, reps...)
	if err != nil {
		return fail(io, "merge", usageError{err.Error()})
	}
	if missing := report.MissingShards(merged.Shards); len(missing) > 0 {
		fmt.Fprintf(io.Stderr, "leaderfault merge: warning: shards %v are missing\n", missing)
	}
	printSaved(io.Stdout, merged)
	if err := writeOutputs(io, merged, *jsonOut, *htmlOut, false); err != nil {
		return fail(io, "merge", err)
	}
	if merged.Sweep != nil {
		return sweepExitCode(merged.Runs)
	}
	return exitCode(merged.Runs, false)
}

// readReports reads every JSON report in paths; the error names each one
// that could not be read.
func readReports(paths []string) ([]*report.Report, error) {
	var reps []*report.Report
	var errs []error
	for _, p := range paths {
		rep, err := report.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		reps = append(reps, rep)
	}
	return reps, errors.Join(errs...)
}

// printSaved prints a report read back as its command printed it: the
// summary table, the rows that did not pass, the rate tests and the tally
// (a sweep's table for a sweep).
func printSaved(w stdio.Writer, rep *report.Report) {
	switch {
	case rep.Sweep != nil:
		printSweepReport(w, rep, "none")
	case len(rep.Runs) > 0:
		report.WriteSummaryTable(w, rep.Aggregates)
		fmt.Fprintln(w)
		report.WriteWhy(w, rep.Aggregates)
		fmt.Fprintln(w)
		if hasRateTests(rep.Aggregates) {
			report.WriteRateTests(w, rep.Aggregates)
			fmt.Fprintln(w)
		}
		printTally(w, rep.Runs)
	default:
		fmt.Fprintln(w, "no runs")
	}
}
