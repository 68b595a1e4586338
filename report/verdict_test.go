package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const bug = "pingcap/tidb#69048"

func TestRunVerdictLabels(t *testing.T) {
	r := Run{Scenario: "s", Advancer: "legacy"}
	for _, c := range []struct {
		run  Run
		want string
	}{
		{withVerdict(r, VerdictPass, false), "pass"},
		{withVerdict(r, VerdictFail, false), "FAIL"},
		{withVerdict(r, VerdictKnownBug, false, bug), "known bug reproduced (pingcap/tidb#69048)"},
		{withVerdict(r, VerdictNotReproduced, false, bug), "NOT REPRODUCED (pingcap/tidb#69048)"},
		{withVerdict(r, VerdictNotReproduced, true, bug), "NOT REPRODUCED (pingcap/tidb#69048) — expected now and then"},
		{withVerdict(r, VerdictInvalid, false), "INVALID"},
		{withVerdict(r, VerdictSkipped, false), "skipped"},
		{Run{Verdict: "something-new", Valid: true}, "FAIL"},
	} {
		assert.Equal(t, c.want, c.run.VerdictLabel(), "verdict %q", c.run.Verdict)
	}
}

func TestGroupVerdictLabels(t *testing.T) {
	base := Run{Scenario: "s", Advancer: "legacy"}
	repeat := func(n int, verdict string, sometimes bool, bugs ...string) []Run {
		var out []Run
		for i := 0; i < n; i++ {
			out = append(out, withVerdict(base, verdict, sometimes, bugs...))
		}
		return out
	}
	label := func(runs ...[]Run) string {
		var all []Run
		for _, rs := range runs {
			all = append(all, rs...)
		}
		aggs := Summarize(all)
		require.Len(t, aggs, 1)
		return aggs[0].Verdict()
	}
	assert.Equal(t, "10/10 known bug (pingcap/tidb#69048)", label(repeat(10, VerdictKnownBug, false, bug)))
	assert.Equal(t, "10/10 pass", label(repeat(10, VerdictPass, false)))
	assert.Equal(t, "7 pass, 3 FAIL", label(repeat(7, VerdictPass, false), repeat(3, VerdictFail, false)))
	assert.Equal(t, "9 known bug (pingcap/tidb#69048), 1 NOT REPRODUCED (pingcap/tidb#69048) — expected now and then",
		label(repeat(9, VerdictKnownBug, false, bug), repeat(1, VerdictNotReproduced, true, bug)))
	assert.Equal(t, "3/3 NOT REPRODUCED (pingcap/tidb#69048) — 1 expected now and then",
		label(repeat(2, VerdictNotReproduced, false, bug), repeat(1, VerdictNotReproduced, true, bug)))
	assert.Equal(t, "2/2 known bug (pingcap/tidb#69048), 1 skipped",
		label(repeat(2, VerdictKnownBug, false, bug), repeat(1, VerdictSkipped, false)))
	assert.Equal(t, "skipped", label(repeat(2, VerdictSkipped, false)))
}

func TestTallySaysHowManyKnownBugsReproduced(t *testing.T) {
	assert.Equal(t, "3 runs: 1 pass, 2 known bugs reproduced (pingcap/tidb#69048)", TallyRuns(loadSample(t).Runs).String())
	r := Run{}
	runs := []Run{withVerdict(r, VerdictKnownBug, false, bug), withVerdict(r, VerdictNotReproduced, true, "x/y#1"),
		withVerdict(r, VerdictFail, false), withVerdict(r, VerdictInvalid, false), withVerdict(r, VerdictSkipped, false)}
	assert.Equal(t, "5 runs: 1 known bug reproduced (pingcap/tidb#69048), 1 known bug NOT REPRODUCED (x/y#1) — expected now and then, 1 FAIL, 1 INVALID, 1 skipped",
		TallyRuns(runs).String())
	assert.Equal(t, "1 run: 1 pass", TallyRuns([]Run{withVerdict(r, VerdictPass, false)}).String())
}

