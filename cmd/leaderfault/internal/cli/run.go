package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/runner"
)

// commonFlags are the flags run and sweep share.
type commonFlags struct {
	presets  advancerFlag // --advancer: presets and exec plug-ins
	repeat   int
	jobs     int
	seed     int64
	scale    float64
	time     string
	json     string
	html     string
	shard    string
	quiet    bool
	steps    bool
	verbose  bool
	timeline string
	dryRun   bool
}

func (c *commonFlags) register(fs *flag.FlagSet, defaultPresets, defaultTimeline string) {
	c.presets.def = defaultPresets
	fs.Var(&c.presets, "advancer", advancerUsage)
	fs.IntVar(&c.repeat, "repeat", 1, "run each scenario and preset `N` times; tables show p50 / p99 / max")
	fs.IntVar(&c.jobs, "jobs", 0, "run at most `N` runs at once (1: one after another); 0: as many as the machine's measured headroom admits, shared with every other leaderfault process")
	fs.Int64Var(&c.seed, "seed", 0, "seed for every random choice (0: the script's seed, else a new one; printed)")
	fs.Float64Var(&c.scale, "scale", 0, "divide the advancer's production durations by `F` (0: production election / cluster election, 10 at the fast profile); a script's own advancer scale= wins")
	fs.StringVar(&c.time, "time", "production", "judge in timing `T`: production (etcd's default timing, election 1s, presets unscaled: the verdict), fast (election 100ms, every script and preset duration divided by 10: a quick approximation, known to differ on some cells) or script (the timing the script's cluster line names)")
	fs.StringVar(&c.json, "json", "", "write the JSON report to `FILE`")
	fs.StringVar(&c.html, "html", "", "write the HTML report (one self-contained page) to `FILE`")
	fs.StringVar(&c.shard, "shard", "", "run only shard `i/n` of the (scenario, preset, repeat) runs (job: from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX and JOB_COMPLETIONS); merge the JSON reports with merge")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress on stderr")
	fs.BoolVar(&c.steps, "steps", false, "print each script step on stderr as it starts, one line each (for logs, where there is no live line)")
	fs.BoolVar(&c.verbose, "v", false, "print etcd's warnings of failed runs on stderr")
	fs.BoolVar(&c.dryRun, "dry-run", false, "check the command line and the scenarios, print the runs it would make, one a line, and exit: nothing starts")
	fs.StringVar(&c.timeline, "timeline", defaultTimeline, "timelines to print: auto (condensed, of every run that did not pass; with --repeat only of runs that FAIL, are INVALID or NOT REPRODUCED), condensed (every run, routine writes and advances folded), full, none")
}

// validate checks the shared flags and returns the advancers and the shard.
func (c *commonFlags) validate() ([]advSpec, shard, error) {
	if c.repeat < 1 {
		return nil, shard{}, usagef("--repeat %d: want 1 or more", c.repeat)
	}
	if c.jobs < 0 {
		return nil, shard{}, usagef("--jobs %d: want 1 or more (or 0: as the machine's headroom admits)", c.jobs)
	}
	if c.scale < 0 {
		return nil, shard{}, usagef("--scale %g: want a positive number (or 0 for the default)", c.scale)
	}
	if !slices.Contains(runner.Times, c.time) {
		return nil, shard{}, usagef("--time %q: want production (tick 100ms, election 1s), fast (10ms, 100ms) or script (as the script says)", c.time)
	}
	switch c.timeline {
	case "auto", "condensed", "full", "none":
	default:
		return nil, shard{}, usagef("--timeline %q: want auto, condensed, full or none", c.timeline)
	}
	for _, out := range []struct{ flag, path string }{{"--json", c.json}, {"--html", c.html}} {
		if err := checkOutputPath(out.flag, out.path); err != nil {
			return nil, shard{}, err
		}
	}
	advs, err := parseAdvancers(c.presets.given())
	if err != nil {
		return nil, shard{}, err
	}
	sh, err := parseShard(c.shard)
	return advs, sh, err
}

func (c *commonFlags) runOptions() runOptions {
	return runOptions{seed: c.seed, scale: c.scale, time: c.time, jobs: c.jobs, quiet: c.quiet, steps: c.steps && !c.quiet, verbose: c.verbose}
}

