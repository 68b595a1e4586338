package cli

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/advancer/external"
	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

// leaderfaultCommand finds a leaderfault command line in the docs: after
// "go run ./cmd/leaderfault", "bin/leaderfault" (any build) or a prompt's
// "leaderfault", up to the end of the line or of the code span.
var leaderfaultCommand = regexp.MustCompile("(?:go run \\./cmd/leaderfault|(?:\\./)?bin/leaderfault(?:-etcd[0-9.]+)?|^\\$ leaderfault|^leaderfault)\\s+([^`]*)")

// docCommands returns every leaderfault command line quoted in path, in
// code blocks (backslash continuations joined) and in code spans, each with
// its line number.
func docCommands(t *testing.T, path string) map[int]string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[int]string{}
	lines := strings.Split(string(b), "\n")
	inBlock := false
	for i := 0; i < len(lines); i++ {
		line, at := lines[i], i+1
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		var texts []string
		if inBlock {
			for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
				i++
				line = strings.TrimSuffix(line, "\\") + " " + strings.TrimSpace(lines[i])
			}
			line, _, _ = strings.Cut(line, " #") // a comment after the command
			texts = []string{strings.TrimSpace(line)}
		} else {
			// A code span may go on over the next lines.
			for strings.Count(line, "`")%2 == 1 && i+1 < len(lines) && lines[i+1] != "" {
				i++
				line += " " + lines[i]
			}
			spans := strings.Split(line, "`")
			for j := 1; j < len(spans); j += 2 {
				texts = append(texts, spans[j])
			}
		}
		for _, text := range texts {
			if strings.Contains(text, "go build") {
				continue // building the binary, not running it
			}
			if m := leaderfaultCommand.FindStringSubmatch(text); m != nil {
				out[at] = strings.TrimSpace(m[1])
			}
		}
	}
	return out
}

// Every leaderfault command the README and the guides quote runs as
// written: run and sweep with --dry-run (flags, scenarios, presets, knobs
// and output paths checked, nothing started), list and help as they are.
// Placeholders (<scenario>, N, i/n) and the commands that read reports
// (merge, compare), the machine checks (doctor) and builds (etcd) are only
// checked for their command name.
func TestEveryQuotedCommandRuns(t *testing.T) {
	root, err := filepath.Abs("../../../..")
	require.NoError(t, err)
	files := []string{filepath.Join(root, "README.md")}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	files = append(files, docs...)

	// The guides' files: a scenario file of one's own, the etcdctl adapter
	// that make etcdctl builds.
	dir := t.TempDir()
	_, src, err := catalog.Source("leader-transfer")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "my.scn"), src, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "bin"), 0o755))
	for _, exe := range []string{"etcdctl-adapter", "etcdctl-3.5", "etcdctl-3.7"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", exe), []byte("#!/bin/sh\nexit 1\n"), 0o755))
	}
	t.Chdir(dir)

	checked := 0
	for _, f := range files {
		for line, cmd := range docCommands(t, f) {
			where := filepath.Base(f) + ":" + strconv.Itoa(line) + ": leaderfault " + cmd
			if strings.ContainsAny(cmd, "<>$*") {
				continue // a placeholder, a CI system's variable, a glob
			}
			_, argv, ok := external.Argv(cmd)
			require.True(t, ok, where)
			if len(argv) > 0 && (argv[0] == "--etcd" || strings.HasPrefix(argv[0], "--etcd=")) {
				argv = argv[min(len(argv), 2):] // the line switch re-executes another build
			}
			require.NotEmpty(t, argv, where)
			name := argv[0]
			if name != "help" {
				assert.Contains(t, commandNames(), name, where)
			}
			if slices.ContainsFunc(argv, func(a string) bool { return a == "N" || a == "n" || a == "i/n" || a == "..." }) ||
				name == "merge" || name == "compare" || name == "judge" || name == "doctor" || name == "etcd" {
				continue
			}
			if name == "run" || name == "sweep" {
				argv = append(argv, "--dry-run")
			}
			r := invoke(t, argv...)
			assert.Equal(t, ExitOK, r.code, "%s\nstdout: %s\nstderr: %s", where, r.stdout, r.stderr)
			checked++
		}
	}
	t.Logf("%d quoted commands ran", checked)
	assert.Greater(t, checked, 15, "the docs quote commands")
}

// The run flags table of docs/guide-reproduce.md names every flag of run,
// and only those.
func TestRunFlagsTableIsComplete(t *testing.T) {
	b, err := os.ReadFile("../../../../docs/guide-reproduce.md")
	require.NoError(t, err)
	_, table, ok := strings.Cut(string(b), "## `run` flags")
	require.True(t, ok)
	table, _, _ = strings.Cut(table, "\n\n\n")
	table, _, _ = strings.Cut(strings.TrimSpace(table), "\n\n")
	documented := map[string]bool{}
	for _, row := range strings.Split(table, "\n") {
		first, _, _ := strings.Cut(strings.TrimPrefix(row, "| "), " | ")
		for _, m := range regexp.MustCompile("`--?([a-z-]+)").FindAllStringSubmatch(first, -1) {
			documented[m[1]] = true
		}
	}
	var c commonFlags
	fs := newFlags(IO{Stderr: &strings.Builder{}}, "run", runSynopsis)
	c.register(fs, "all", "auto")
	fs.VisitAll(func(f *flag.Flag) {
		assert.True(t, documented[f.Name], "run --%s is missing from guide-reproduce.md's flags table", f.Name)
		delete(documented, f.Name)
	})
	assert.Empty(t, documented, "flags in the table that run does not have")
}

// The README's sample of make repro's output is what the tool prints for
// the recorded report testdata/repro.json (a real make repro run): merge
// prints the same summary table, rows under it and tally as run does.
func TestREADMEShowsTheReproductionAsPrinted(t *testing.T) {
	r := invoke(t, "merge", "testdata/repro.json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	readme, err := os.ReadFile("../../../../README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), "```\n"+r.stdout+"```\n",
		"README.md must quote `leaderfault merge cmd/leaderfault/internal/cli/testdata/repro.json` exactly")
	rep, err := report.ReadFile("testdata/repro.json")
	require.NoError(t, err)
	assert.Equal(t, "leaderfault run leader-disk-stall --advancer all --json /work/repro.json --quiet", rep.Command, "a make repro run")
}
