// Package runslot caps how many scenario runs share the machine at once,
// across every process of the user: the scenario catalog test, a user's
// advancertest.RunCatalog in another package's test binary (go test runs
// packages side by side), CLI shards. Runs wait far more than they compute,
// but each holds a 3-member cluster, a writer and an advancer with timing
// budgets: past PerCore runs per core they start missing budgets now and
// then for the machine's sake, not the advancer's.
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
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// PerCore is how many runs share one core. A production-time run keeps
// about 9% of a core busy (1 CPU-second over an 11 s run) and its budgets are
// seconds: 8 per core (16 on 2 cores) held every catalog verdict in 12
// production passes (768 runs), while 32 runs at once on 2 cores already
// pushed commit latency to p50 142 ms and 64 to ~1 s (docs/facts.md §8.5).
// The fast profile's budgets are ten times tighter: there one run per core
// is the limit (0 failures in 864 runs under make stress, 7 misses in 1872
// at two per core), so fast runs count as FastWeight slots.
const PerCore = 8

// FastWeight is how many slots a fast-profile run takes.
const FastWeight = PerCore

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

// Acquire waits for a free slot, in turn, and returns the function that
// frees it. Waiting is first come, first served across processes: a waiter
// takes a ticket (a file named by the time it started waiting, flocked for as
// long as it waits) and may take a slot only while fewer than Slots() live
// tickets are older than its own. Without tickets a process that frees a slot
// and asks again at once wins it back before a poller notices, and a busy
// process starved another one's runs past their deadline (seen: a catalog run
// under -race waited 2 minutes while CLI runs took the slots back to back).
// A ticket whose owner died is not flocked any more and is removed by the
// next waiter that sees it.
func Acquire(ctx context.Context) (release func(), err error) {
	return AcquireN(ctx, 1)
}

// AcquireN is Acquire for a run that takes weight slots at once (a
// fast-profile run takes FastWeight): all of them or none, so two heavy
// waiters never hold half each.
func AcquireN(ctx context.Context, weight int) (release func(), err error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("leaderfault-runslots-%d", os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("run slots: %w", err)
	}
	n := Slots()
	weight = max(1, min(weight, n))
	ticket, err := takeTicket(dir)
	if err != nil {
		return nil, err
	}
	defer ticket.drop()
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if ticket.ahead() < n {
			var held []*os.File
			for i := 0; i < n && len(held) < weight; i++ {
				f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("slot-%d", i)), os.O_CREATE|os.O_RDWR, 0o600)
				if err != nil {
					closeAll(held)
					return nil, fmt.Errorf("run slots: %w", err)
				}
				if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
					held = append(held, f)
					continue
				}
				f.Close()
			}
			if len(held) == weight {
				return func() { closeAll(held) }, nil // closing a file drops its lock
			}
			closeAll(held)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("run slots: all %d busy: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

// ticket is a waiter's place in line: a file "wait-<unix ns>-<pid>-<seq>"
// the waiter keeps flocked.
type ticket struct {
	dir, name string
	f         *os.File
}

var ticketSeq atomic.Int64

// takeTicket creates the ticket under a temporary name, flocks it, and only
// then gives it its queue name, so no other waiter can see it unlocked and
// take it for a dead one.
func takeTicket(dir string) (*ticket, error) {
	name := fmt.Sprintf("wait-%020d-%d-%d", time.Now().UnixNano(), os.Getpid(), ticketSeq.Add(1))
	tmp := filepath.Join(dir, "new-"+name)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("run slots: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("run slots: lock ticket: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("run slots: %w", err)
	}
	return &ticket{dir: dir, name: name, f: f}, nil
}

// ahead counts the live tickets older than this one, removing dead ones.
func (t *ticket) ahead() int {
	entries, err := os.ReadDir(t.dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "wait-") || name >= t.name {
			continue
		}
		path := filepath.Join(t.dir, name)
		f, err := os.Open(path)
		if err != nil {
			continue // gone meanwhile
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.Remove(path) // its owner is gone: nobody holds it
		} else {
			n++
		}
		f.Close()
	}
	return n
}

// drop leaves the line.
func (t *ticket) drop() {
	os.Remove(filepath.Join(t.dir, t.name))
	t.f.Close()
}
