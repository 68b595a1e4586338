package admission

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Request describes a run asking to be admitted.
type Request struct {
	// Budget is the tightest duration the run's verdict rests on (its
	// smallest expectation deadline, in the run's own time); 0:
	// DefaultBudget. The thresholds are shares of the tightest budget of
	// every run going and this one.
	Budget time.Duration
	// Length is how long the run is expected to take. Among one process's
	// waiting runs the longest goes first, so that a batch's longest runs
	// start early and its wall time comes close to its longest run's.
	Length time.Duration
}

// Admission is how a run was admitted: for its record and report.
type Admission struct {
	// Waited is from the request to the admission.
	Waited time.Duration
	// Reason is what let the run go: "headroom", "no other run", or the
	// fixed cap.
	Reason string
	// Held is the last reason it was held back; empty when it went at once.
	Held string
	// Budget is the tightest budget the thresholds were shares of.
	Budget time.Duration
	// Headroom is what was measured at the moment of admission.
	Headroom Headroom
}

func (a Admission) String() string {
	s := fmt.Sprintf("admitted after %s (%s): %s", a.Waited.Round(time.Millisecond), a.Reason, a.Headroom)
	if a.Held != "" {
		s += "; held back last by: " + a.Held
	}
	return s
}

// Lease is an admitted run's hold on the machine, until Release.
type Lease struct {
	g         *gate
	adm       Admission
	dir, name string
	f         *os.File

	mu       sync.Mutex
	started  bool
	released bool
	renamed  func(starting bool) string // the file's name in a state
}

// Admission says how the run was admitted.
func (l *Lease) Admission() Admission { return l.adm }

// Started tells admission that the run's start-up burst (its cluster's
// start) is over: it stops counting against the runs starting. Later calls
// do nothing.
func (l *Lease) Started() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started || l.released {
		return
	}
	l.started = true
	// Under the decision lock, so that no decision misses the lease while
	// it changes names.
	unlock, _, err := lockDecision(l.dir, true)
	if err != nil {
		return // it keeps counting as starting until released: more cautious, not wrong
	}
	defer unlock()
	next := l.renamed(false)
	if os.Rename(filepath.Join(l.dir, l.name), filepath.Join(l.dir, next)) == nil {
		l.g.renameOwn(l.name, next)
		l.name = next
	}
}

// Release gives the run's place back. Later calls do nothing. A process
// that dies without calling it frees its leases too: the kernel drops
// their locks.
func (l *Lease) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return
	}
	l.released = true
	os.Remove(filepath.Join(l.dir, l.name))
	l.f.Close()
	l.g.released(l.name)
}

// machine is this process's side of admission.
var machine = &gate{own: map[string]bool{}, kick: make(chan struct{}, 1)}

// Admit waits until the machine has room for one more run, by measured
// headroom (or under the fixed cap EnvCap sets), and returns its lease.
// Runs are admitted one at a time machine-wide, in turn across processes:
// the process whose runs have waited longest goes first, as the oldest
// ticket (without turns, a process that frees room and asks again at once
// wins it back before another notices, and a busy process starved another
// one's runs past their deadline: a catalog run under -race waited 2
// minutes while CLI runs took the room back to back). Within a process,
// the longest run (Request.Length) goes first.
func Admit(ctx context.Context, req Request) (*Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("admission: %w", err)
	}
	if req.Budget <= 0 {
		req.Budget = DefaultBudget
	}
	w := &waiter{req: req, arrived: time.Now(), done: make(chan struct{})}
	machine.enqueue(w)
	select {
	case <-w.done:
	case <-ctx.Done():
		if machine.cancel(w) {
			return nil, fmt.Errorf("admission: waited %s, held back by %s: %w", time.Since(w.arrived).Round(time.Millisecond), w.lastHeld(), ctx.Err())
		}
		<-w.done
		if w.lease != nil {
			w.lease.Release()
		}
		return nil, fmt.Errorf("admission: %w", ctx.Err())
	}
	return w.lease, w.err
}

// waiter is a run waiting in this process.
type waiter struct {
	req     Request
	arrived time.Time
	done    chan struct{} // closed once lease or err is set

	// guarded by gate.mu
	lease   *Lease
	err     error
	settled bool
	held    string
}

func (w *waiter) lastHeld() string {
	machine.mu.Lock()
	defer machine.mu.Unlock()
	if w.held == "" {
		return "nothing yet"
	}
	return w.held
}

// gate queues this process's waiters and admits them one at a time, through
// the machine-wide line; one admitter goroutine runs while any wait.
type gate struct {
	mon monitor

	mu       sync.Mutex
	waiting  []*waiter
	admitter bool
	own      map[string]bool // this process's lease files: alive without asking the kernel
	kick     chan struct{}   // something changed: decide again now
}

// pollEvery is how often the admitter looks again while held back: room
// another process frees, and the signals, change without telling it.
// Admissions are AdmitGap apart anyway.
const pollEvery = 20 * time.Millisecond

