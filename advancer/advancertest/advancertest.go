// Package advancertest runs leaderfault's scenario catalog against your own
// advancer from go test, one subtest per scenario, and judges it on the
// requirements every advancer must meet — the same requirements as the
// built-in presets, with none of their known deviations excused:
//
//	func TestMyAdvancerRecovers(t *testing.T) {
//		advancertest.RunCatalog(t, func() advancer.Advancer { return mine.New() })
//	}
//
// A subtest passes when the advancer met every requirement of the scenario;
// it fails with the requirement it missed and the measured figure, or when
// the run could not judge it (INVALID: a fault that never took effect). It
// also keeps a set of known-bad advancers (Mutants) that the catalog must
// catch: proof that a pass means something.
//
// It is not a place for presets' known bugs (the catalog states those) and
// does not start anything outside the test process: every scenario runs on
// an embedded etcd cluster on 127.0.0.1.
package advancertest

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/runner"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// Scale is how much faster than production the catalog's clusters run with
// FastProfile (election timeout 100 ms instead of 1 s): there, divide your
// advancer's production durations by it, as the presets' are, or it is
// judged at production speed against fast-profile requirements. By default
// the catalog runs at production time and an advancer runs as it is.
const Scale = 10

// Option adjusts RunCatalog.
type Option func(*config)

type config struct {
	only    []string
	repeat  int
	json    string
	timeout time.Duration
	time    string
}

// EnvTime, when set, is the timing RunCatalog runs in unless an option says
// otherwise (runner.Options.Time: production, fast or script).
const EnvTime = "LEADERFAULT_TIME"

// FastProfile runs the catalog at the fast profile (election 100 ms, every
// script duration divided by Scale) instead of production time: runs are
// shorter, but an advancer must then be scaled by Scale itself, and the
// verdicts only approximate production's (runner.FastDiffers lists where
// the presets' differ). For quick loops, not for the verdict.
func FastProfile() Option { return func(c *config) { c.time = "fast" } }

// Only runs the named built-in scenarios instead of the whole catalog.
func Only(names ...string) Option { return func(c *config) { c.only = append(c.only, names...) } }

// Repeat runs each scenario n times (each a subtest of its own).
func Repeat(n int) Option { return func(c *config) { c.repeat = n } }

// JSON writes the JSON report of every run to path when the test ends (the
// same schema as "leaderfault run --json"). The environment variable
// LEADERFAULT_JSON does the same without changing the test.
func JSON(path string) Option { return func(c *config) { c.json = path } }

// Parallel changes nothing: RunCatalog starts every run at once, and the
// machine admits them by measured headroom.
//
// Deprecated: leave it out.
func Parallel() Option { return func(*config) {} }

// Timeout bounds each run from its admission (default 2 minutes); the
// wait for admission depends on the machine, not on the run.
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// RunCatalog runs each built-in scenario (t.Run(name)) against a fresh
// advancer from newAdvancer, and fails the subtests whose run missed a
// requirement or could not be judged. Figures go to the test log. Under the
// race detector the timing requirements are not judged (everything runs
// several times slower); invalid runs and broken invariants still fail.
//
// Every run (scenarios and repeats) starts at once; the machine admits them
// by measured headroom, shared with every other process's runs, the longest
// first.
func RunCatalog(t *testing.T, newAdvancer func() advancer.Advancer, opts ...Option) {
	t.Helper()
	cfg := config{repeat: 1, json: os.Getenv("LEADERFAULT_JSON"), timeout: 2 * time.Minute, time: os.Getenv(EnvTime)}
	for _, o := range opts {
		o(&cfg)
	}
	names := cfg.only
	if len(names) == 0 {
		names = catalog.Names()
	}
	prepareReleases(t, names)
	var (
		mu   sync.Mutex
		runs []report.Run
	)
	if cfg.json != "" {
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			slices.SortFunc(runs, func(a, b report.Run) int { return cmp.Or(cmp.Compare(a.Job, b.Job), cmp.Compare(a.Repeat, b.Repeat)) })
			rep := &report.Report{Command: "go test (advancertest.RunCatalog)", Runs: runs}
			rep.Finish()
			if err := report.WriteFile(cfg.json, rep); err != nil {
				t.Errorf("advancertest: JSON report: %v", err)
			}
		})
	}
	var all sync.WaitGroup
	defer all.Wait()
	for job, name := range names {
		all.Add(1)
		go func() {
			defer all.Done()
			t.Run(name, func(t *testing.T) {
				type outcome struct {
					res *runner.Result
					err error
				}
				got := make([]outcome, cfg.repeat)
				var repeats sync.WaitGroup
				for i := range cfg.repeat {
					repeats.Add(1)
					go func() {
						defer repeats.Done()
						res, err := checkWithin(context.Background(), name, newAdvancer(), cfg.time, t.Logf, cfg.timeout)
						got[i] = outcome{res, err}
						if res != nil {
							mu.Lock()
							runs = append(runs, res.Report(report.Origin{Job: job, Repeat: i + 1}))
							mu.Unlock()
						}
					}()
				}
				repeats.Wait()
				for _, o := range got {
					judge(t, name, o.res, o.err)
				}
			})
		}()
	}
}

