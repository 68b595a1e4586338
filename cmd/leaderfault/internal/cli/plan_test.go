package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

func fakeScenarios(names ...string) []loaded {
	var out []loaded
	for _, n := range names {
		out = append(out, loaded{script: &script.Script{Name: n}})
	}
	return out
}

func TestPlanIsTheCrossProductInOrder(t *testing.T) {
	jobs := planRuns(fakeScenarios("a", "b"), nil, []string{"legacy", "robust"}, 2)
	var got []string
	for i, j := range jobs {
		assert.Equal(t, i, j.index)
		got = append(got, j.String())
	}
	assert.Equal(t, []string{
		"a / legacy", "a / legacy #2", "a / robust", "a / robust #2",
		"b / legacy", "b / legacy #2", "b / robust", "b / robust #2",
	}, got)
}

// TestShardsPartitionThePlan: n runners with shards 1/n..n/n run every job
// exactly once, and the split is the same every time.
func TestShardsPartitionThePlan(t *testing.T) {
	jobs := planRuns(fakeScenarios("a", "b", "c"), settings([]report.Vary{{Knob: "backoff-max", Values: []string{"1s", "3s"}}}),
		[]string{"legacy"}, 3)
	require.Len(t, jobs, 18)
	for n := 1; n <= 5; n++ {
		seen := map[int]int{}
		for i := 1; i <= n; i++ {
			sh, err := parseShard(shard{i, n}.String())
			require.NoError(t, err)
			part := sh.take(jobs)
			assert.Equal(t, part, sh.take(jobs), "deterministic")
			assert.InDelta(t, len(jobs)/n, len(part), 1, "balanced")
			for _, j := range part {
				seen[j.index]++
			}
		}
		require.Len(t, seen, len(jobs), "n=%d covers every job", n)
		for idx, c := range seen {
			assert.Equal(t, 1, c, "n=%d: job %d ran %d times", n, idx, c)
		}
	}
}

func TestSettingsCrossProduct(t *testing.T) {
	got := settings([]report.Vary{
		{Knob: "backoff-max", Values: []string{"1s", "3s"}},
		{Knob: "backoff-base", Values: []string{"100ms", "1s"}},
	})
	assert.Equal(t, []map[string]string{
		{"backoff-max": "1s", "backoff-base": "100ms"}, {"backoff-max": "1s", "backoff-base": "1s"},
		{"backoff-max": "3s", "backoff-base": "100ms"}, {"backoff-max": "3s", "backoff-base": "1s"},
	}, got)
}

func TestExitCode(t *testing.T) {
	pass := report.Run{Passed: true, Valid: true}
	fail := report.Run{Valid: true}
	invalid := report.Run{}
	skipped := report.Run{Skipped: "no FUSE"}
	assert.Equal(t, ExitOK, exitCode([]report.Run{pass, skipped}, false))
	assert.Equal(t, ExitOK, exitCode([]report.Run{skipped}, false), "skipped is neither pass nor fail")
	assert.Equal(t, ExitFailed, exitCode([]report.Run{pass, fail}, false))
	assert.Equal(t, ExitFailed, exitCode([]report.Run{invalid}, false))
	assert.Equal(t, ExitInterrupted, exitCode([]report.Run{pass}, true))
	assert.Equal(t, ExitOK, sweepExitCode([]report.Run{pass, fail}), "a sweep's failed expectations are findings")
	assert.Equal(t, ExitFailed, sweepExitCode([]report.Run{pass, invalid}))
	assert.Equal(t, ExitFailed, sweepExitCode([]report.Run{{Valid: true, Failures: []string{"step failed"}}}))
}

func TestAllIsTheCatalog(t *testing.T) {
	scs, err := loadScenarios([]string{"all"})
	require.NoError(t, err)
	var names []string
	for _, s := range scs {
		names = append(names, s.script.Name)
	}
	assert.Equal(t, catalog.Names(), names)

	scs, err = loadScenarios([]string{"leader-crash,leader-transfer", "leader-crash"})
	require.NoError(t, err)
	assert.Len(t, scs, 2, "comma lists, duplicates dropped")
}
