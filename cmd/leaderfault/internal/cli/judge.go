package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/report"
)

const judgeSynopsis = `REPORT.json [--stall-threshold D] [--json out.json] [--html out.html]

Judges the runs of a saved JSON report again from their timelines alone:
every expectation is measured again, and so are recovery, resumed, stalled
after heal and the counts. What a timeline cannot tell is kept as the report
says: why a run was invalid or skipped, and its failures (broken invariants,
steps that failed, traffic). At the settings the runs were judged with, the
verdicts are the report's own; --stall-threshold measures stalls (no-stall
expectations, recovery, the figures) with another threshold. Prints the
summary table and every run whose verdict changed. Exit code as "run".`

func runJudge(_ context.Context, io IO, args []string) int {
	fs := newFlags(io, "judge", judgeSynopsis)
	threshold := fs.Duration("stall-threshold", 0, "how long an upload may stay unseen before the advancer counts as stalled (`D`; 0: each run's own, 2 election timeouts)")
	jsonOut := fs.String("json", "", "write the report judged again to `FILE`")
	htmlOut := fs.String("html", "", "write the report judged again as HTML to `FILE`")
	pos, code, ok := parseOrExit(io, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return fail(io, "judge", usagef("want one JSON report, got %d arguments", len(pos)))
	}
	if *threshold < 0 {
		return fail(io, "judge", usagef("--stall-threshold %v: want a duration of 0 or more", *threshold))
	}
	for _, out := range []struct{ flag, path string }{{"--json", *jsonOut}, {"--html", *htmlOut}} {
		if err := checkOutputPath(out.flag, out.path); err != nil {
			return fail(io, "judge", err)
		}
	}
	rep, err := report.ReadFile(pos[0])
	if err != nil {
		return fail(io, "judge", usageError{err.Error()})
	}
	runs := make([]report.Run, len(rep.Runs))
	var changed []string
	for i, r := range rep.Runs {
		s := r.Measurement()
		if *threshold > 0 {
			s.StallThreshold = *threshold
		}
		again, err := report.Rejudge(r, s)
		if err != nil {
			return fail(io, "judge", usageError{fmt.Sprintf("%s: %v", pos[0], err)})
		}
		if again.Verdict != r.Verdict {
			changed = append(changed, fmt.Sprintf("%s: %s → %s (%s)", r.Title(), r.Verdict, again.Verdict, orNone(again.Why)))
		}
		runs[i] = again
	}
	rep.Runs = runs
	rep.Aggregates = report.Summarize(runs)
	printSaved(io.Stdout, rep)
	how := "at each run's own settings"
	if *threshold > 0 {
		how = "with stall threshold " + threshold.Round(time.Microsecond).String()
	}
	if len(changed) == 0 {
		fmt.Fprintf(io.Stdout, "judged again %s: every verdict as the report says\n", how)
	} else {
		fmt.Fprintf(io.Stdout, "judged again %s: %d verdicts changed\n", how, len(changed))
		for _, c := range changed {
			fmt.Fprintln(io.Stdout, "  "+c)
		}
	}
	if err := writeOutputs(io, rep, *jsonOut, *htmlOut, false); err != nil {
		return fail(io, "judge", err)
	}
	if rep.Sweep != nil {
		return sweepExitCode(runs)
	}
	return exitCode(runs, false)
}

func orNone(s string) string {
	if s == "" {
		return "every requirement met"
	}
	return s
}
