package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/report"
)

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

const sweepSynopsis = `--scenario S... --vary knob=v1,v2,... [--vary ...] [flags]

Runs the cross product of the knob values (any advancer Config knob, see
"leaderfault list knobs") x scenarios x repeats against one advancer preset,
side by side as "run" does (--jobs), and prints per setting how many scenarios met every
requirement (all their runs passed) next to recovery p50 / p99 / max, then
per scenario and setting the runs passed, stalls and advancer errors.
Scenarios may also be given as arguments. A setting is held to the scripts'
requirements, but one far from the preset's is expected to miss some: the exit
code is 1 only for invalid or broken runs (with --strict also for a run that
missed a requirement, as "run" exits).`

func runSweep(ctx context.Context, io IO, args []string) int {
	fs := newFlags(io, "sweep", sweepSynopsis)
	var c commonFlags
	c.register(fs, model.PresetLegacy, "none")
	fs.Lookup("advancer").Usage = "the one preset whose knobs vary: " + strings.Join(model.Presets(), ", ")
	var scenarioArgs, varyArgs multiFlag
	fs.Var(&scenarioArgs, "scenario", "scenario name or file, or a comma-separated list (repeatable)")
	fs.Var(&varyArgs, "vary", "`knob=v1,v2,...`: the values of one advancer knob (repeatable; settings are the cross product)")
	strict := fs.Bool("strict", false, "exit 1 as \"run\" does: when a run FAILed (missed a requirement), was INVALID or NOT REPRODUCED")
	pos, code, ok := parseOrExit(io, fs, args)
	if !ok {
		return code
	}
	advs, sh, err := c.validate()
	if err != nil {
		return fail(io, "sweep", err)
	}
	if len(advs) != 1 {
		return fail(io, "sweep", usagef("--advancer %s: a sweep runs one preset (its knobs are what varies)", c.presets.String()))
	}
	if advs[0].isExec() {
		return fail(io, "sweep", usagef("--advancer %s: a sweep varies a preset's knobs; a plug-in has none", advs[0].name))
	}
	presets := []string{advs[0].name}
	vary, err := parseVary(presets[0], varyArgs)
	if err != nil {
		return fail(io, "sweep", err)
	}
	if err := validateSettings(presets[0], settings(vary)); err != nil {
		return fail(io, "sweep", err)
	}
	names := append(append([]string(nil), scenarioArgs...), pos...)
	if len(names) == 0 {
		return fail(io, "sweep", usagef("no scenario given: --scenario NAME (built-in names: leaderfault list)"))
	}
	scs, err := loadScenarios(names)
	if err != nil {
		return fail(io, "sweep", err)
	}
	jobs := sh.take(planRuns(scs, settings(vary), advs, c.repeat))
	if c.dryRun {
		printPlan(io, jobs)
		return ExitOK
	}
	if err := prepareReleases(ctx, io, jobs); err != nil {
		return fail(io, "sweep", err)
	}
	res := execute(ctx, io, jobs, c.runOptions())
	rep := newReport("sweep", args, sh, res.runs)
	rep.Sweep = &report.Sweep{Advancer: presets[0], Vary: vary, Repeat: c.repeat}
	for _, sc := range scs {
		rep.Sweep.Scenarios = append(rep.Sweep.Scenarios, sc.script.Name)
	}
	werr := writeOutputs(io, rep, c.json, c.html, c.quiet)
	printSweepReport(io.Stdout, rep, c.timeline)
	if werr != nil {
		return fail(io, "sweep", werr)
	}
	if res.interrupted {
		fmt.Fprintln(io.Stderr, "leaderfault sweep: interrupted; the report has the runs that finished")
		return ExitInterrupted
	}
	if *strict {
		return exitCode(res.runs, false)
	}
	return sweepExitCode(res.runs)
}

