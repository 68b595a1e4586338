package admission

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

// The thresholds below are shares of the tightest budget: the smallest
// duration any run going (or asking) is judged by. At production time the
// catalog's tightest budgets are 500 ms to 1 s, so with a 500 ms budget a
// run is admitted only while the probe's p99 stays under 10 ms and its
// worst wake-up under 50 ms.
const (
	// DelayP99Share: the probe's p99 delay must stay under budget/50. A
	// measured figure crosses several scheduling hops (a raft message, the
	// apply, the watch response, the advancer's request); even ten hops
	// each at the p99 move it by a fifth of the budget, which the budgets'
	// own margins over their mechanism absorb, while typical hops (a
	// fraction of the p99) move it by a few percent.
	DelayP99Share = 50
	// DelayMaxShare: the probe's worst delay in the window must stay under
	// budget/10: one stall of a tenth of the budget, once a second, can
	// cost a run at most that tenth.
	DelayMaxShare = 10
	// MinIdleCores is the idle CPU, in cores, below which nothing more is
	// admitted unless the probe is quiet (QuietShare). The probe shows
	// contention only once the CPU is saturated; a newly admitted run's
	// cluster start uses about a third of a core for a quarter of a second
	// (measured at production time: 90 ms of CPU in its first 250 ms, then
	// ~7% of a core), so half a core idle lets the burst pass without
	// pushing the machine into saturation, with margin.
	MinIdleCores = 0.5
	// QuietShare: with the probe's p99 and max within a quarter of their
	// limits, a CPU without MinIdleCores idle does not hold runs back. Its
	// time then goes to work the scheduler preempts for the runs' wake-ups
	// (another user's build, a CPU hog): measured on a shared 2-core
	// machine, 0.00 cores idle for minutes while single runs saw a p99 of
	// 1.4-3 ms. Holding runs back for it would run the catalog one run at a
	// time for nothing; the probe still stops admissions once the runs'
	// wake-ups are delayed.
	QuietShare = 4
	// MinMemAvailable: a run holds about 25 MB (64 production runs at once:
	// 1.6 GB); below 1 GiB available the kernel starts reclaiming the page
	// cache etcd's WAL writes depend on, and then swaps.
	MinMemAvailable = 1 << 30
	// AdmitGap is the least time between two admissions machine-wide: the
	// signals are measured over a second and lag the start of a run; one
	// start's burst shows in the probe within this.
	AdmitGap = 100 * time.Millisecond
	// StartingPerCore bounds the runs still starting their cluster, per
	// core: the burst of a start shows in the signals only once it is under
	// way, so runs admitted in a row could all start before any shows.
	// Two per core keep the starts' bursts (about a third of a core each,
	// a few at a time since AdmitGap staggers them) within MinIdleCores.
	StartingPerCore = 2
	// FirstLook is how long the probe measures before a run with no other
	// run going is admitted: 20 wake-ups, enough to see a machine whose
	// scheduling delay is already over the limits.
	FirstLook = 100 * time.Millisecond
	// FirstRunPatience is how long a run with no other run going waits for
	// the probe to come within its limits. A burst of someone else's work (a
	// test binary's exit, a short compile) passes within it; steady load
	// does not end because a run waits (measured under other users' builds
	// on 2 cores: 10 of 10 such waits of 5 s ended with the probe still
	// over), and a run that waited this long goes: one run always goes, else
	// it would wait forever. Its record shows the headroom it went with.
	FirstRunPatience = 2 * time.Second
	// MaxRunsPerCore bounds the runs going at once, per core, whatever the
	// signals say. The probe measures scheduling delay in one process; etcd's
	// commits cross several members, proxies and goroutines, and slow before
	// the probe shows it: with 54 production-time runs admitted at once on 2
	// cores (probe p99 12 ms, 0.6 cores idle at each admission) a leader
	// transfer took 300-640 ms instead of about a tick, and two runs missed
	// budgets for the machine's sake (leader-change-storm/pr69047 2.33 s
	// against 2 s, leader-isolated/legacy 1.2 s after the heal). One run
	// uses ~0.09 core on average (docs/facts.md §8.5), so 8 per core is ~0.7
	// of the machine; at 16 runs at once on 2 cores the catalog's misses
	// were the harness's and the presets' own bugs, each found and fixed.
	MaxRunsPerCore = 8
	// DefaultBudget is the budget assumed for a request that states none:
	// the tightest budget at production time.
	DefaultBudget = 500 * time.Millisecond
)

