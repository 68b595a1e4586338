// Package admission decides when one more scenario run may start on this
// machine, across every process of the user: the scenario catalog test, a
// user's advancertest.RunCatalog in another test binary (go test runs
// packages side by side), CLI runs and shards. A run waits far more than it
// computes (at production time about 7% of a core), so many go at once; but
// its verdict rests on timing budgets, and a machine pushed past its
// capacity delays every goroutine of every run until budgets are missed for
// the machine's sake, not the advancer's.
//
// So a run is admitted by measured headroom: while the scheduling delay of a
// probe goroutine (its p99 and worst wake-up over the last second) stays far
// below the tightest budget of the runs going, enough CPU is idle for the
// next run's start-up burst, and memory is available. Admissions are spaced
// and the runs still starting their cluster are counted, because the
// signals show a start only once it is under way. Runs are admitted one at
// a time machine-wide, in turn across processes. LEADERFAULT_RUN_SLOTS sets
// a fixed cap instead (EnvCap).
//
// The processes share state only through flocked files in a directory under
// the temp dir: the kernel drops a lock when its holder exits, so a killed
// process never holds on to its place. It is not a scheduler for anything
// but scenario runs, and it does not decide how long a run may take.
package admission
