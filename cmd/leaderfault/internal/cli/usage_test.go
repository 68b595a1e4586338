package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

// cliResult is what one invocation printed and returned.
type cliResult struct {
	code           int
	stdout, stderr string
}

// invoke runs the command line as the binary would, without a terminal.
func invoke(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, IO{Stdout: &out, Stderr: &errOut})
	return cliResult{code, out.String(), errOut.String()}
}

// TestUsageErrors: every bad command line exits 2 with a message saying
// what was wrong, before any cluster starts.
func TestUsageErrors(t *testing.T) {
	t.Setenv(envJobIndex, "") // --shard job reads them
	t.Setenv(envJobCompletions, "")
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: leaderfault <command>"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"rnu"}, `did you mean "run"?`},
		{[]string{"run"}, "no scenario given"},
		{[]string{"run", "leader-transfer", "--bogus"}, "leaderfault run: unknown flag --bogus\n" + `run "leaderfault help run" for usage`},
		{[]string{"run", "leader-transfer", "--repaet", "3"}, `unknown flag --repaet; did you mean "--repeat"?`},
		{[]string{"sweep", "--senario", "leader-transfer"}, `unknown flag --senario; did you mean "--scenario"?`},
		{[]string{"run", "leader-transfer", "--repeat", "x"}, `invalid value "x" for flag --repeat`},
		{[]string{"run", "leader-transfer", "--seed"}, `flag needs an argument: --seed`},
		{[]string{"run", "leader-transfer", "--repeat", "0"}, "--repeat 0: want 1 or more"},
		{[]string{"run", "leader-transfer", "--scale", "-1"}, "--scale -1"},
		{[]string{"run", "leader-transfer", "--jobs", "-1"}, "--jobs -1: want 1 or more"},
		{[]string{"run", "leader-transfer", "--timeline", "some"}, `--timeline "some"`},
		{[]string{"run", "leader-transfer", "--shard", "3/2"}, `--shard "3/2": want i/n with 1 <= i <= n`},
		{[]string{"run", "leader-transfer", "--shard", "0/2"}, `--shard "0/2"`},
		{[]string{"run", "leader-transfer", "--shard", "job"}, `--shard job: want JOB_COMPLETION_INDEX (0 to completions-1) and JOB_COMPLETIONS (1 or more) from a Kubernetes Indexed Job; have "" and ""`},
		{[]string{"run", "leader-transfer", "--advancer", "robst"}, `unknown advancer preset "robst"`},
		{[]string{"run", "leader-transfer", "--advancer", "robst"}, `did you mean "robust"?`},
		{[]string{"run", "leader-transfr"}, `unknown scenario "leader-transfr"; did you mean "leader-transfer"?`},
		{[]string{"run", filepath.Join(dir, "missing.scn")}, "missing.scn does not exist"},
		{[]string{"run", "leader-transfer", "--json", filepath.Join(dir, "no", "r.json")}, "directory " + filepath.Join(dir, "no") + " does not exist"},
		{[]string{"sweep", "--scenario", "leader-transfer"}, "no --vary given"},
		{[]string{"sweep", "--vary", "backoff-max=1s"}, "no scenario given"},
		{[]string{"sweep", "--scenario", "leader-transfer", "--vary", "backof-max=1s"}, `did you mean "backoff-max"?`},
		{[]string{"sweep", "--scenario", "leader-transfer", "--vary", "backoff-max=soon"}, "want a duration like 3s or 100ms"},
		{[]string{"sweep", "--scenario", "leader-transfer", "--vary", "backoff-max"}, "want knob=v1,v2"},
		{[]string{"sweep", "--scenario", "leader-transfer", "--vary", "backoff-max=1s", "--vary", "backoff-max=2s"}, "given twice"},
		{[]string{"sweep", "--scenario", "leader-transfer", "--vary", "backoff-max=300ms"}, "backoff-base 1s / backoff-max 300ms"},
		{[]string{"sweep", "--scenario", "leader-transfer", "--vary", "backoff-max=1s", "--advancer", "all"}, "a sweep runs one preset"},
		{[]string{"sweep", "--scenario", "leader-transfer", "--vary", "guard-interval=1s,2s"}, "advancer knob guard-interval is not read by design br (only by robust)"},
		{[]string{"list", "scenarioz"}, `unknown section "scenarioz"; did you mean "scenarios"?`},
		{[]string{"doctor", "now"}, "doctor takes no arguments"},
		{[]string{"merge"}, "no reports given"},
		{[]string{"run", "leader-transfer", "--time", "slow"}, `--time "slow": want production`},
		{[]string{"compare", "a.json"}, "want two reports (A.json B.json), got 1"},
		{[]string{"compare", filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")}, "a.json"},
		{[]string{"compare", "a.json", "b.json", "--tolerance-et", "-1"}, "--tolerance-et -1"},
		{[]string{"merge", filepath.Join(dir, "missing.json")}, "missing.json"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := invoke(t, tc.args...)
			assert.Equal(t, ExitUsage, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
}

func TestHelp(t *testing.T) {
	r := invoke(t, "help")
	assert.Equal(t, ExitOK, r.code)
	for _, c := range commandNames() {
		assert.Contains(t, r.stdout, "  "+c+" ")
	}
	assert.Contains(t, r.stdout, "exit codes: 0 every run passed (met every requirement) or reproduced a known bug;")
	assert.Contains(t, r.stdout, "NOT REPRODUCE a known bug")

	for _, args := range [][]string{{"run", "-h"}, {"help", "run"}, {"run", "--help"}} {
		r := invoke(t, args...)
		assert.Equal(t, ExitOK, r.code, "%v", args)
		assert.Contains(t, r.stderr, "usage: leaderfault run <scenario name or file>...")
		assert.Contains(t, r.stderr, "\n  --shard i/n")
		assert.NotRegexp(t, `(?m)^  -[a-z]`, r.stderr, "every flag with two dashes")
		assert.Contains(t, r.stderr, "a reproduced known bug exits 0")
	}
	r = invoke(t, "sweep", "-h")
	assert.Contains(t, r.stderr, "  --vary knob=v1,v2,...")
	assert.Regexp(t, `--advancer value\n\s+the one preset whose knobs vary: legacy, pr69047, robust, pd \(`, r.stderr, "sweep runs one preset: its help offers no \"all\"")
}

// TestBadScriptNamesFileAndLine: every problem of a scenario file is
// reported as path:line: message, and the exit code is 2.
func TestBadScriptNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.scn")
	require.NoError(t, os.WriteFile(path, []byte(`scenario bad "broken on purpose"
cluster members=4
writer every=20ms
fault disk-delya target=leader
expect advance within soon
`), 0o644))
	r := invoke(t, "run", path, "--advancer", "robust")
	assert.Equal(t, ExitUsage, r.code)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	require.GreaterOrEqual(t, len(lines), 3, r.stderr)
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "leaderfault run: "+path+":"), "every line names the file and line: %q", l)
	}
	assert.Contains(t, r.stderr, path+":2:")
	assert.Contains(t, r.stderr, path+":4:")
	assert.Contains(t, r.stderr, `"disk-delya"`)
	assert.Contains(t, r.stderr, path+":5:")
	assert.Empty(t, r.stdout, "nothing ran")
}

