package cli

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/internal/admission"
	"github.com/leaderfault/leaderfault/report"
)

// runLine is a progress line of run n: "[n/N] ...".
var runLine = regexp.MustCompile(`^\[(\d+)/\d+\] `)

// blocks returns, for each stderr line of a run, its run number, and
// checks that each run's lines come as one block, in plan order, ending
// with its outcome.
func blocks(t *testing.T, stderr string) []int {
	t.Helper()
	var order []int
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		m := runLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if k := len(order); k > 0 && order[k-1] != n {
			require.Equal(t, order[k-1]+1, n, "run %d's lines come after run %d's block, whole:\n%s", n, order[k-1], stderr)
		}
		order = append(order, n)
	}
	return order
}

// TestRunsGoSideBySideAndPrintInPlanOrder: by default the runs of a plan go
// at once (here all four, under a cap of 4 so that they surely overlap),
// and each run's lines still come as a block in plan order.
func TestRunsGoSideBySideAndPrintInPlanOrder(t *testing.T) {
	t.Setenv(admission.EnvCap, "4")
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	r := invoke(t, "run", "leader-transfer", "--steps", "--timeline", "none", "--json", jsonPath)
	// What is checked here is how runs go and print; their verdicts are
	// other tests' (under -race four at once may miss a budget).
	require.Contains(t, []int{ExitOK, ExitFailed}, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	order := blocks(t, r.stderr)
	require.NotEmpty(t, order)
	assert.Equal(t, 1, order[0])
	assert.Equal(t, 4, order[len(order)-1])
	for i, p := range []string{"legacy", "pr69047", "robust", "pd"} {
		assert.Regexp(t, `(?m)^\[`+strconv.Itoa(i+1)+`/4\] leader-transfer / `+p+`: (pass|FAIL), recovery `, r.stderr)
	}
	assert.Regexp(t, `(?s)legacy .*pr69047 .*robust .*pd `, r.stdout, "the summary table in plan order")

	rep, err := report.ReadFile(jsonPath)
	require.NoError(t, err)
	require.Len(t, rep.Runs, 4)
	overlapped := 0
	for i, run := range rep.Runs {
		assert.Equal(t, i, run.Job, "runs in plan order")
		require.NotNil(t, run.Admission, "every run records its admission")
		if run.Admission.Runs > 0 {
			overlapped++
		}
	}
	assert.Positive(t, overlapped, "some run was admitted while another went")
}

// TestJobsOneRunsOneAfterAnother: --jobs 1 starts a run only when the one
// before has ended, whatever admission would allow: the command takes at
// least the sum of its runs' durations (side by side it would take about
// the longest). Admission's count of runs going is machine-wide (other test
// packages' runs included), so it cannot tell.
func TestJobsOneRunsOneAfterAnother(t *testing.T) {
	t.Setenv(admission.EnvCap, "4")
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	began := time.Now()
	r := invoke(t, "run", "leader-transfer", "--advancer", "legacy,robust", "--jobs", "1", "--timeline", "none", "--json", jsonPath)
	took := time.Since(began)
	require.Contains(t, []int{ExitOK, ExitFailed}, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Equal(t, []int{1, 2}, blocks(t, r.stderr))
	rep, err := report.ReadFile(jsonPath)
	require.NoError(t, err)
	require.Len(t, rep.Runs, 2)
	var sum time.Duration
	for _, run := range rep.Runs {
		require.NotNil(t, run.Admission)
		sum += time.Duration(run.DurationMs * float64(time.Millisecond))
	}
	assert.GreaterOrEqual(t, took, sum, "the runs went one after another")
}
