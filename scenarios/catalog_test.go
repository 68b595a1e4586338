package scenarios

import (
	"context"
	"flag"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/internal/runslot"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// catalogParallel is how many catalog runs go at once: an explicit -parallel
// wins; under -race (timing not judged, etcd several times slower) it is
// go test's -parallel default; otherwise the machine's run slots
// (runslot.Slots, one per core; every scenario run takes one, whatever
// process it is in). A run (a 3-member cluster, the writer at 50 writes/s,
// the advancer, the proxies) uses about a quarter of a core over its life
// (18 CPU-seconds for the 48 runs, 64 s of runs one at a time), up to ~0.45
// core for short runs dominated by cluster start and close, and far more in
// bursts: at two per core the catalog took 18-20 s instead of ~32 s, but
// missed timing budgets now and then under make stress.
func catalogParallel() int {
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if explicit || raceEnabled {
		if g, ok := flag.Lookup("test.parallel").Value.(flag.Getter); ok {
			if n, ok := g.Get().(int); ok && n > 0 {
				return n
			}
		}
		return runtime.GOMAXPROCS(0)
	}
	return runslot.Slots()
}

// EnvTime names the timing the catalog test judges in (Options.Time):
// unset, production; LEADERFAULT_TIME=fast for a quick approximation.
const EnvTime = "LEADERFAULT_TIME"

// TestCatalog runs every built-in scenario against every preset:
// TestCatalog/<scenario>/<preset>, runnable one at a time with -run.
//
// The runs share one pool of catalogParallel slots, taken in catalog order:
// no scenario waits for the previous one's slowest preset (t.Parallel
// subtests made each scenario a barrier, and go test's -parallel, GOMAXPROCS
// by default, caps every parallel test of the package alike).
func TestCatalog(t *testing.T) {
	names := catalog.Names()
	require.NotEmpty(t, names)
	slots := make(chan struct{}, catalogParallel())
	var scenarios sync.WaitGroup
	defer scenarios.Wait()
	for _, name := range names {
		// queued: this scenario holds a slot for each of its presets, so the
		// next scenario's runs queue behind them (catalog order). done: the
		// scenario's subtest returned (also when -run filtered it out and
		// its function never ran).
		queued, done := make(chan struct{}), make(chan struct{})
		scenarios.Add(1)
		go func() {
			defer scenarios.Done()
			defer close(done)
			t.Run(name, func(t *testing.T) {
				var runs sync.WaitGroup
				defer runs.Wait()
				defer close(queued)
				file, src, err := catalog.Source(name)
				require.NoError(t, err)
				sc, err := Parse(file, src)
				require.NoError(t, err)
				for _, p := range advancer.Presets() {
					slots <- struct{}{}
					runs.Add(1)
					go func() {
						defer runs.Done()
						defer func() { <-slots }()
						t.Run(p, func(t *testing.T) { runCatalogEntry(t, sc, p) })
					}()
				}
			})
		}()
		select {
		case <-queued:
		case <-done:
		}
	}
}

// runCatalogEntry runs one scenario with one preset and checks that the
// preset meets the requirements, or misses them exactly as its known lines
// say. It returns the result for the caller to count its known lines with
// a rate, which one run does not judge (TestCatalogRates does).
func runCatalogEntry(t *testing.T, sc *script.Script, p string) *Result {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc, Options{Preset: p, Time: os.Getenv(EnvTime), Logf: t.Logf})
	if res != nil && res.Skipped != "" {
		t.Skip(res.Skipped)
	}
	if err != nil && res != nil {
		t.Log(res.Timeline())
	}
	require.NoError(t, err)
	t.Log(res.Summary())
	if !res.Passed {
		t.Log(res.Timeline())
	}
	assert.True(t, res.Valid, "invalid run: %v", res.Invalid)
	assert.Empty(t, res.Failures)
	if raceEnabled {
		// Under -race the code paths are what is checked; timing budgets
		// do not hold.
		t.Logf("not judged under -race: %s", res.Verdict())
		return res
	}
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