func (g *gate) enqueue(w *waiter) {
	g.mon.acquire()
	g.mu.Lock()
	g.waiting = append(g.waiting, w)
	start := !g.admitter
	g.admitter = true
	g.mu.Unlock()
	if start {
		go g.admitLoop()
	}
	g.poke()
}

// cancel takes a waiter out of the line; false when it was admitted (or
// failed) meanwhile.
func (g *gate) cancel(w *waiter) bool {
	g.mu.Lock()
	if w.settled {
		g.mu.Unlock()
		return false
	}
	g.removeLocked(w)
	w.settled = true
	g.mu.Unlock()
	g.mon.release()
	g.poke()
	return true
}

func (g *gate) poke() {
	select {
	case g.kick <- struct{}{}:
	default:
	}
}

func (g *gate) removeLocked(w *waiter) {
	for i, x := range g.waiting {
		if x == w {
			g.waiting = append(g.waiting[:i], g.waiting[i+1:]...)
			return
		}
	}
}

// headLocked is the waiter to admit next: the longest, then the earliest;
// since is when the earliest of them all arrived (the process's place in
// the machine's line).
func (g *gate) headLocked() (head *waiter, since time.Time) {
	for _, w := range g.waiting {
		if head == nil || w.req.Length > head.req.Length {
			head = w
		}
		if since.IsZero() || w.arrived.Before(since) {
			since = w.arrived
		}
	}
	return head, since
}

func (g *gate) admitLoop() {
	var t *ticket
	defer func() {
		if t != nil {
			t.drop()
		}
	}()
	dir := stateDir()
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		g.mu.Lock()
		head, since := g.headLocked()
		if head == nil {
			g.admitter = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		err := os.MkdirAll(dir, 0o700)
		if err == nil && (t == nil || !t.since.Equal(since)) {
			if t != nil {
				t.drop()
			}
			t, err = takeTicket(dir, since)
		}
		var admitted bool
		if err == nil {
			admitted, err = g.try(dir, t, head)
		}
		if err != nil {
			g.fail(head, err)
			continue
		}
		if admitted {
			continue
		}
		poll.Reset(pollEvery)
		select {
		case <-poll.C:
		case <-g.kick:
		}
	}
}

// try admits head if this process is first in line and the machine has
// room.
func (g *gate) try(dir string, t *ticket, head *waiter) (bool, error) {
	unlock, ok, err := lockDecision(dir, false)
	if err != nil || !ok {
		return false, err
	}
	defer unlock()
	if first, err := t.first(); err != nil || !first {
		return false, err
	}
	leases, err := scanLeases(dir, g.isOwn)
	if err != nil {
		return false, err
	}
	h, measured := g.mon.headroom()
	s := state{cap: Cap(), budget: head.req.Budget, measured: measured, warm: warm(h, measured),
		waited: time.Since(head.arrived), sinceLast: time.Hour, cpus: cpus()}
	for _, l := range leases {
		h.Runs++
		if l.starting {
			h.Starting++
		}
		s.budget = min(s.budget, l.budget)
		s.sinceLast = min(s.sinceLast, time.Since(l.at))
	}
	s.headroom = h
	ok, why := decide(s)
	if !ok {
		g.mu.Lock()
		head.held = why
		g.mu.Unlock()
		return false, nil
	}
	at := time.Now()
	seq := fileSeq.Add(1)
	pid := os.Getpid()
	nameIn := func(starting bool) string { return leaseName(starting, at, head.req.Budget, pid, seq) }
	f, err := createLocked(dir, nameIn(true))
	if err != nil {
		return false, err
	}
	l := &Lease{g: g, dir: dir, name: nameIn(true), f: f, renamed: nameIn}
	g.mu.Lock()
	defer g.mu.Unlock()
	l.adm = Admission{Waited: at.Sub(head.arrived), Reason: why, Held: head.held, Budget: s.budget, Headroom: h}
	g.removeLocked(head)
	if head.settled {
		// Cancelled while this was deciding: the room goes to the next.
		os.Remove(filepath.Join(dir, l.name))
		f.Close()
		return true, nil
	}
	g.own[l.name] = true
	head.lease, head.settled = l, true
	close(head.done)
	return true, nil
}

// fail settles head with err: the machine's line cannot be used.
func (g *gate) fail(head *waiter, err error) {
	g.mu.Lock()
	g.removeLocked(head)
	already := head.settled
	head.err, head.settled = err, true
	g.mu.Unlock()
	if !already {
		close(head.done)
		g.mon.release()
	}
}

func (g *gate) isOwn(name string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.own[name]
}

func (g *gate) renameOwn(from, to string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.own, from)
	g.own[to] = true
}

func (g *gate) released(name string) {
	g.mu.Lock()
	delete(g.own, name)
	g.mu.Unlock()
	g.mon.release()
	g.poke()
}
