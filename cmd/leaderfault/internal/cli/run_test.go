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

	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/runner"
)

// These tests run real scenarios; leader-transfer is the fastest of the
// catalog (a few hundred milliseconds a run).

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestRunPassesAndWritesReports(t *testing.T) {
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"run", "leader-transfer", "--advancer", "robust", "--json", jsonPath, "--html", htmlPath},
		IO{Stdout: &out, Stderr: &errOut, Live: true, Width: 80})
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())

	// A run that passed prints no timeline unless asked: the summary
	// table, and last the runs by verdict.
	stdout := out.String()
	assert.NotContains(t, stdout, "=== leader-transfer / robust")
	assert.Regexp(t, `(?m)^leader-transfer\s+robust\s+pass\s+`, stdout, "the summary table")
	assert.Equal(t, "1 run: 1 pass", lastLine(stdout), "output ends with the tally")

	// Live progress: redrawn in place, then replaced by the outcome.
	stderr := errOut.String()
	assert.Contains(t, stderr, "\r\033[K[1/1] leader-transfer / robust")
	assert.Contains(t, stderr, "[1/1] leader-transfer / robust: pass, recovery ")
	assert.Contains(t, stderr, "wrote "+jsonPath+" (1 runs)")

	rep, err := report.ReadFile(jsonPath)
	require.NoError(t, err)
	require.Len(t, rep.Runs, 1)
	r := rep.Runs[0]
	assert.Equal(t, "leader-transfer", r.Scenario)
	assert.Equal(t, "robust", r.Advancer)
	assert.True(t, r.Passed)
	assert.NotEmpty(t, r.Timeline)
	assert.NotEmpty(t, r.Expectations)
	assert.NotZero(t, r.Seed)
	assert.Equal(t, 1.0, r.Scale, "production time: the preset unscaled")
	assert.Equal(t, "production", r.Profile)
	assert.Equal(t, "leaderfault run leader-transfer --advancer robust --json "+jsonPath+" --html "+htmlPath, rep.Command)

	page, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	assert.Contains(t, string(page), `<svg class="lanes"`)
}

