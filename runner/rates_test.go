package runner

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// rateRepeatsEnv is how many times TestCatalogRates runs each scenario and
// preset with a known line with a rate. Unset, the test is skipped: one
// catalog pass observes such lines but cannot judge them.
const rateRepeatsEnv = "LEADERFAULT_RATE_REPEATS"

// ratePair is a catalog scenario and a preset that has known lines with a
// rate in it.
type ratePair struct {
	scenario string
	sc       *script.Script
	preset   string
	lines    []int // the known lines with a rate, by line
}

func (p ratePair) String() string { return p.scenario + "/" + p.preset }

// catalogRatePairs lists, in catalog and preset order, every scenario and
// preset with a known line that states a rate.
func catalogRatePairs(t *testing.T) []ratePair {
	t.Helper()
	var out []ratePair
	for _, name := range catalog.Names() {
		file, src, err := catalog.Source(name)
		require.NoError(t, err)
		sc, err := Parse(file, src)
		require.NoError(t, err)
		for _, p := range model.Presets() {
			if lines := rateLines(sc.ForPreset(p)); len(lines) > 0 {
				out = append(out, ratePair{scenario: name, sc: sc, preset: p, lines: lines})
			}
		}
	}
	return out
}

func rateLines(steps []script.Step) []int {
	var out []int
	for _, st := range steps {
		switch a := st.Action.(type) {
		case script.Known:
			if a.Rate > 0 {
				out = append(out, st.Line)
			}
		case script.Repeat:
			out = append(out, rateLines(a.Steps)...)
		}
	}
	return out
}

// TestCatalogRateFamily holds the catalog to the family check.RateAlpha is
// sized for: at most check.RateFamily known lines with a rate (one per line
// and preset), so that judging them all in one test run raises a false
// alarm with a chance of at most check.RateFamilyAlpha. A catalog that
// outgrows it needs a smaller alpha, or more repeats to keep the power.
func TestCatalogRateFamily(t *testing.T) {
	pairs := catalogRatePairs(t)
	var lines int
	for _, p := range pairs {
		lines += len(p.lines)
		t.Logf("%s: rate lines %v", p, p.lines)
	}
	t.Logf("%d rate lines in %d scenario/preset pairs", lines, len(pairs))
	require.NotEmpty(t, pairs, "the catalog states rates; finding none means this walk is broken")
	assert.LessOrEqual(t, lines, check.RateFamily,
		"the catalog judges more rate lines than check.RateAlpha is sized for (%g = %g / %d)", check.RateAlpha, check.RateFamilyAlpha, check.RateFamily)
}

// rateRepeats reads rateRepeatsEnv: 0 when unset.
func rateRepeats(t *testing.T) int {
	v, ok := os.LookupEnv(rateRepeatsEnv)
	if !ok || v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want the number of runs per scenario and preset, 1 or more (20 judges every catalog rate)", rateRepeatsEnv, v)
	}
	return n
}

// TestCatalogRates runs each scenario/preset pair with a known line that
// states a rate LEADERFAULT_RATE_REPEATS times
// (TestCatalogRates/<scenario>/<preset>/<i>), judges every run as
// TestCatalog does, and then each rate line's count over the runs against
// its stated rate (check.JudgeRate): a count the stated rate makes too
// unlikely fails the test. Every run starts at once and waits for
// admission, as in TestCatalog; they are offered round by round (every
// pair's first run, then every pair's second…), so that a change of load
// during the test weighs on every pair alike.
func TestCatalogRates(t *testing.T) {
	n := rateRepeats(t)
	if n == 0 {
		t.Skipf("known lines with a rate are judged over repeats: %s=20 go test ./runner/ -run TestCatalogRates", rateRepeatsEnv)
	}
	if raceEnabled {
		t.Skip("timing is not judged under -race: no rate either")
	}
	pairs := catalogRatePairs(t)
	var (
		mu     sync.Mutex
		counts = make([]map[int]*check.RateCount, len(pairs))
		runs   sync.WaitGroup
	)
	for i := range counts {
		counts[i] = map[int]*check.RateCount{}
	}
	for round := 1; round <= n; round++ {
		for i, p := range pairs {
			runs.Add(1)
			go func() {
				defer runs.Done()
				t.Run(fmt.Sprintf("%s/%d", p, round), func(t *testing.T) {
					res := runCatalogEntry(t, p.sc, p.preset)
					if res.Verdict() == check.Invalid {
						return // it observed nothing
					}
					mu.Lock()
					defer mu.Unlock()
					for _, o := range res.Outcome.Rates {
						c, ok := counts[i][o.Line]
						if !ok {
							c = &check.RateCount{}
							counts[i][o.Line] = c
						}
						c.Add(o)
					}
				})
			}()
		}
	}
	runs.Wait()
	for i, p := range pairs {
		for _, line := range p.lines {
			c, ok := counts[i][line]
			if !ok {
				// Filtered out by -run, or no run observed it (each run
				// that did not has failed already).
				continue
			}
			j, err := check.JudgeRate(*c)
			require.NoError(t, err)
			if j.Failed() {
				t.Errorf("%s: %s", p, j)
			} else {
				t.Logf("%s: %s", p, j)
			}
		}
	}
}
