package disk

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/pingcap/failpoint"

	"github.com/leaderfault/leaderfault/failpoints"
)

// injector is the child's fault state: one point per site. Enable and disable
// are called from one goroutine (the command loop, then shutdown); inject from
// any number of FUSE request goroutines.
type injector struct {
	points map[Site]*point
	hits   *reporter

	filesMu sync.Mutex
	files   map[*fs.Inode]bool // every file opened on the mount
}

// opened notes a file opened on the mount, whose cached pages arming the
// mmap site drops.
func (in *injector) opened(ino *fs.Inode) {
	in.filesMu.Lock()
	in.files[ino] = true
	in.filesMu.Unlock()
}

// dropCachedPages has the kernel forget (and unmap) every cached page of every
// file opened on the mount (FUSE_NOTIFY_INVAL_INODE over the whole file): the
// next touch of a mapped page faults and asks us. It must run before any other
// site holds an operation, since the kernel locks each page to drop it, and a
// held write may hold a page lock.
func (in *injector) dropCachedPages() {
	in.filesMu.Lock()
	files := make([]*fs.Inode, 0, len(in.files))
	for ino := range in.files {
		files = append(files, ino)
	}
	in.filesMu.Unlock()
	for _, ino := range files {
		_ = ino.NotifyContent(0, 0) // ENOENT: the kernel has forgotten it
	}
}

// point is one site. Each site has its own pingcap/failpoint set because a set
// holds its lock while disabling, and Disable waits for in-flight sleeps: with
// one set, healing a 20 s fsync sleep would also stall every write.
type point struct {
	site Site
	fps  failpoint.Failpoints
	cur  atomic.Pointer[armedTerm] // nil when disarmed
}

type armedTerm struct {
	term  failpoints.Term
	evals atomic.Int64 // evaluations started since armed
}

func newInjector(hits *reporter) *injector {
	in := &injector{points: map[Site]*point{}, hits: hits, files: map[*fs.Inode]bool{}}
	for _, s := range Sites() {
		in.points[s] = &point{site: s}
	}
	return in
}

// enable arms site with term, replacing (and first releasing) any term it had:
// pingcap/failpoint would otherwise leave operations paused by the old term
// paused for ever.
func (in *injector) enable(site Site, term string) error {
	t, err := parseDiskTerm(site, term)
	if err != nil {
		return err
	}
	in.disable(site)
	p := in.points[site]
	if err := p.fps.Enable(string(site), withoutTrailingOff(term)); err != nil {
		return fmt.Errorf("disk site %q: %w", site, err)
	}
	p.cur.Store(&armedTerm{term: t})
	if site == SiteMmap {
		in.dropCachedPages()
	}
	return nil
}

// disable disarms site, releasing paused operations. It returns once the
// operations sleeping in the term are done (pingcap/failpoint waits for them).
func (in *injector) disable(site Site) {
	p := in.points[site]
	if p.cur.Swap(nil) != nil {
		_ = p.fps.Disable(string(site))
	}
}

func (in *injector) disableAll() {
	for _, s := range Sites() {
		in.disable(s)
	}
}

// armed reports whether site has a term.
func (in *injector) armed(site Site) bool { return in.points[site].cur.Load() != nil }

// inject evaluates site's term for one FUSE operation, before the operation.
// It returns non-zero only when the operation must not be done: its caller is
// being killed while the term holds it (see awaitEval).
func (in *injector) inject(ctx context.Context, site Site) syscall.Errno {
	p := in.points[site]
	a := p.cur.Load()
	if a == nil {
		return 0
	}
	// A stall must be visible while it lasts, so a term sure to block is
	// reported before it blocks; anything else once Eval says it was taken.
	early := a.sureToBlock()
	if early {
		in.hits.hit(site)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.fps.Eval(string(site))
		done <- err
	}()
	err, abandoned := awaitEval(ctx, done)
	if abandoned {
		return syscall.EINTR
	}
	if err == nil && !early {
		in.hits.hit(site)
	}
	return 0
}

// sureToBlock reports whether this evaluation will take a blocking first link:
// one without probability, and within its count if it has one. Counting our own
// evaluations can credit a different concurrent operation than the one that
// blocks, but the number of hits is right.
func (a *armedTerm) sureToBlock() bool {
	first := a.term.Chain[0]
	if !a.term.FiresOnFirstEval() || !first.Blocking() {
		return false
	}
	n := a.evals.Add(1)
	return first.Count == 0 || n <= int64(first.Count)
}