// EnvCap, when set to a positive integer, admits runs by count instead of
// headroom: at most that many leases at once machine-wide, whatever the
// signals say (LEADERFAULT_RUN_SLOTS=1: one run at a time for the whole
// machine). The signals are still measured and recorded.
const EnvCap = "LEADERFAULT_RUN_SLOTS"

// Cap returns the fixed cap EnvCap sets, or 0 when admission goes by
// measured headroom.
func Cap() int {
	if n, err := strconv.Atoi(os.Getenv(EnvCap)); err == nil && n > 0 {
		return n
	}
	return 0
}

// state is everything a decision reads.
type state struct {
	cap       int           // 0: by headroom
	budget    time.Duration // the tightest budget of the leases and the request
	headroom  Headroom
	measured  time.Duration // how long the probe has measured
	warm      bool          // long enough to admit a run next to others (see warm)
	waited    time.Duration // how long the run asking has waited
	sinceLast time.Duration // since the newest live lease was admitted
	cpus      int
}

// decide says whether one more run may go, and why (or why not).
func decide(s state) (bool, string) {
	h := s.headroom
	switch {
	case s.cap > 0 && h.Runs < s.cap:
		return true, fmt.Sprintf("%d of at most %d runs (%s)", h.Runs, s.cap, EnvCap)
	case s.cap > 0:
		return false, fmt.Sprintf("%d runs, at most %d (%s)", h.Runs, s.cap, EnvCap)
	case h.Runs == 0 && s.measured < FirstLook:
		return false, "measuring"
	case h.Runs == 0 && s.waited >= FirstRunPatience:
		return true, fmt.Sprintf("no other run, and waited %s", FirstRunPatience)
	case h.Runs == 0:
		if over := overLimits(h, s.budget); over != "" {
			return false, over
		}
		return true, "no other run"
	case !s.warm:
		return false, "measuring"
	case h.Runs >= MaxRunsPerCore*s.cpus:
		return false, fmt.Sprintf("%d runs going (at most %d per core)", h.Runs, MaxRunsPerCore)
	case h.Starting >= StartingPerCore*s.cpus:
		return false, fmt.Sprintf("%d runs starting (at most %d per core)", h.Starting, StartingPerCore)
	case s.sinceLast < AdmitGap:
		return false, fmt.Sprintf("the last admission was %s ago", s.sinceLast.Round(time.Millisecond))
	case overLimits(h, s.budget) != "":
		return false, overLimits(h, s.budget)
	case h.IdleCores >= 0 && h.IdleCores < MinIdleCores && !quiet(h, s.budget):
		return false, fmt.Sprintf("%.2f cores idle, under %.2f, and the probe not quiet (p99 %s, max %s: over a quarter of the limits)", h.IdleCores, MinIdleCores, fmtDelay(h.DelayP99), fmtDelay(h.DelayMax))
	case h.MemAvailable > 0 && h.MemAvailable < MinMemAvailable:
		return false, fmt.Sprintf("%d MiB available, under %d", h.MemAvailable>>20, MinMemAvailable>>20)
	}
	return true, "headroom"
}

// overLimits says how the probe's delays are over their limits, "" when
// they are within them.
func overLimits(h Headroom, budget time.Duration) string {
	switch {
	case h.DelayP99 > budget/DelayP99Share:
		return fmt.Sprintf("probe delay p99 %s over %s (budget %s / %d)", fmtDelay(h.DelayP99), fmtDelay(budget/DelayP99Share), budget, DelayP99Share)
	case h.DelayMax > budget/DelayMaxShare:
		return fmt.Sprintf("probe delay max %s over %s (budget %s / %d)", fmtDelay(h.DelayMax), fmtDelay(budget/DelayMaxShare), budget, DelayMaxShare)
	}
	return ""
}

// quiet reports whether the probe's delays are within a QuietShare of
// their limits.
func quiet(h Headroom, budget time.Duration) bool {
	return h.DelayP99 <= budget/DelayP99Share/QuietShare && h.DelayMax <= budget/DelayMaxShare/QuietShare
}

// cpus is the number of cores admission shares out.
func cpus() int { return runtime.NumCPU() }
