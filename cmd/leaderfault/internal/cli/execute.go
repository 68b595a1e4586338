package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/runner"
)

// runOptions are the flags that apply to every run of a plan.
type runOptions struct {
	seed    int64
	scale   float64
	time    string // --time: a profile name, or "" for the script's own time
	jobs    int    // --jobs: at most this many runs at once; 0: as admission allows
	quiet   bool
	steps   bool // a line per script step on stderr
	verbose bool // etcd's warnings of failed runs on stderr
}

// executeResult is what executing a plan produced.
type executeResult struct {
	runs        []report.Run
	interrupted bool
}

// execute starts the jobs side by side, at most o.jobs at once (0: every
// one), each waiting for the machine's admission (package admission: by
// measured headroom, so that runs do not distort each other's latencies),
// with progress on stderr; the runs come back in plan order.
func execute(ctx context.Context, io IO, jobs []job, o runOptions) executeResult {
	p := newProgress(io, o.quiet, len(jobs))
	p.steps = o.steps
	defer p.close()
	limit := o.jobs
	if limit <= 0 {
		limit = max(len(jobs), 1)
	}
	type outcome struct {
		run         report.Run
		interrupted bool
	}
	got := make([]*outcome, len(jobs))
	turns := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for n, j := range jobs {
		select {
		case turns <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		p.start(n+1, j.String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-turns }()
			run, interrupted := executeJob(ctx, io, p, n+1, j, o)
			got[n] = &outcome{run, interrupted}
		}()
	}
	wg.Wait()
	res := executeResult{interrupted: ctx.Err() != nil}
	for _, g := range got {
		switch {
		case g == nil:
		case g.interrupted:
			// A run cut short by Ctrl-C is not a result.
			res.interrupted = true
		default:
			res.runs = append(res.runs, g.run)
		}
	}
	return res
}

// executeJob runs job j, number n of the plan, and reports whether Ctrl-C
// cut it short.
func executeJob(ctx context.Context, io IO, p *progress, n int, j job, o runOptions) (report.Run, bool) {
	opts := runner.Options{
		Preset: j.preset, Seed: o.seed, Scale: o.scale, Knobs: j.knobs,
		// A sweep setting is held to the requirements, known bugs or not.
		RequirementsOnly: len(j.knobs) > 0,
		Release:          processRelease(ctx),
		OnStep:           func(line int, text string, elapsed time.Duration) { p.step(n, line, text) },
	}
	opts.Time = o.time
	var err error
	// An exec plug-in (named exec:NAME, never a preset's name) is held
	// to the requirements alone.
	opts.Advancer = j.adv.advancer()
	if o.verbose {
		opts.Logf = func(format string, args ...any) { p.log(n, fmt.Sprintf("  etcd: "+format+"\n", args...)) }
	}
	var r *runner.Result
	if err == nil {
		r, err = runner.Run(ctx, j.scenario.script, opts)
	}
	if r == nil {
		// Only options the plan validated can fail this way, and Ctrl-C
		// while the run waited for admission.
		r = &runner.Result{Scenario: j.scenario.script.Name, Advancer: j.preset,
			Failures: []string{fmt.Sprint(err)}}
	}
	interrupted := ctx.Err() != nil && !errors.Is(err, runner.ErrSkip)
	run := r.Report(report.Origin{Job: j.index, Repeat: j.repeat, File: j.scenario.file, Knobs: j.knobs})
	p.done(n, run)
	return run, interrupted
}

// exitCode is 1 when a run needs a person: it failed (missed a requirement,
// not in a known way), was INVALID, or did not reproduce a known bug that
// shows in every run; or when a known line's count over the runs
// contradicts its stated rate (report.Aggregate.RateFailures); 0 otherwise
// — a reproduced known bug is the expected outcome of a reproduction, and a
// known bug that shows only in some runs is expected to be missing now and
// then. 130 when interrupted. Skipped runs count neither way.
func exitCode(runs []report.Run, interrupted bool) int {
	if interrupted {
		return ExitInterrupted
	}
	for _, r := range runs {
		if unexpected(r) {
			return ExitFailed
		}
	}
	if len(rateFailures(runs)) > 0 {
		return ExitFailed
	}
	return ExitOK
}

// rateFailures are the known lines whose count over runs contradicts their
// stated rate, one message each.
func rateFailures(runs []report.Run) []string {
	var out []string
	for _, a := range report.Summarize(runs) {
		out = append(out, a.RateFailures...)
	}
	return out
}

// unexpected reports whether a run's verdict makes the command exit 1.
func unexpected(r report.Run) bool {
	switch r.Result() {
	case report.VerdictPass, report.VerdictKnownBug, report.VerdictSkipped:
		return false
	case report.VerdictNotReproduced:
		return !r.Sometimes
	}
	return true
}

// printTally ends a run's output with its runs by verdict (known bugs
// reproduced included), the stated rates their counts contradict, and what
// the exit code will be.
func printTally(w io.Writer, runs []report.Run) {
	if len(runs) == 0 {
		return
	}
	t := report.TallyRuns(runs)
	line := t.String()
	var bad int
	for _, r := range runs {
		if unexpected(r) {
			bad++
		}
	}
	rates := rateFailures(runs)
	for _, f := range rates {
		fmt.Fprintf(w, "rate FAIL: %s\n", f)
	}
	switch {
	case bad > 0 || len(rates) > 0:
		var why []string
		if bad > 0 {
			why = append(why, fmt.Sprintf("%d run(s) FAIL, INVALID or NOT REPRODUCED", bad))
		}
		if len(rates) > 0 {
			why = append(why, fmt.Sprintf("%d known line(s) shown in a share of runs their stated rate contradicts", len(rates)))
		}
		line += ". Exit 1: " + strings.Join(why, "; ") + "."
	case t.KnownBug > 0 || t.NotReproduced > 0:
		line += ". Exit 0: a reproduced known bug is the expected outcome"
		if t.NotReproduced > 0 {
			line += ", and known bugs that show only in some runs may not reproduce"
		}
		line += "."
	}
	fmt.Fprintln(w, line)
}
