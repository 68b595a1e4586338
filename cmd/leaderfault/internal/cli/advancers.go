package cli

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/external"
	"github.com/leaderfault/leaderfault/advancer/model"
)

// advSpec is one advancer of a plan: a preset (command "") or an exec
// plug-in, named "exec:NAME", that runs command (external.Command).
type advSpec struct {
	name    string
	command string
}

func (a advSpec) String() string { return a.name }

// isExec reports whether a is an out-of-process plug-in.
func (a advSpec) isExec() bool { return a.command != "" }

// advancer returns the plug-in to run, nil for a preset.
func (a advSpec) advancer() advancer.Advancer {
	if !a.isExec() {
		return nil
	}
	return external.Command(a.name, a.command)
}

func presetSpecs(names ...string) []advSpec {
	var out []advSpec
	for _, n := range names {
		out = append(out, advSpec{name: n})
	}
	return out
}

// advancerFlag is --advancer: repeatable, each value a comma-separated list
// of presets, "all", and exec:[NAME=]COMMAND items.
type advancerFlag struct {
	def    string
	values []string
}

func (f *advancerFlag) String() string {
	if f == nil {
		return ""
	}
	if len(f.values) == 0 {
		return f.def
	}
	return strings.Join(f.values, " ")
}

func (f *advancerFlag) Set(v string) error { f.values = append(f.values, v); return nil }

// given is the flag's values, or its default when it was not set.
func (f *advancerFlag) given() []string {
	if len(f.values) == 0 {
		return []string{f.def}
	}
	return f.values
}

const advancerUsage = "advancers: a comma-separated list of presets (legacy, pr69047, robust, pd, all) " +
	"and out-of-process plug-ins exec:[NAME=]COMMAND (docs/exec-protocol.md; an exec: item takes the rest of the value, " +
	"commas included; repeat --advancer for several; named exec:NAME, else after the command's program)"

// execName is a NAME= in exec:NAME=COMMAND.
var execName = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)=`)

// parseAdvancers reads the --advancer values: presets, "all" (every
// preset) and exec: plug-ins, duplicates dropped, in order.
func parseAdvancers(values []string) ([]advSpec, error) {
	var out []advSpec
	seen := map[string]advSpec{}
	add := func(a advSpec) error {
		if prev, ok := seen[a.name]; ok {
			if prev == a {
				return nil
			}
			return usagef("--advancer: two advancers named %s; name them with exec:NAME=COMMAND", a.name)
		}
		seen[a.name] = a
		out = append(out, a)
		return nil
	}
	for _, v := range values {
		for v = strings.TrimSpace(v); v != ""; {
			item, rest, _ := strings.Cut(v, ",")
			item = strings.TrimSpace(item)
			if strings.HasPrefix(item, "exec:") {
				a, err := parseExec(strings.TrimPrefix(v, "exec:"))
				if err != nil {
					return nil, err
				}
				if err := add(a); err != nil {
					return nil, err
				}
				break
			}
			v = strings.TrimSpace(rest)
			switch {
			case item == "":
			case item == "all":
				for _, p := range model.Presets() {
					_ = add(advSpec{name: p})
				}
			default:
				if _, err := model.Preset(item); err != nil {
					return nil, usagef("--advancer: %v%s (or all, or exec:COMMAND)", err, suggest(item, model.Presets()))
				}
				_ = add(advSpec{name: item})
			}
		}
	}
	if len(out) == 0 {
		return nil, usagef("--advancer: no advancer given; presets: %s (or all), or exec:COMMAND", strings.Join(model.Presets(), ", "))
	}
	return out, nil
}

// parseExec reads what follows exec:, [NAME=]COMMAND, and checks that a
// directly run command's program exists.
func parseExec(v string) (advSpec, error) {
	v = strings.TrimSpace(v)
	var name string
	if m := execName.FindStringSubmatch(v); m != nil {
		name, v = m[1], strings.TrimSpace(v[len(m[0]):])
	}
	if v == "" {
		return advSpec{}, usagef("--advancer exec:: no command given (exec:[NAME=]COMMAND)")
	}
	_, argv, direct := external.Argv(v)
	if direct {
		if _, err := exec.LookPath(argv[0]); err != nil {
			return advSpec{}, usagef("--advancer exec:%s: %v", v, err)
		}
	}
	if name == "" {
		name = programName(v, argv)
	}
	return advSpec{name: "exec:" + name, command: v}, nil
}

// programName is the base name of the command's program: argv[0] when it
// runs directly, else the shell line's first word.
func programName(command string, argv []string) string {
	prog := ""
	if len(argv) > 0 {
		prog = argv[0]
	} else if f := strings.Fields(command); len(f) > 0 {
		prog = strings.Trim(f[0], `'"`)
	}
	if b := filepath.Base(prog); b != "." && b != "/" && b != "" {
		return b
	}
	return fmt.Sprintf("%.20s", command)
}
