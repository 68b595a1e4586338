package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/scenarios"
)

// runOptions are the flags that apply to every run of a plan.
type runOptions struct {
	seed    int64
	scale   float64
	quiet   bool
	steps   bool // a line per script step on stderr
	verbose bool // etcd's warnings of failed runs on stderr
}

// executeResult is what executing a plan produced.
type executeResult struct {
	runs        []report.Run
	interrupted bool
}

// execute runs the jobs one after another — never in parallel: runs
// measure latencies, and two clusters on this machine's two cores would
// distort each other — with progress on stderr.
func execute(ctx context.Context, io IO, jobs []job, o runOptions) executeResult {
	var res executeResult
	p := newProgress(io, o.quiet, len(jobs))
	p.steps = o.steps
	defer p.close()
	for n, j := range jobs {
		if ctx.Err() != nil {
			res.interrupted = true
			break
		}
		p.start(n+1, j.String())
		opts := scenarios.Options{
			Preset: j.preset, Seed: o.seed, Scale: o.scale, Knobs: j.knobs,
			// A sweep setting is held to the requirements, known bugs or not.
			RequirementsOnly: len(j.knobs) > 0,
			OnStep: func(line int, text string, elapsed time.Duration) { p.step(line, text) },
		}
		if o.verbose {
			opts.Logf = logTo(p, io.Stderr)
		}
		r, err := scenarios.Run(ctx, j.scenario.script, opts)
		if r == nil {
			// Only options the plan validated can fail this way.
			r = &scenarios.Result{Scenario: j.scenario.script.Name, Advancer: j.preset,
				Failures: []string{fmt.Sprint(err)}}
		}
		if ctx.Err() != nil && !errors.Is(err, scenarios.ErrSkip) {
			res.interrupted = true
		}
		run := report.FromResult(r, report.Origin{Job: j.index, Repeat: j.repeat, File: j.scenario.file, Knobs: j.knobs})
		p.done(n+1, run)
		if res.interrupted {
			// A run cut short by Ctrl-C is not a result.
			break
		}
		res.runs = append(res.runs, run)
	}
	return res
}

// logTo prints etcd's warnings on stderr above the progress line.
func logTo(p *progress, w io.Writer) func(string, ...any) {
	return func(format string, args ...any) {
		p.above(func() { fmt.Fprintf(w, "  etcd: "+format+"\n", args...) })
	}
}

// exitCode is 0 when every run that ran passed, 1 otherwise; 130 when
// interrupted. Skipped runs count neither way.
func exitCode(runs []report.Run, interrupted bool) int {
	if interrupted {
		return ExitInterrupted
	}
	for _, r := range runs {
		if r.Skipped == "" && !r.Passed {
			return ExitFailed
		}
	}
	return ExitOK
}
