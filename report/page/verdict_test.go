package page

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/leaderfault/leaderfault/report"
)

const bug = "pingcap/tidb#69048"

func TestSweepPillsCountRequirementsMet(t *testing.T) {
	run := func(scenario, setting, verdict string) report.Run {
		return withVerdict(report.Run{Scenario: scenario, Advancer: "legacy", Knobs: map[string]string{"backoff-max": setting},
			RecoveryMs: ptr(100), ResumedMs: ptr(50)}, verdict, false)
	}
	rep := &report.Report{Sweep: &report.Sweep{Advancer: "legacy", Scenarios: []string{"a", "b", "c"},
		Vary: []report.Vary{{Knob: "backoff-max", Values: []string{"1s", "12s"}}}, Repeat: 2}}
	rep.Runs = []report.Run{
		run("a", "1s", report.VerdictPass), run("a", "1s", report.VerdictPass),
		run("b", "1s", report.VerdictPass), run("b", "1s", report.VerdictPass),
		run("c", "1s", report.VerdictSkipped), run("c", "1s", report.VerdictSkipped),
		run("a", "12s", report.VerdictPass), run("a", "12s", report.VerdictFail),
		run("b", "12s", report.VerdictPass), run("b", "12s", report.VerdictPass),
		run("c", "12s", report.VerdictPass), run("c", "12s", report.VerdictInvalid),
	}
	rep.Finish()
	page := renderHTML(t, rep)
	assert.Contains(t, page, `<span class="pill v-pass">2/2 (1 skipped)</span>`)
	assert.Contains(t, page, `<span class="pill v-fail">1/3</span>`)
}

func TestRateFailureColoursTheGroup(t *testing.T) {
	a := report.Aggregate{Runs: 20, KnownBug: 15, NotReproduced: 5, RateFailures: []string{"line 16: 15/20 shown, stated 30%"}}
	assert.Equal(t, "v-fail", aggregateClass(a), "a contradicted rate fails the group")
	a.RateFailures = nil
	assert.Equal(t, "v-notrepro", aggregateClass(a))
}
