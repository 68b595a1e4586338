package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// EnvTime names the timing the catalog test judges in (Options.Time):
// unset, production; LEADERFAULT_TIME=fast for a quick approximation.
const EnvTime = "LEADERFAULT_TIME"

// TestCatalog runs every built-in scenario against every preset:
// TestCatalog/<scenario>/<preset>, runnable one at a time with -run.
//
// Every run starts at once and waits for admission (package admission): the
// machine's measured headroom, shared with every other process's runs,
// decides how many go together, the longest first. A scenario is no barrier
// for the next (t.Parallel subtests would make it one, and would put go
// test's -parallel, GOMAXPROCS by default, over the runs as a fixed cap).
func TestCatalog(t *testing.T) {
	names := catalog.Names()
	require.NotEmpty(t, names)
	prepareCatalogReleases(t, names)
	var scenarios sync.WaitGroup
	defer scenarios.Wait()
	for i, name := range names {
		presets := model.Presets()
		if raceEnabled {
			// Under -race the runs check code paths, not timing: every
			// scenario with one preset, the presets in turn, so each
			// scenario and each preset runs under the detector a quarter
			// as often (the race pass of CI stays within its minutes).
			presets = presets[i%len(presets) : i%len(presets)+1]
		}
		scenarios.Add(1)
		go func() {
			defer scenarios.Done()
			t.Run(name, func(t *testing.T) {
				file, src, err := catalog.Source(name)
				require.NoError(t, err)
				sc, err := Parse(file, src)
				require.NoError(t, err)
				var runs sync.WaitGroup
				defer runs.Wait()
				for _, p := range presets {
					runs.Add(1)
					go func() {
						defer runs.Done()
						t.Run(p, func(t *testing.T) { runCatalogEntry(t, sc, p) })
					}()
				}
			})
		}()
	}
}

// runCatalogEntry runs one scenario with one preset and checks that the
// preset meets the requirements, or misses them exactly as its known lines
// say. It returns the result for the caller to count its known lines with
// a rate, which one run does not judge (TestCatalogRates does). The run's
// two minutes start at its admission.
func runCatalogEntry(t *testing.T, sc *script.Script, p string) *Result {
	res, err := Run(context.Background(), sc, Options{Preset: p, Time: os.Getenv(EnvTime), Timeout: 2 * time.Minute, Logf: t.Logf})
	if res != nil && res.Skipped != "" {
		t.Skip(res.Skipped)
	}
	if err != nil && res != nil {
		t.Log(res.Timeline())
	}
	if err != nil && raceEnabled && strings.Contains(err.Error(), "target watched: no open Watch stream") {
		// Under -race at the fast profile pd's 300 ms watch-creation guard
		// can cancel every watch it starts, leaving nothing to aim at: the
		// detector's slowdown, not a code path.
		t.Logf("not judged under -race: %v", err)
		return res
	}
	require.NoError(t, err)
	assertJudgedAgainAlike(t, res)
	t.Log(res.Summary())
	if !res.Passed {
		t.Log(res.Timeline())
	}
	if raceEnabled {
		// Under -race the code paths are what is checked; timing budgets
		// do not hold, nor do the traffic requirements' windows, nor a
		// cluster at the fast profile after a quorum restarts (its members
		// lose their leader again and again, and the writer's 100 ms
		// deadline meets no commit: "the writer stored nothing", or
		// too little to follow before the first fault).
		for _, why := range res.Invalid {
			if !strings.HasPrefix(why, writerStoredNothing) && !strings.HasPrefix(why, writerStoredTooLittle) {
				t.Errorf("invalid run: %s", why)
			}
		}
		assert.Empty(t, check.Untimed(res.Failures))
		t.Logf("not judged under -race: %s", res.Verdict())
		return res
	}
	assert.True(t, res.Valid, "invalid run: %v", res.Invalid)
	assert.Empty(t, res.Failures)
	for _, o := range res.Outcome.Rates {
		shown := "shown"
		if !o.Shown {
			shown = "not shown"
		}
		t.Logf("known line %d (rate=%d%%): %s in this run; a rate is judged over repeats (%s=n, TestCatalogRates)", o.Line, o.Rate, shown, rateRepeatsEnv)
	}
	v := res.Verdict()
	if v == check.NotReproduced && res.Outcome.Sometimes {
		return res
	}
	assert.Contains(t, []check.Verdict{check.Pass, check.KnownBug}, v, "%s", res.Outcome.Why)
	return res
}

// assertJudgedAgainAlike checks the run's saved report, judged again at the
// run's own settings from its timeline alone (report.Rejudge), against the
// run's own verdict, expectations and figures.
func assertJudgedAgainAlike(t *testing.T, res *Result) {
	t.Helper()
	b, err := json.Marshal(res.Report(report.Origin{}))
	require.NoError(t, err)
	var saved report.Run
	require.NoError(t, json.Unmarshal(b, &saved))
	again, err := report.Rejudge(saved, saved.Measurement())
	require.NoError(t, err)
	assert.Equal(t, saved.Verdict, again.Verdict, "judged again from its report: %s", again.Why)
	require.Len(t, again.Expectations, len(saved.Expectations))
	for i, e := range saved.Expectations {
		a := again.Expectations[i]
		assert.Equal(t, e.Passed, a.Passed, "line %d judged again: %s", e.Line, a.Detail)
		assertSameMs(t, e.MeasuredMs, a.MeasuredMs, "line %d's figure judged again", e.Line)
	}
	assertSameMs(t, saved.RecoveryMs, again.RecoveryMs, "recovery judged again")
	assertSameMs(t, saved.StalledAfterHealMs, again.StalledAfterHealMs, "stalled after heal judged again")
	assert.Equal(t, saved.Counts, again.Counts, "counts judged again")
	for _, n := range res.Notes {
		assert.NotContains(t, n, judgedLiveDiffers, "the live judgement and the whole record's agree")
	}
}

// assertSameMs compares two figures of a report, which keeps microseconds:
// a figure measured on the live record and one measured on the report's
// timeline may differ by its rounding.
func assertSameMs(t *testing.T, want, got *float64, msg string, args ...any) {
	t.Helper()
	if want == nil || got == nil {
		assert.Equal(t, want == nil, got == nil, fmt.Sprintf(msg, args...))
		return
	}
	assert.InDelta(t, *want, *got, 0.002, fmt.Sprintf(msg, args...))
}

// prepareCatalogReleases builds the etcd release the catalog's members as
// processes need (Prepare), before any run's deadline starts.
func prepareCatalogReleases(t *testing.T, names []string) {
	t.Helper()
	var scripts []*script.Script
	for _, name := range names {
		file, src, err := catalog.Source(name)
		require.NoError(t, err)
		sc, err := Parse(file, src)
		require.NoError(t, err)
		scripts = append(scripts, sc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	require.NoError(t, Prepare(ctx, scripts, Options{}, func(v string) {
		t.Logf("building etcd %s for members as processes (once per machine)", v)
	}))
}
