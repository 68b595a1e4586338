package cli

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/incident"
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
	jobs := planRuns(fakeScenarios("a", "b"), nil, presetSpecs("legacy", "robust"), 2)
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
		presetSpecs("legacy"), 3)
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

// TestExitCodeOfKnownBugs: a reproduced known bug is what a reproduction
// expects (exit 0); a known bug not reproduced needs a person (exit 1)
// unless its known lines show only in some runs.
func TestExitCodeOfKnownBugs(t *testing.T) {
	v := func(verdict string, sometimes bool) report.Run {
		return report.Run{Verdict: verdict, Valid: true, Passed: verdict == report.VerdictPass, Sometimes: sometimes,
			Bugs: []string{"pingcap/tidb#69048"}}
	}
	pass, knownBug := v(report.VerdictPass, false), v(report.VerdictKnownBug, false)
	assert.Equal(t, ExitOK, exitCode([]report.Run{knownBug, knownBug, pass}, false), "make repro: legacy and pr69047 reproduce, robust passes")
	assert.Equal(t, ExitOK, exitCode([]report.Run{v(report.VerdictNotReproduced, true)}, false), "expected now and then")
	assert.Equal(t, ExitFailed, exitCode([]report.Run{knownBug, v(report.VerdictNotReproduced, false)}, false))
	assert.Equal(t, ExitFailed, exitCode([]report.Run{knownBug, v(report.VerdictFail, false)}, false))
	assert.Equal(t, ExitFailed, exitCode([]report.Run{knownBug, {Verdict: report.VerdictInvalid}}, false))
	assert.Equal(t, ExitFailed, exitCode([]report.Run{{Verdict: "judged by a newer leaderfault", Valid: true}}, false), "an unknown verdict is not a pass")
}

func TestTallyLine(t *testing.T) {
	v := func(verdict string, sometimes bool) report.Run {
		return report.Run{Verdict: verdict, Valid: true, Passed: verdict == report.VerdictPass, Sometimes: sometimes,
			Bugs: []string{"pingcap/tidb#69048"}}
	}
	var buf bytes.Buffer
	printTally(&buf, []report.Run{v(report.VerdictKnownBug, false), v(report.VerdictKnownBug, false), v(report.VerdictPass, false)})
	assert.Equal(t, "3 runs: 1 pass, 2 known bugs reproduced (pingcap/tidb#69048). Exit 0: a reproduced known bug is the expected outcome.\n", buf.String())

	buf.Reset()
	printTally(&buf, []report.Run{v(report.VerdictNotReproduced, false), v(report.VerdictNotReproduced, true)})
	assert.Equal(t, "2 runs: 2 known bugs NOT REPRODUCED (pingcap/tidb#69048) — 1 expected now and then. Exit 1: 1 run(s) FAIL, INVALID or NOT REPRODUCED.\n", buf.String())

	buf.Reset()
	printTally(&buf, []report.Run{v(report.VerdictPass, false)})
	assert.Equal(t, "1 run: 1 pass\n", buf.String())
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

// The incident tier is loadable by name and as a whole, but "all" (the
// catalog) never includes it: its runs take minutes each.
func TestIncidentTierIsApartFromAll(t *testing.T) {
	scs, err := loadScenarios([]string{"incident"})
	require.NoError(t, err)
	var names []string
	for _, s := range scs {
		names = append(names, s.script.Name)
	}
	assert.Equal(t, incident.Names(), names)
	require.NotEmpty(t, names)
	for _, n := range names {
		assert.NotContains(t, catalog.Names(), n)
	}

	scs, err = loadScenarios([]string{"incident-leader-disk-stall"})
	require.NoError(t, err)
	require.Len(t, scs, 1)
	assert.Equal(t, "incident-leader-disk-stall", scs[0].script.Name)
}

// TestExitCodeOfRates: no run fails by a known line with a rate, but a
// count over the runs that contradicts the stated rate exits 1.
func TestExitCodeOfRates(t *testing.T) {
	runs := func(shown, n int) []report.Run {
		var out []report.Run
		for i := range n {
			s := i < shown
			r := report.Run{Scenario: "leader-disk-slow", Advancer: "legacy", Valid: true, Repeat: i + 1,
				Verdict: report.VerdictNotReproduced, Sometimes: true, Bugs: []string{"pingcap/tidb#58574"},
				Expectations: []report.Expectation{{Line: 16, Text: "known advance within 1.5s", Known: true, Rate: 30, Passed: true, Shown: &s}}}
			if s {
				r.Verdict, r.Sometimes = report.VerdictKnownBug, false
			}
			out = append(out, r)
		}
		return out
	}
	assert.Equal(t, ExitOK, exitCode(runs(6, 20), false), "6/20 against 30%")
	assert.Equal(t, ExitOK, exitCode(runs(1, 1), false), "one run judges no rate")
	assert.Equal(t, ExitFailed, exitCode(runs(15, 20), false), "15/20 against 30%")

	var buf bytes.Buffer
	printTally(&buf, runs(15, 20))
	assert.Equal(t, `rate FAIL: leader-disk-slow/legacy: known line 16 "advance within 1.5s" rate=30%: observed 15/20 (75%), p=4.3e-05 < α=5e-05`+"\n"+
		"20 runs: 15 known bugs reproduced (pingcap/tidb#58574), 5 known bugs NOT REPRODUCED (pingcap/tidb#58574) — expected now and then. "+
		"Exit 1: 1 known line(s) shown in a share of runs their stated rate contradicts.\n", buf.String())
}
