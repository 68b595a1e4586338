package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/runner"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

const listSynopsis = `[scenarios|faults|points|presets|knobs]...

Lists the built-in scenarios (with their descriptions), the faults a script
can inject, the fault points a script can arm, the advancer presets and the
advancer knobs (for advancer lines and sweeps). Without arguments, all of
them.`

// listSections are the sections of "list", in print order.
var listSections = []struct {
	name  string
	print func(io.Writer) error
}{
	{"scenarios", listScenarios},
	{"faults", listFaults},
	{"points", listPoints},
	{"presets", listPresets},
	{"knobs", listKnobs},
}

func runList(_ context.Context, io IO, args []string) int {
	fs := newFlags(io, "list", listSynopsis)
	pos, code, ok := parseOrExit(io, fs, args)
	if !ok {
		return code
	}
	var names []string
	for _, s := range listSections {
		names = append(names, s.name)
	}
	if len(pos) == 0 {
		pos = names
	}
	for _, p := range pos {
		found := false
		for _, s := range listSections {
			if s.name == p {
				found = true
			}
		}
		if !found {
			return fail(io, "list", usagef("unknown section %q%s; sections: %s", p, suggest(p, names), strings.Join(names, ", ")))
		}
	}
	first := true
	for _, s := range listSections {
		for _, p := range pos {
			if p != s.name {
				continue
			}
			if !first {
				fmt.Fprintln(io.Stdout)
			}
			first = false
			if err := s.print(io.Stdout); err != nil {
				return fail(io, "list", err)
			}
		}
	}
	return ExitOK
}

func listScenarios(w io.Writer) error {
	fmt.Fprintln(w, "scenarios (leaderfault run <name>):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, name := range catalog.Names() {
		l, err := loadScenario(name)
		if err != nil {
			return err
		}
		desc := l.script.Description
		if needsDisk(l) {
			desc += " [needs FUSE]"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, desc)
	}
	return tw.Flush()
}

func listFaults(w io.Writer) error {
	fmt.Fprintln(w, "faults (fault <kind> target=leader|follower|follower:N|mN|all|quorum|pinned|watched [params]):")
	for _, e := range runner.FaultCatalog {
		fmt.Fprintf(w, "  %s\n", e.Usage())
		report.WriteWrapped(w, "      ", e.Description)
	}
	return nil
}

func listPoints(w io.Writer) error {
	fmt.Fprintln(w, "fault points (failpoint <name> <term>, e.g. sleep(500), pause, 3*return(true)):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\t%s\n", harness.PointLeaderTransfer, `evaluated every raft tick; return("follower"|"any"|"<member>") moves leadership`)
	for _, site := range []string{"write", "fsync", "read", "open"} {
		fmt.Fprintf(tw, "  mN/disk-%s\tthe %s sites of member N's data dir (needs cluster disk=true)\n", site, site)
	}
	for _, p := range model.Points() {
		fmt.Fprintf(tw, "  %s\t%s\n", p.Name, p.Description)
	}
	return tw.Flush()
}

var presetSummaries = map[string]string{
	model.PresetLegacy:  "BR before pingcap/tidb PR #69047: plain watch, gRPC default backoff 1s→120s, no idle guard",
	model.PresetPR69047: "BR with PR #69047: require-leader watch, progress requests, 90s idle timeout, backoff max 3s",
	model.PresetRobust:  "leaderfault's design: quorum-read guard moves a stale watch, backoff 100ms→1s",
	model.PresetPD:      "tikv/pd's LoopWatcher (progress every 1s, rebuild after 10s silence) + health checker (probe every 10s, re-point endpoints)",
}

func listPresets(w io.Writer) error {
	fmt.Fprintln(w, "advancer presets (--advancer; durations in production units, divided by --scale):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range model.Presets() {
		fmt.Fprintf(tw, "  %s\t%s\n", p, presetSummaries[p])
	}
	return tw.Flush()
}

func listKnobs(w io.Writer) error {
	fmt.Fprintln(w, "advancer knobs (advancer <knob>=<value>, sweep --vary <knob>=v1,v2; production units; -: the preset's design does not read it):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  knob\t%s\t\n", strings.Join(model.Presets(), "\t"))
	for _, k := range model.Knobs() {
		fmt.Fprintf(tw, "  %s", k.Name)
		for _, p := range model.Presets() {
			cfg, err := model.Preset(p)
			if err != nil {
				return err
			}
			v, err := cfg.Get(k.Name)
			if err != nil {
				return err
			}
			if !slices.Contains(k.ReadBy, cfg.Design) {
				v = "-" // its design does not read it
			}
			fmt.Fprintf(tw, "\t%s", v)
		}
		fmt.Fprintf(tw, "\t%s\n", k.Doc)
	}
	return tw.Flush()
}
