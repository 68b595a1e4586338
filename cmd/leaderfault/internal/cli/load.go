package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/leaderfault/leaderfault/runner"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/incident"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// scriptError wraps a scenario script's parse errors (each file:line: ...):
// exit code 2.
type scriptError struct{ err error }

func (e scriptError) Error() string { return e.err.Error() }
func (e scriptError) Unwrap() error { return e.err }

// loaded is a parsed scenario and where it came from.
type loaded struct {
	script *script.Script
	file   string // path for scenarios given as files; "" for the catalog
}

// loadScenarios resolves each argument to a built-in scenario (by name;
// "all" for the whole catalog, "incident" for the incident tier) or a scenario file (by path: it exists,
// contains a slash or ends in .scn) and parses it. Every argument is tried; all problems are reported together.
func loadScenarios(args []string) ([]loaded, error) {
	var out []loaded
	var errs []error
	seen := map[string]bool{}
	for _, arg := range args {
		names := splitList(arg)
		switch {
		case arg == "all" && !isPath(arg):
			names = catalog.Names()
		case arg == "incident" && !isPath(arg):
			names = incident.Names()
		}
		for _, a := range names {
			if seen[a] {
				continue
			}
			seen[a] = true
			l, err := loadScenario(a)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, l)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func loadScenario(arg string) (loaded, error) {
	if isPath(arg) {
		sc, err := runner.ParseFile(arg)
		var list script.ErrorList
		switch {
		case errors.As(err, &list):
			return loaded{}, scriptError{withPath(list, arg)}
		case errors.Is(err, fs.ErrNotExist):
			return loaded{}, usagef("scenario file %s does not exist", arg)
		case err != nil:
			return loaded{}, usagef("scenario file %s: %v", arg, err)
		}
		return loaded{script: sc, file: arg}, nil
	}
	src, err := fs.ReadFile(catalog.FS(), arg+".scn")
	if err != nil {
		// Not in the catalog: the incident tier (long runs, not in make test).
		src, err = fs.ReadFile(incident.FS(), arg+".scn")
	}
	if err != nil {
		known := append(catalog.Names(), incident.Names()...)
		return loaded{}, usagef("unknown scenario %q%s (built-in: %s; incident tier: %s, or \"incident\" for all; or give a file path)",
			arg, suggest(arg, known), strings.Join(catalog.Names(), ", "), strings.Join(incident.Names(), ", "))
	}
	sc, err := runner.Parse(arg+".scn", src)
	if err != nil {
		return loaded{}, scriptError{fmt.Errorf("built-in scenario: %w", err)}
	}
	return loaded{script: sc}, nil
}

// withPath names errors by the path the user gave rather than the base
// name the parser knows.
func withPath(list script.ErrorList, path string) error {
	out := make(script.ErrorList, len(list))
	for i, e := range list {
		c := *e
		c.File = path
		out[i] = &c
	}
	return out
}

func isPath(arg string) bool {
	if strings.ContainsRune(arg, filepath.Separator) || strings.HasSuffix(arg, ".scn") {
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && !st.IsDir()
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
