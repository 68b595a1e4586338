package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
)

func TestParseAdvancers(t *testing.T) {
	got, err := parseAdvancers([]string{"legacy, robust,legacy", "exec:a=sh -c 'echo a, b',x", "exec:true --flag", "all"})
	require.NoError(t, err)
	assert.Equal(t, []advSpec{
		{name: "legacy"}, {name: "robust"},
		{name: "exec:a", command: "sh -c 'echo a, b',x"},
		{name: "exec:true", command: "true --flag"},
		{name: "pr69047"}, {name: "pd"},
	}, got, "an exec: item takes the rest of the value; all adds the presets not given yet")

	got, err = parseAdvancers([]string{"exec:cat < /dev/null | true"})
	require.NoError(t, err)
	assert.Equal(t, []advSpec{{name: "exec:cat", command: "cat < /dev/null | true"}}, got, "a shell line is named after its first word")

	for _, tc := range []struct {
		values []string
		want   string
	}{
		{[]string{"exec:"}, "no command given"},
		{[]string{"exec:name=  "}, "no command given"},
		{[]string{"exec:/nonexistent/client -x"}, `--advancer exec:/nonexistent/client -x: exec: "/nonexistent/client"`},
		{[]string{"exec:true", "exec:true -x"}, "two advancers named exec:true; name them with exec:NAME=COMMAND"},
		{[]string{"robst"}, `unknown advancer preset "robst"`},
		{[]string{","}, "no advancer given"},
	} {
		_, err := parseAdvancers(tc.values)
		assert.ErrorContains(t, err, tc.want, "%q", tc.values)
	}
}

func TestExecAdvancerUsageErrors(t *testing.T) {
	r := invoke(t, "sweep", "--scenario", "leader-transfer", "--vary", "backoff-max=1s", "--advancer", "exec:true")
	assert.Equal(t, ExitUsage, r.code)
	assert.Contains(t, r.stderr, "--advancer exec:true: a sweep varies a preset's knobs; a plug-in has none")

	r = invoke(t, "run", "leader-transfer", "--advancer", "exec:bin/no-such-client")
	assert.Equal(t, ExitUsage, r.code)
	assert.Contains(t, r.stderr, `exec: "bin/no-such-client"`)

	r = invoke(t, "run", "-h")
	assert.Contains(t, r.stderr, "exec:[NAME=]COMMAND")
}

// TestStockEtcdctlAsExecAdvancer runs a catalog scenario with two real
// clients nobody here wrote, etcdctl v3.5.35 and v3.7.3 ("make etcdctl"
// builds them and the adapter), through the CLI: each run must be carried
// out and judged. Pass and FAIL are both findings; INVALID or an error are
// not.
func TestStockEtcdctlAsExecAdvancer(t *testing.T) {
	root, err := filepath.Abs("../../../..")
	require.NoError(t, err)
	bin := filepath.Join(root, "bin")
	for _, name := range []string{"etcdctl-adapter", "etcdctl-3.5", "etcdctl-3.7"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			t.Skipf("%s not built (make etcdctl): %v", filepath.Join(bin, name), err)
		}
	}
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	args := []string{"run", "leader-transfer", "--json", jsonPath, "--timeline", "none"}
	for _, v := range []string{"3.5", "3.7"} {
		args = append(args, "--advancer", "exec:etcdctl-"+v+"="+filepath.Join(bin, "etcdctl-adapter")+" -etcdctl "+filepath.Join(bin, "etcdctl-"+v))
	}
	r := invoke(t, args...)
	assert.Contains(t, []int{ExitOK, ExitFailed}, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	rep, err := report.ReadFile(jsonPath)
	require.NoError(t, err, r.stderr)
	require.Len(t, rep.Runs, 2)
	for i, v := range []string{"3.5", "3.7"} {
		run := rep.Runs[i]
		assert.Equal(t, "exec:etcdctl-"+v, run.Advancer)
		assert.Contains(t, []string{"pass", "FAIL"}, run.Verdict, "%s: %s (invalid: %v, failures: %v)", run.Advancer, run.Verdict, run.Invalid, run.Failures)
		assert.True(t, run.Valid, "%s: %v", run.Advancer, run.Invalid)
		assert.Empty(t, run.Failures, "%s: a step failed or an invariant broke", run.Advancer)
		assert.NotZero(t, run.Counts.Advances, "%s reported advances", run.Advancer)
		var started bool
		for _, e := range run.Timeline {
			started = started || strings.HasPrefix(e.Detail, "exec: pid ")
		}
		assert.True(t, started, "%s: the timeline has its process", run.Advancer)
		t.Logf("%s: %s, recovery %v", run.Advancer, run.Verdict, fmtMs(run.RecoveryMs))
	}
}

func fmtMs(ms *float64) string {
	if ms == nil {
		return "never"
	}
	return strconv.FormatFloat(*ms, 'f', 1, 64) + "ms"
}