func TestRunWithAFailedExpectationExits1(t *testing.T) {
	inProcess(t)
	path := filepath.Join(t.TempDir(), "impossible.scn")
	// A healthy cluster and a robust advancer: it never stalls.
	require.NoError(t, os.WriteFile(path, []byte(`scenario impossible "expects a stall that cannot happen"
cluster members=3
writer every=20ms
advancer watch-on=leader
expect stall for 300ms
`), 0o644))
	r := invoke(t, "run", path, "--advancer", "robust", "--quiet", "--seed", "5", "--time", "script")
	assert.Equal(t, ExitFailed, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Empty(t, r.stderr, "--quiet: no progress")
	assert.Contains(t, r.stdout, "=== impossible / robust — ", "a run that did not pass shows its timeline")
	assert.Regexp(t, `(?m)^  MISSED  line 5: expect stall for 300ms`, r.stdout)
	assert.Regexp(t, `(?m)^impossible\s+robust\s+FAIL\s+`, r.stdout)
	assert.Equal(t, "1 run: 1 FAIL. Exit 1: 1 run(s) FAIL, INVALID or NOT REPRODUCED.", lastLine(r.stdout))
	assert.Contains(t, r.stdout, "(seed 5, scale 10")
	assert.NotContains(t, r.stdout, "\033[", "no terminal control sequences off a terminal")
}

// knownScenario writes a scenario whose requirement robust cannot meet on a
// healthy cluster (a stall), with a known line for robust (it advances
// instead): robust reproduces the "known bug".
func knownScenario(t *testing.T, known string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known.scn")
	require.NoError(t, os.WriteFile(path, []byte(`scenario known "a known deviation on a healthy cluster"
cluster members=3
writer every=20ms
advancer watch-on=leader
`+known+`
`), 0o644))
	return path
}

// TestKnownBugReproducedExits0: a preset that misses a requirement exactly
// as its known line says reproduced a known bug — exit 0, and the output
// says so, never as a pass.
func TestKnownBugReproducedExits0(t *testing.T) {
	inProcess(t)
	path := knownScenario(t, `expect stall for 300ms
known advance within 1s bug="example/repo#1" [robust]`)
	r := invoke(t, "run", path, "--advancer", "robust", "--quiet", "--seed", "5", "--time", "script")
	assert.Equal(t, ExitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "known / robust: known bug reproduced (example/repo#1) (seed 5")
	assert.Regexp(t, `(?m)^  MISSED  line 5: expect stall for 300ms`, r.stdout)
	assert.Regexp(t, `(?m)^  known ≈ line 6: known advance within 1s bug="example/repo#1" \[robust\]`, r.stdout)
	assert.Regexp(t, `(?m)^known\s+robust\s+known bug reproduced \(example/repo#1\)\s+`, r.stdout)
	assert.Equal(t, "1 run: 1 known bug reproduced (example/repo#1). Exit 0: a reproduced known bug is the expected outcome.", lastLine(r.stdout))
}

// TestKnownBugNotReproducedExits1: a preset that meets the requirement it
// is known to miss did not reproduce its bug — exit 1; with a rate below
// 100% that is expected now and then — exit 0.
func TestKnownBugNotReproducedExits1(t *testing.T) {
	inProcess(t)
	path := knownScenario(t, `expect advance within 1s
known stall for 300ms bug="example/repo#2" [robust]`)
	r := invoke(t, "run", path, "--advancer", "robust", "--quiet", "--seed", "5", "--time", "script")
	assert.Equal(t, ExitFailed, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Regexp(t, `(?m)^known\s+robust\s+NOT REPRODUCED \(example/repo#2\)\s+`, r.stdout)
	assert.Contains(t, r.stdout, "  verdict: known bug not reproduced: example/repo#2: met every requirement")

	path = knownScenario(t, `expect advance within 1s
known stall for 300ms bug="example/repo#2" rate=30% [robust]`)
	r = invoke(t, "run", path, "--advancer", "robust", "--quiet", "--seed", "5", "--time", "script")
	assert.Equal(t, ExitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Regexp(t, `(?m)^known\s+robust\s+NOT REPRODUCED \(example/repo#2\)\s+`, r.stdout)
	assert.Contains(t, r.stdout, "\nknown / robust: NOT REPRODUCED (example/repo#2) — expected now and then\n", "under the table")
}

// TestShardsMergeIntoTheWholeRun: two shards of "run --advancer all" (the
// second from a Kubernetes Indexed Job's variables) cover the four presets
// once, and merge puts them back in plan order.
func TestShardsMergeIntoTheWholeRun(t *testing.T) {
	dir := t.TempDir()
	a, b, merged := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "m.json")
	r1 := invoke(t, "run", "leader-transfer", "--shard", "1/2", "--json", a, "--timeline", "none")
	require.Equal(t, ExitOK, r1.code, r1.stderr)
	// The second as a Kubernetes Indexed Job's second pod runs it.
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	t.Setenv("JOB_COMPLETIONS", "2")
	r2 := invoke(t, "run", "leader-transfer", "--shard", "job", "--json", b, "--timeline", "none")
	require.Equal(t, ExitOK, r2.code, r2.stderr)
	assert.Contains(t, r1.stderr, "[2/2] leader-transfer / robust")
	assert.Contains(t, r2.stderr, "[1/2] leader-transfer / pr69047")
	assert.Contains(t, r2.stderr, "[2/2] leader-transfer / pd")
	assert.NotContains(t, r1.stdout, "t(ms)", "--timeline none")

	m := invoke(t, "merge", b, a, "--json", merged)
	require.Equal(t, ExitOK, m.code, m.stderr)
	assert.NotContains(t, m.stderr, "missing")
	rep, err := report.ReadFile(merged)
	require.NoError(t, err)
	var got []string
	for i, r := range rep.Runs {
		assert.Equal(t, i, r.Job)
		got = append(got, r.Advancer)
	}
	assert.Equal(t, []string{"legacy", "pr69047", "robust", "pd"}, got)
	assert.Equal(t, []string{"1/2", "2/2"}, rep.Shards)
	assert.Len(t, rep.Aggregates, 4)

	overlap := invoke(t, "merge", a, a)
	assert.Equal(t, ExitUsage, overlap.code)
	assert.Contains(t, overlap.stderr, "overlapping shards")

	missing := invoke(t, "merge", a)
	assert.Equal(t, ExitOK, missing.code)
	assert.Contains(t, missing.stderr, "warning: shards [2/2] are missing")

	garbage := filepath.Join(dir, "garbage.json")
	require.NoError(t, os.WriteFile(garbage, []byte(`{"runs": [`), 0o644))
	bad := invoke(t, "merge", a, garbage)
	assert.Equal(t, ExitUsage, bad.code)
	assert.Contains(t, bad.stderr, garbage+": not a JSON report")
}

func TestSweepTinyGrid(t *testing.T) {
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.html")
	r := invoke(t, "sweep", "--scenario", "leader-transfer", "--vary", "backoff-max=1s,5s", "--json", jsonPath, "--html", htmlPath)
	require.Equal(t, ExitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "sweep of legacy (backoff-max ∈ {1s, 5s}), 2 runs")
	assert.Regexp(t, `(?m)^scenario\s+backoff-max\s+runs\s+passed\s+recovery p50`, r.stdout)
	assert.Regexp(t, `(?m)^leader-transfer\s+1s\s+1\s+`, r.stdout)
	assert.Regexp(t, `(?m)^leader-transfer\s+5s\s+1\s+`, r.stdout)
	assert.Contains(t, r.stdout, "Reconnect attempts and requests sent are not in the record")

	rep, err := report.ReadFile(jsonPath)
	require.NoError(t, err)
	require.NotNil(t, rep.Sweep)
	assert.Equal(t, report.Sweep{Advancer: "legacy", Scenarios: []string{"leader-transfer"},
		Vary: []report.Vary{{Knob: "backoff-max", Values: []string{"1s", "5s"}}}, Repeat: 1}, *rep.Sweep)
	require.Len(t, rep.Runs, 2)
	assert.Equal(t, map[string]string{"backoff-max": "5s"}, rep.Runs[1].Knobs)
	require.Len(t, rep.Aggregates, 2)

	page, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	assert.Contains(t, string(page), `<figure class="plot">`)
}

func TestDoctorChecksEverything(t *testing.T) {
	r := invoke(t, "doctor")
	assert.Contains(t, []int{ExitOK, ExitFailed}, r.code)
	for _, check := range []string{"loopback", "open-file limit", "root", "FUSE", "etcd cluster", "chromium"} {
		assert.Regexp(t, `(?m)^(ok  |WARN|FAIL)  `+check+` `, r.stdout)
	}
	assert.Regexp(t, `(?m)^ok    loopback `, r.stdout, "this test machine binds 127.0.0.1")
	assert.Regexp(t, `(?m)^ok    etcd cluster +a 3-member embedded cluster started`, r.stdout)
	if r.code == ExitFailed {
		assert.Contains(t, r.stdout, "skipped:")
	}
}

func TestInterruptedRunExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := Main(ctx, []string{"run", "leader-transfer"}, IO{Stdout: &out, Stderr: &errOut})
	assert.Equal(t, ExitInterrupted, code)
	assert.Contains(t, out.String(), "no runs")
	assert.Contains(t, errOut.String(), "interrupted")
}

// inProcess keeps the members of the test's runs in this process whatever
// the suite's backend (runner.ProcessesEnv). The exit-code tests judge a
// healthy cluster at the fast profile, where "no stall of 300 ms" holds in
// process; as processes, on a machine busy with the rest of the suite, it
// did not (the robust preset went 437 ms and 1.25 s without an advance from
// the start of the run, in 2 of 3 runs).
func inProcess(t *testing.T) {
	t.Helper()
	t.Setenv(runner.ProcessesEnv, "")
}