func TestList(t *testing.T) {
	r := invoke(t, "list")
	require.Equal(t, ExitOK, r.code, r.stderr)
	for _, name := range catalog.Names() {
		assert.Regexp(t, `(?m)^  `+name+` +\S`, r.stdout, "scenario %s with its description", name)
	}
	assert.Contains(t, r.stdout, "leader disk hangs, leadership moves (pingcap/tidb#69048) [needs FUSE]")
	assert.Regexp(t, `(?m)^  client-refuse\n      client connections of the member reset`, r.stdout, "each fault's usage, its description under it")
	assert.Regexp(t, `(?m)^  peer-delay delay=<duration> \[dir=<in\|out\|both>\] \[jitter=<duration>\]$`, r.stdout)
	for _, want := range []string{"faults (fault <kind>", "fault points", "  leader-transfer ",
		"  advancer/skip-progress-request ", "advancer presets", "  pr69047 ", "advancer knobs", "  backoff-max "} {
		assert.Contains(t, r.stdout, want)
	}

	r = invoke(t, "list", "knobs")
	require.Equal(t, ExitOK, r.code)
	assert.Regexp(t, `(?m)^  backoff-max +2m0s +3s +1s +2m0s +gRPC reconnect backoff`, r.stdout, "each preset's value")
	assert.NotContains(t, r.stdout, "scenarios")
}

func TestParseArgsTakesFlagsAnywhere(t *testing.T) {
	fs := newFlags(IO{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}, "t", "")
	n := fs.Int("n", 0, "")
	q := fs.Bool("q", false, "")
	pos, err := parseArgs(fs, []string{"a", "-n", "3", "b", "--q", "--", "-c", "d"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "-c", "d"}, pos)
	assert.Equal(t, 3, *n)
	assert.True(t, *q)
}