// judge fails t for a run that does not count as a pass (see Failure).
func judge(t testing.TB, name string, res *runner.Result, err error) {
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.Skipped != "" {
		t.Skip(res.Skipped)
	}
	t.Log(res.Summary())
	msg := Failure(res)
	switch {
	case msg == "":
	case raceEnabled && res.Valid && len(check.Untimed(res.Failures)) == 0:
		// Timing requirements (budgets, the traffic windows) do not hold
		// under -race; the code paths, validity and invariants still count.
		t.Logf("not judged under -race: %s", msg)
	default:
		var tl strings.Builder
		report.WriteTimeline(&tl, res.Report(report.Origin{}), true)
		t.Logf("%s / %s timeline (condensed: routine writes and advances folded):\n%s", res.Scenario, res.Advancer, tl.String())
		t.Error(msg)
	}
}

// Check runs one built-in scenario against adv at production time, judged
// on the requirements alone. logf, if not nil, receives etcd's warnings of a failed run.
func Check(ctx context.Context, scenario string, adv advancer.Advancer, logf func(string, ...any)) (*runner.Result, error) {
	return checkWithin(ctx, scenario, adv, "", logf, 0)
}

// checkWithin is Check in the timing time names (runner.Options.Time),
// the run bounded by timeout from its admission (0: by ctx alone).
func checkWithin(ctx context.Context, scenario string, adv advancer.Advancer, time string, logf func(string, ...any), timeout time.Duration) (*runner.Result, error) {
	file, src, err := catalog.Source(scenario)
	if err != nil {
		return nil, err
	}
	sc, err := runner.Parse(file, src)
	if err != nil {
		return nil, err
	}
	return runner.Run(ctx, sc, runner.Options{Advancer: adv, Time: time, Logf: logf, Timeout: timeout})
}

// Failure is why a run does not count as a pass for a user's advancer: the
// requirement it missed with the measured figure, a broken invariant, or
// why the run could not judge it; "" when it passed (or was skipped).
func Failure(res *runner.Result) string {
	switch v := res.Verdict(); v {
	case check.Pass, check.Skipped:
		return ""
	case check.Invalid:
		return fmt.Sprintf("%s / %s: INVALID, the run cannot judge the advancer: %s", res.Scenario, res.Advancer, strings.Join(res.Invalid, "; "))
	default:
		return fmt.Sprintf("%s / %s: %s: %s", res.Scenario, res.Advancer, v, res.Outcome.Why)
	}
}

// prepareReleases builds, before any run, the etcd release that scenarios
// with members as processes need (runner.Prepare; once per machine), so that
// no run's deadline pays for a cold build.
func prepareReleases(t *testing.T, names []string) {
	t.Helper()
	var scripts []*script.Script
	for _, name := range names {
		file, src, err := catalog.Source(name)
		if err != nil {
			t.Fatalf("advancertest: %v", err)
		}
		sc, err := runner.Parse(file, src)
		if err != nil {
			t.Fatalf("advancertest: %v", err)
		}
		scripts = append(scripts, sc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	err := runner.Prepare(ctx, scripts, runner.Options{}, func(v string) {
		t.Logf("advancertest: building etcd %s for the scenarios whose members run as processes (once per machine)", v)
	})
	if err != nil {
		t.Fatalf("advancertest: %v", err)
	}
}