// TestRunSummaryTellsRequirementsFromKnownLines: the sample's legacy run
// is a known bug reproduced, never a pass; its missed requirements and its
// known line are marked apart, and the verdict says why.
func TestRunSummaryTellsRequirementsFromKnownLines(t *testing.T) {
	rep := loadSample(t)
	var buf bytes.Buffer
	WriteRunSummary(&buf, rep.Runs[0])
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.True(t, strings.HasPrefix(lines[0], "leader-disk-stall / legacy: known bug reproduced (pingcap/tidb#69048) (seed 69048"), lines[0])
	assert.Regexp(t, `(?m)^  held    line 17: expect leader-change within 1s — measured `, out)
	assert.Regexp(t, `(?m)^  MISSED  line 18: expect advance within 500ms — measured `, out)
	assert.Regexp(t, `(?m)^  known ≈ line 20: known stall for 1s bug="pingcap/tidb#69048" \[legacy,pr69047\] — measured `, out)
	assert.Regexp(t, `(?m)^  held    line 0: caught up by the end of the run`, out)
	assert.Regexp(t, `(?m)^  verdict: known bug reproduced: pingcap/tidb#69048: `, out)
	assert.NotContains(t, out, "FAIL")
	assert.Less(t, strings.Index(out, "line 23:"), strings.Index(out, "line 0:"), "the end-of-run requirement last")

	var tl bytes.Buffer
	WriteTimeline(&tl, rep.Runs[0], true)
	assert.Regexp(t, `(?m)expect\s+line 18: MISSED: expect advance within 500ms: measured never`, tl.String())
	assert.Regexp(t, `(?m)expect\s+line 20: known ≈: known stall for 1s`, tl.String())
	assert.NotContains(t, tl.String(), "FAIL:", "an excused miss is not printed as a FAIL")

	buf.Reset()
	WriteRunSummary(&buf, rep.Runs[2])
	assert.True(t, strings.HasPrefix(buf.String(), "leader-disk-stall / robust: pass ("), buf.String())
}

func TestSweepRequirementsMetPerSetting(t *testing.T) {
	run := func(scenario, setting, verdict string) Run {
		return withVerdict(Run{Scenario: scenario, Advancer: "legacy", Knobs: map[string]string{"backoff-max": setting},
			RecoveryMs: ptr(100), ResumedMs: ptr(50)}, verdict, false)
	}
	rep := &Report{Sweep: &Sweep{Advancer: "legacy", Scenarios: []string{"a", "b", "c"},
		Vary: []Vary{{Knob: "backoff-max", Values: []string{"1s", "12s"}}}, Repeat: 2}}
	rep.Runs = []Run{
		run("a", "1s", VerdictPass), run("a", "1s", VerdictPass),
		run("b", "1s", VerdictPass), run("b", "1s", VerdictPass),
		run("c", "1s", VerdictSkipped), run("c", "1s", VerdictSkipped),
		run("a", "12s", VerdictPass), run("a", "12s", VerdictFail),
		run("b", "12s", VerdictPass), run("b", "12s", VerdictPass),
		run("c", "12s", VerdictPass), run("c", "12s", VerdictInvalid),
	}
	rep.Finish()
	sets := SummarizeSettings(rep.Runs, rep.Aggregates)
	require.Len(t, sets, 2)
	assert.Equal(t, "2/2 (1 skipped)", sets[0].MetCell(), "every run of a and b passed; c could not run")
	assert.Equal(t, "1/3", sets[1].MetCell(), "a FAIL or an INVALID run and the scenario did not meet its requirements")
	assert.Equal(t, 4, sets[0].Recovery.N, "skipped runs are not measured")

	var buf bytes.Buffer
	WriteSweepTable(&buf, rep)
	out := buf.String()
	assert.Regexp(t, `(?m)^backoff-max\s+requirements met\s+runs\s+recovery p50\s+p99\s+resumed p50\s+p99\s+never resumed$`, out)
	assert.Regexp(t, `(?m)^1s\s+2/2 \(1 skipped\)\s+6\s+100ms\s+100ms\s+50ms`, out)
	assert.Regexp(t, `(?m)^12s\s+1/3\s+6\s+100ms`, out)
	assert.Regexp(t, `(?m)^c\s+12s\s+2\s+1/2 \(1 invalid\)\s`, out)
}

func TestBugsAreNamedShortAndOnce(t *testing.T) {
	long := "pingcap/tidb#69048: the watch stays on the stalled member until a loop read times out there"
	assert.Equal(t, "pingcap/tidb#69048", bugRef(long))
	assert.Equal(t, "a silent link", bugRef("a silent link: PD rebuilds its watch only after 10s without a response"))
	assert.Equal(t, "pd: now and then the crashed…", bugRef("pd: now and then the crashed member's watch stream ends"), "one word before the colon is not a name")
	assert.Equal(t, " (pingcap/tidb#69048)", BugsSuffix([]string{long, "pingcap/tidb#69048: a read queued behind the backlog"}), "one issue, once")
	assert.Equal(t, " (pingcap/tidb#69048, tikv/pd#6889, +2 without an issue)",
		issuesNamed([]string{long, "tikv/pd#6889: no progress answer", "a silent link: x", "a stale member: y", "a silent link: z"}))
	assert.Equal(t, " (a stale member)", issuesNamed([]string{"a stale member: y"}))
	assert.Equal(t, " (tikv/pd#6889 +1)", issuesSuffix([]string{"tikv/pd#6889: a", long, "a stale member: y"}))
}
