package table

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
)

func runOf(client, scenario, verdict string, recovery float64) report.Run {
	return report.Run{Scenario: scenario, Advancer: client, Verdict: verdict, Valid: true, Passed: verdict == report.VerdictPass,
		Why: "missed line 14", RecoveryMs: &recovery}
}

func reps() []*report.Report {
	return []*report.Report{{Schema: report.SchemaVersion, Runs: []report.Run{
		runOf("vitess", "quorum-loss", report.VerdictFail, 5000),
		runOf("vitess", "quorum-loss", report.VerdictPass, 300),
		runOf("vitess", "leader-crash", report.VerdictPass, 200),
		runOf("vitess", "client-link-blackhole", report.VerdictInvalid, 30),
	}}}
}

func TestAFailWithoutExplanationIsAnError(t *testing.T) {
	var b strings.Builder
	missing, _, err := Render(&b, "# t\n", reps(), map[string]Explanation{})
	require.NoError(t, err)
	assert.Equal(t, Unexplained{"vitess/quorum-loss"}, missing)
	assert.Contains(t, b.String(), "| quorum-loss | **FAIL** 1/2<br>300 ms / 5.0 s |")
	assert.Contains(t, b.String(), "| vitess | quorum-loss | 1/2 | missed line 14 | UNEXPLAINED |")
	assert.Contains(t, b.String(), "| client-link-blackhole | INVALID 1/1<br>30 ms / 30 ms |", "an INVALID cell is not a pass")
}

func TestAnExplainedFailRendersItsEntry(t *testing.T) {
	expl, err := ParseExplanations("m.yaml", []byte(`
- client: vitess
  scenario: quorum-loss
  mechanism: no require-leader
  source: vitess.io/vitess@v0.24.4 go/vt/topo/etcd2topo/watch.go:69
  issue: none found
- client: vitess
  scenario: leader-crash
  mechanism: m
  source: s
  issue: i
`))
	require.NoError(t, err)
	var b strings.Builder
	missing, stale, err := Render(&b, "", reps(), expl)
	require.NoError(t, err)
	assert.Empty(t, missing)
	assert.Equal(t, []string{"vitess/leader-crash"}, stale, "an entry for a cell that passes is stale")
	assert.Contains(t, b.String(), "| no require-leader | vitess.io/vitess@v0.24.4 go/vt/topo/etcd2topo/watch.go:69 | none found |")
}

func TestBadMechanismFilesSayWhereAndWhat(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"- client: a\n  scenaro: b\n", `m.yaml:1: unknown key "scenaro" (did you mean "scenario"?)`},
		{"- client: a\n  scenario: b\n  mechanism: c\n  source: d\n", "m.yaml:1: entry lacks issue"},
		{"client: a\n", "m.yaml:1: want a list"},
		{"- {client: a, scenario: b, mechanism: c, source: d, issue: e}\n- {client: a, scenario: b, mechanism: c, source: d, issue: e}\n", "m.yaml:2: a/b is already explained at line 1"},
	} {
		_, err := ParseExplanations("m.yaml", []byte(tc.src))
		assert.ErrorContains(t, err, tc.want, tc.src)
	}
}
