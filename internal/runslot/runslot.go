// Package runslot caps how many scenario runs share the machine at once,
// across every process of the user: the scenario catalog test, a user's
// advancertest.RunCatalog in another package's test binary (go test runs
// packages side by side), CLI shards. Runs wait far more than they compute,
// but each holds a 3-member cluster, a writer and an advancer whose timing
// budgets are in tens of milliseconds: past one run per core they start
// missing budgets now and then for the machine's sake, not the advancer's.
//
// A slot is an exclusive flock on one of Slots() files in a directory under
// the temp dir; the kernel drops the lock when its holder exits, so a killed
// process never leaks a slot.
package runslot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// PerCore is how many runs share one core. Measured on 2 cores under make
// stress (a CPU hog on one core): one run per core held every timing budget
// (0 failures in 864 runs); two per core halved the catalog's time but
// missed budgets now and then (7 misses in 1872 runs, by up to 75%), and a
// random miss is a red CI run.
const PerCore = 1

// EnvSlots overrides the number of slots (a positive integer).
const EnvSlots = "LEADERFAULT_RUN_SLOTS"

// Slots is how many runs may go at once on this machine.
func Slots() int {
	if n, err := strconv.Atoi(os.Getenv(EnvSlots)); err == nil && n > 0 {
		return n
	}
	return PerCore * runtime.NumCPU()
}

// pollEvery is how often a waiting run tries the slots again. flock cannot
// wait for "any one of n" locks, and a run lasts seconds, so a short poll
// costs nothing and a freed slot is taken within this.
const pollEvery = 10 * time.Millisecond

// Acquire takes a slot, waiting until one is free or ctx ends. The returned
// release gives it back; it is safe to call once.
func Acquire(ctx context.Context) (release func(), err error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("leaderfault-runslots-%d", os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("run slots: %w", err)
	}
	n := Slots()
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		for i := range n {
			f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("slot-%d", i)), os.O_CREATE|os.O_RDWR, 0o600)
			if err != nil {
				return nil, fmt.Errorf("run slots: %w", err)
			}
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
				return func() { f.Close() }, nil // closing the file drops the lock
			}
			f.Close()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("run slots: all %d busy: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}
