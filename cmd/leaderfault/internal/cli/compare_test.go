package cli

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
)

// writeReport writes a report of the given runs to dir/name.
func writeReport(t *testing.T, dir, name string, runs ...report.Run) string {
	t.Helper()
	rep := &report.Report{Command: "leaderfault run", Runs: runs}
	rep.Finish()
	p := filepath.Join(dir, name)
	require.NoError(t, report.WriteFile(p, rep))
	return p
}

func TestCompareSyntheticReports(t *testing.T) {
	dir := t.TempDir()
	rec := func(v float64) *float64 { return &v }
	run := func(scenario, adv, verdict string, recovery *float64, electionMs float64, profile string, stretch float64) report.Run {
		return report.Run{Scenario: scenario, Advancer: adv, Repeat: 1, Verdict: verdict, Valid: true, Passed: verdict == report.VerdictPass,
			RecoveryMs: recovery, ElectionMs: electionMs, Profile: profile, Stretch: stretch, Etcd: "3.7.3"}
	}
	fast := writeReport(t, dir, "fast.json",
		run("leader-disk-stall", "legacy", report.VerdictKnownBug, rec(1540), 100, "fast", 0),
		run("leader-disk-stall", "robust", report.VerdictPass, rec(163), 100, "fast", 0))
	prod := writeReport(t, dir, "prod.json",
		run("leader-disk-stall", "legacy", report.VerdictKnownBug, rec(15200), 1000, "production", 10),
		run("leader-disk-stall", "robust", report.VerdictPass, rec(1900), 1000, "production", 10))
	r := invoke(t, "compare", fast, prod)
	assert.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "verdict fast")
	assert.Contains(t, r.stdout, "verdict production (×10)")
	assert.Contains(t, r.stdout, "recovery (/ET) fast")
	assert.Regexp(t, `leader-disk-stall +legacy +known-bug +known-bug +15.40 +15.20 +agree`, r.stdout)
	assert.Contains(t, r.stdout, "2 rows: 2 agree")

	broken := writeReport(t, dir, "broken.json",
		run("leader-disk-stall", "legacy", report.VerdictKnownBug, rec(15200), 1000, "production", 10),
		run("leader-disk-stall", "robust", report.VerdictFail, nil, 1000, "production", 10))
	r = invoke(t, "compare", fast, broken)
	assert.Equal(t, ExitFailed, r.code, "a row that differs")
	assert.Contains(t, r.stdout, "DIFFER: verdict pass vs FAIL")
}