// callerPollInterval is how often a stalled operation whose caller got a signal
// looks whether that caller is being killed.
const callerPollInterval = 20 * time.Millisecond

// awaitEval waits for a term's evaluation, which blocks as long as the term
// says, and gives up only when the operation's caller is being killed.
//
// Why: the kernel answers a fatal signal to a thread waiting on a FUSE request
// that the server already holds by waiting, uninterruptibly, for the answer. If
// the parent is SIGKILLed while one of its threads is stalled by pause, that
// thread never exits, so the parent never closes the control pipe, so we never
// see EOF and never release it: both hang. Any signal makes the kernel send
// FUSE_INTERRUPT (go-fuse cancels ctx), but ordinary signals must not end a
// stall, so we then watch the caller for a pending SIGKILL.
func awaitEval(ctx context.Context, done <-chan error) (err error, abandoned bool) {
	select {
	case err := <-done:
		return err, false
	case <-ctx.Done():
	}
	caller, ok := fuse.FromContext(ctx)
	if !ok || caller.Pid == 0 {
		return <-done, false
	}
	tick := time.NewTicker(callerPollInterval)
	defer tick.Stop()
	for {
		if taskDying(int(caller.Pid)) {
			return nil, true // the evaluation goroutine ends with the term
		}
		select {
		case err := <-done:
			return err, false
		case <-tick.C:
		}
	}
}

// taskDying reports whether thread tid is gone, a zombie, or has SIGKILL
// pending (which a thread of a process being killed keeps until it exits).
func taskDying(tid int) bool {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return true
	}
	const sigkill = uint64(1) << (syscall.SIGKILL - 1)
	for _, line := range bytes.Split(status, []byte("\n")) {
		key, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch string(key) {
		case "State":
			if len(value) > 0 && (value[0] == 'Z' || value[0] == 'X') {
				return true
			}
		case "SigPnd", "ShdPnd":
			if mask, err := strconv.ParseUint(string(value), 16, 64); err == nil && mask&sigkill != 0 {
				return true
			}
		}
	}
	return false
}

// callerInSyscall reports whether the thread that caused a FUSE request is
// blocked in a system call (read(2), pread, ...), as opposed to a page fault:
// the kernel reading a page for a mapped file (bbolt reads its database
// through mmap) that a thread touched outside any system call.
//
// Why it matters: a Go thread held in a page fault is in the middle of Go code,
// so the runtime cannot stop it, and the garbage collector's stop-the-world
// waits for it for ever. Every member of a cluster lives in one process, so
// one member's held page fault would freeze all of them, the writer and the
// advancer at the next GC, and the heal that would release it with them
// (docs/facts.md §2.7). A thread in read(2), like one in write(2) or fsync,
// is in a system call, which the runtime does not wait for.
//
// /proc/<tid>/syscall holds the number of the system call the thread is
// blocked in, -1 when it is blocked but not in one, or "running" when it is
// runnable (proc(5)). A thread that made a synchronous request is runnable only
// for a moment — between queueing the request and going to sleep, preempted
// on a busy machine — so "running" is read again, until runningBudget; a
// thread still running then made no synchronous request (readahead), and its
// read goes ahead. So does one whose file cannot be read (the thread is gone,
// or no permission): a read let through is a smaller error than a frozen
// process.
func callerInSyscall(ctx context.Context) bool {
	caller, ok := fuse.FromContext(ctx)
	if !ok || caller.Pid == 0 {
		return false
	}
	path := "/proc/" + strconv.Itoa(int(caller.Pid)) + "/syscall"
	deadline := time.Now().Add(runningBudget)
	for {
		line, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		nr, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(" "))
		if string(nr) != "running" || time.Now().After(deadline) {
			n, err := strconv.Atoi(string(nr))
			return err == nil && n >= 0
		}
		time.Sleep(runningPollInterval)
	}
}

// How long, and how often, callerInSyscall looks again at a thread that is
// still runnable.
const (
	runningBudget       = 100 * time.Millisecond
	runningPollInterval = time.Millisecond
)