const runSynopsis = `<scenario name or file>... [flags]

Runs each scenario against each advancer (presets, and exec: plug-ins judged
on the requirements alone), and prints each run's timeline, its expectations
with the measured figures, and a summary table (p50 / p99 / max with
--repeat), then the runs by verdict. Scenarios are built-in names (see
"leaderfault list"; "all" is the whole catalog) or scenario files.

Runs go side by side, as many as the machine's measured headroom admits
(the scheduling delay far below the runs' tightest budget, idle CPU; shared
with every other leaderfault process), or at most --jobs N; --jobs 1 runs
them one after another. LEADERFAULT_RUN_SLOTS=N caps the whole machine at N
runs instead. Output comes per run, in plan order, whatever order they end.

Verdicts: pass (met every requirement), FAIL (missed a requirement, not in a
known way), known bug reproduced (a preset missed requirements exactly as its
known lines say), NOT REPRODUCED (a preset met requirements it is known to
miss), INVALID, skipped. A known line with rate=N% (the bug shows in about N%
of runs) is judged over the runs, never by one: with --repeat, the count of
runs it showed in is tested against N (exact two-sided binomial test). Exit
code 1 for FAIL, INVALID, NOT REPRODUCED of a known bug that shows in every
run, or a count that contradicts a stated rate; a reproduced known bug exits 0.`

func runRun(ctx context.Context, io IO, args []string) int {
	fs := newFlags(io, "run", runSynopsis)
	var c commonFlags
	c.register(fs, "all", "auto")
	pos, code, ok := parseOrExit(io, fs, args)
	if !ok {
		return code
	}
	advs, sh, err := c.validate()
	if err == nil && len(pos) == 0 {
		err = usagef("no scenario given (built-in names: leaderfault list)")
	}
	if err != nil {
		return fail(io, "run", err)
	}
	scs, err := loadScenarios(pos)
	if err != nil {
		return fail(io, "run", err)
	}
	jobs := sh.take(planRuns(scs, nil, advs, c.repeat))
	if c.dryRun {
		printPlan(io, jobs)
		return ExitOK
	}
	if err := prepareReleases(ctx, io, jobs); err != nil {
		return fail(io, "run", err)
	}
	res := execute(ctx, io, jobs, c.runOptions())
	rep := newReport("run", args, sh, res.runs)
	// Reports first, so that the summary table and the tally of verdicts
	// are the last things printed.
	werr := writeOutputs(io, rep, c.json, c.html, c.quiet)
	printRunReport(io.Stdout, rep, c.timeline, c.repeat)
	if werr != nil {
		return fail(io, "run", werr)
	}
	if res.interrupted {
		fmt.Fprintln(io.Stderr, "leaderfault run: interrupted; the report has the runs that finished")
	}
	return exitCode(res.runs, res.interrupted)
}

// printRunReport prints timelines and run summaries, then per-expectation
// statistics for repeats, and ends with the summary table.
func printRunReport(w io.Writer, rep *report.Report, timeline string, repeat int) {
	for _, r := range rep.Runs {
		mode := timeline
		if mode == "auto" {
			mode = "condensed"
			if r.Result() == report.VerdictPass || (repeat > 1 && !unexpected(r)) {
				mode = "none"
			}
		}
		if mode == "none" {
			continue
		}
		fmt.Fprintf(w, "=== %s — %s\n", r.Title(), r.Description)
		if r.Skipped == "" {
			report.WriteTimeline(w, r, mode == "condensed")
		}
		report.WriteRunSummary(w, r)
		fmt.Fprintln(w)
	}
	if repeat > 1 {
		for _, a := range rep.Aggregates {
			if a.Runs-a.Skipped > 1 {
				report.WriteExpectationStats(w, a)
				fmt.Fprintln(w)
			}
		}
	}
	if len(rep.Runs) == 0 {
		fmt.Fprintln(w, "no runs")
		return
	}
	fmt.Fprintln(w, report.TableLegend)
	fmt.Fprintln(w)
	report.WriteSummaryTable(w, rep.Aggregates)
	fmt.Fprintln(w)
	var why strings.Builder
	report.WriteWhy(&why, rep.Aggregates)
	if why.Len() > 0 {
		fmt.Fprintln(w, why.String())
	}
	if hasRateTests(rep.Aggregates) {
		report.WriteRateTests(w, rep.Aggregates)
		fmt.Fprintln(w)
	}
	printFastNote(w, rep)
	printTally(w, rep.Runs)
}

// printPlan prints the runs a --dry-run would make, one a line, and their
// count.
func printPlan(io IO, jobs []job) {
	for _, j := range jobs {
		fmt.Fprintln(io.Stdout, j)
	}
	fmt.Fprintf(io.Stdout, "%d run(s); --dry-run: nothing started\n", len(jobs))
}

// hasRateTests reports whether a group has a known line with a rate.
func hasRateTests(aggs []report.Aggregate) bool {
	for _, a := range aggs {
		for _, e := range a.Expectations {
			if e.RateTest != nil {
				return true
			}
		}
	}
	return false
}

// commandLine is how the report records the command.
func commandLine(name string, args []string) string {
	return strings.TrimSpace("leaderfault " + name + " " + strings.Join(args, " "))
}