// sweepExitCode is 1 when a run was invalid or broke (a step failed, an
// invariant broke); failed expectations alone are the sweep's findings.
func sweepExitCode(runs []report.Run) int {
	for _, r := range runs {
		if r.Skipped == "" && (!r.Valid || len(r.Failures) > 0) {
			return ExitFailed
		}
	}
	return ExitOK
}

// parseVary reads the --vary flags and checks every value against the
// preset's Config, so that a typo fails now and not after an hour of runs.
func parseVary(preset string, args []string) ([]report.Vary, error) {
	if len(args) == 0 {
		return nil, usagef("no --vary given: e.g. --vary backoff-max=300ms,1s,3s (knobs: leaderfault list knobs)")
	}
	seen := map[string]bool{}
	var out []report.Vary
	for _, a := range args {
		knob, values, ok := strings.Cut(a, "=")
		knob = strings.TrimSpace(knob)
		if !ok || knob == "" {
			return nil, usagef("--vary %q: want knob=v1,v2,...", a)
		}
		if seen[knob] {
			return nil, usagef("--vary %s: given twice; list every value in one --vary", knob)
		}
		seen[knob] = true
		v := report.Vary{Knob: knob}
		for _, val := range splitList(values) {
			cfg, err := model.Preset(preset)
			if err != nil {
				return nil, usagef("%v", err)
			}
			if err := cfg.Set(knob, val); err != nil {
				return nil, usagef("--vary %s: %v%s", knob, err, suggest(knob, model.KnobNames()))
			}
			v.Values = append(v.Values, val)
		}
		if len(v.Values) == 0 {
			return nil, usagef("--vary %s: no values", knob)
		}
		out = append(out, v)
	}
	return out, nil
}

// validateSettings checks each setting as a whole against the preset
// (backoff-max below the preset's backoff-base is a valid value but an
// invalid config).
func validateSettings(preset string, sets []map[string]string) error {
	for _, set := range sets {
		cfg, err := model.Preset(preset)
		if err != nil {
			return usagef("%v", err)
		}
		for k, v := range set {
			if err := cfg.Set(k, v); err != nil {
				return usagef("%v", err)
			}
		}
		if err := cfg.Validate(); err != nil {
			return usagef("setting %s: %v", knobsText(set), err)
		}
		if err := model.CheckKnobsRead(cfg.Design, slices.Sorted(maps.Keys(set))); err != nil {
			return usagef("--vary: %v (leaderfault list knobs)", err)
		}
	}
	return nil
}

// settings is the cross product of the vary values, the first knob
// varying slowest.
func settings(vary []report.Vary) []map[string]string {
	out := []map[string]string{{}}
	for _, v := range vary {
		var next []map[string]string
		for _, base := range out {
			for _, val := range v.Values {
				s := make(map[string]string, len(base)+1)
				for k, x := range base {
					s[k] = x
				}
				s[v.Knob] = val
				next = append(next, s)
			}
		}
		out = next
	}
	return out
}

func printSweepReport(w io.Writer, rep *report.Report, timeline string) {
	if timeline == "condensed" || timeline == "full" || timeline == "auto" {
		for _, r := range rep.Runs {
			if timeline == "auto" && !unexpected(r) {
				continue
			}
			fmt.Fprintf(w, "=== %s — %s\n", r.Title(), r.Description)
			report.WriteTimeline(w, r, timeline != "full")
			report.WriteRunSummary(w, r)
			fmt.Fprintln(w)
		}
	}
	if len(rep.Runs) == 0 {
		fmt.Fprintln(w, "no runs")
		return
	}
	fmt.Fprintf(w, "sweep of %s (%s), %d runs\n", rep.Sweep.Advancer, varyText(rep.Sweep.Vary), len(rep.Runs))
	report.WriteSweepTable(w, rep)
	fmt.Fprintln(w)
	fmt.Fprintln(w, report.SweepNote)
}

func varyText(vs []report.Vary) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Knob + " ∈ {" + strings.Join(v.Values, ", ") + "}"
	}
	return strings.Join(parts, " × ")
}
