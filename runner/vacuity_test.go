package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/advancertest"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/runner"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// Before the reference points were fixed, "expect advance within 500ms"
// after "wait 1s" in follower-disk-stall measured from the same fault as the
// one before the wait, so an advancer stuck from +600ms passed it. Its
// replacement, "expect no-stall for 1s", fails such an advancer; the old
// form no longer parses.
func TestNoStallCatchesAStallLateInTheFault(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("timing is not judged under -race")
	}
	_, err := runner.Parse("old.scn", []byte("cluster members=3\nwriter every=20ms\nadvancer\nfault peer-isolate target=follower:1\n"+
		"expect advance within 500ms\nwait 1s\nexpect advance within 500ms\nheal"))
	require.ErrorContains(t, err, "old.scn:7: expect advance repeats line 5: both measure from line 4")

	sc, err := runner.Parse("late-stall.scn", []byte(`cluster members=3 profile=fast
writer every=20ms
advancer watch-on=leader
fault peer-isolate target=follower:1
expect advance within 500ms
expect no-stall for 1s
heal
`))
	require.NoError(t, err)
	// Stuck from +600ms, as the advancer the old form let pass; on a loaded
	// machine whose first advance after the fault comes later, right after
	// it, so that line 5 still holds and line 6 alone is judged.
	stuck := advancertest.StopsAt("freezer", func(ev []record.Event) (time.Duration, bool) {
		refs := check.References(ev)
		if len(refs) == 0 {
			return 0, false
		}
		first, ok := check.FirstAdvanceAfter(ev, refs[0].At)
		if !ok {
			return 0, false
		}
		return max(refs[0].At+600*time.Millisecond, first), true
	})
	res, got := runByLine(t, sc, stuck)
	assert.True(t, got[5].Passed, "it advanced at first: %s", got[5])
	assert.False(t, got[6].Passed, "stuck from +600ms is a stall within the second: %s", got[6])
	require.NotNil(t, got[6].Measured)
	assert.Greater(t, *got[6].Measured, check.StallThreshold(res.Elect))
}

// leader-change-storm's last expectation measures from "failpoint … off",
// a reference point: measured from the start of the storm it would only
// repeat the expectation before it, while from "off" an advancer that stops
// at the end of the storm fails it.
func TestStormEndIsAReferencePoint(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("timing is not judged under -race")
	}
	file, src, err := catalog.Source("leader-change-storm")
	require.NoError(t, err)
	sc, err := runner.Parse(file, src)
	require.NoError(t, err)
	stuck := advancertest.StopsAt("freezer", func(ev []record.Event) (time.Duration, bool) {
		for _, e := range ev {
			if e.Kind == record.KindStep && e.Reference && e.Verb == "failpoint" && e.Detail == "failpoint leader-transfer off" {
				return e.At, true
			}
		}
		return 0, false
	})
	var advances []int // the lines of the storm's expect advance steps, in order
	for _, st := range sc.Steps {
		if e, ok := st.Action.(script.Expect); ok && e.What == script.ExpectAdvance {
			advances = append(advances, st.Line)
		}
	}
	require.Len(t, advances, 2, "one expect advance in the storm, one after it")
	during, after := advances[0], advances[1]
	res, got := runByLine(t, sc, stuck)
	require.Contains(t, got, after)
	assert.False(t, got[after].Passed, "no advance after the storm ended: %s", got[after])
	assert.True(t, got[during].Passed, "it advanced during the storm: %s", got[during])
	assert.Equal(t, check.Fail, res.Verdict())
}

// runByLine runs sc with the plug-in adv, requires a valid run, and returns
// the result with its expectations by script line.
func runByLine(t *testing.T, sc *script.Script, adv advancer.Advancer) (*runner.Result, map[int]runner.Expectation) {
	t.Helper()
	res, err := runner.Run(context.Background(), sc, runner.Options{Advancer: adv, Logf: t.Logf, Timeout: time.Minute})
	require.NoError(t, err)
	t.Log(res.Summary())
	require.True(t, res.Valid, "%v", res.Invalid)
	got := map[int]runner.Expectation{}
	for _, e := range res.Expectations {
		got[e.Line] = e
	}
	return res, got
}
