package admission

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// The processes of a user share one directory under the temp dir. Every
// file in it that stands for something alive is flocked by its owner, so
// the kernel frees it when the owner exits, however it exits; a file
// nobody holds is a leftover of a dead process, removed by whoever sees it.
//
//	lock                                the decision lock: one decision at a time
//	wait-<since>-<pid>-<seq>            a ticket: a process with runs waiting since <since> (unix ns)
//	start-<at>-<budget>-<pid>-<seq>     a lease admitted at <at> whose cluster is starting
//	run-<at>-<budget>-<pid>-<seq>       a lease whose cluster has started
//
// <budget> is the run's tightest budget in microseconds: a later run is
// admitted only while the signals stay far below the tightest budget of
// every run already going.
func stateDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("leaderfault-admission-%d", os.Getuid()))
}

var fileSeq atomic.Int64

// ticket is a process's place in the machine's line: only the process
// holding the oldest live ticket may admit a run.
type ticket struct {
	dir, name string
	since     time.Time
	f         *os.File
}

// takeTicket creates the ticket under a temporary name, flocks it, and only
// then gives it its queue name, so no other process can see it unlocked and
// take it for a dead one.
func takeTicket(dir string, since time.Time) (*ticket, error) {
	name := fmt.Sprintf("wait-%020d-%d-%d", since.UnixNano(), os.Getpid(), fileSeq.Add(1))
	f, err := createLocked(dir, name)
	if err != nil {
		return nil, err
	}
	return &ticket{dir: dir, name: name, since: since, f: f}, nil
}

// first reports whether no live ticket is older than this one, removing
// dead ones.
func (t *ticket) first() (bool, error) {
	entries, err := os.ReadDir(t.dir)
	if err != nil {
		return false, fmt.Errorf("admission: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "wait-") && name < t.name && held(filepath.Join(t.dir, name)) {
			return false, nil
		}
	}
	return true, nil
}

// drop leaves the line.
func (t *ticket) drop() {
	os.Remove(filepath.Join(t.dir, t.name))
	t.f.Close()
}

// leaseFile is a live lease as another process sees it.
type leaseFile struct {
	starting bool
	at       time.Time
	budget   time.Duration
}

// scanLeases returns every live lease of every process, removing the files
// of dead ones. own tells this process's leases, alive without asking the
// kernel (a poll while 60 runs go would otherwise lock-test each of them).
func scanLeases(dir string, own func(name string) bool) ([]leaseFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("admission: %w", err)
	}
	var out []leaseFile
	for _, e := range entries {
		l, ok := parseLease(e.Name())
		if ok && (own(e.Name()) || held(filepath.Join(dir, e.Name()))) {
			out = append(out, l)
		}
	}
	return out, nil
}

// parseLease reads a lease's state, admission time and budget from its
// file name.
func parseLease(name string) (leaseFile, bool) {
	f := strings.Split(name, "-")
	if len(f) != 5 || (f[0] != "start" && f[0] != "run") {
		return leaseFile{}, false
	}
	at, err1 := strconv.ParseInt(f[1], 10, 64)
	budget, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return leaseFile{}, false
	}
	return leaseFile{starting: f[0] == "start", at: time.Unix(0, at), budget: time.Duration(budget) * time.Microsecond}, true
}

func leaseName(starting bool, at time.Time, budget time.Duration, pid int, seq int64) string {
	state := "run"
	if starting {
		state = "start"
	}
	return fmt.Sprintf("%s-%020d-%d-%d-%d", state, at.UnixNano(), budget.Microseconds(), pid, seq)
}

// held reports whether someone holds the file's flock. A file nobody holds
// belonged to a dead process and is removed; a file already gone is not
// held.
func held(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	os.Remove(path)
	return false
}

// createLocked creates dir/name flocked: under a temporary name first, so
// that nobody sees it unlocked.
func createLocked(dir, name string) (*os.File, error) {
	tmp := filepath.Join(dir, "new-"+name)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("admission: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("admission: lock %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("admission: %w", err)
	}
	return f, nil
}

// lockDecision takes the decision lock, waiting for it when wait is set;
// without wait it reports false when another process holds it. Deciding
// (count the leases, create one) and a lease's change of state happen
// under it, so two processes never both see room for one more run.
func lockDecision(dir string, wait bool) (unlock func(), ok bool, err error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("admission: %w", err)
	}
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("admission: decision lock: %w", err)
	}
	return func() { f.Close() }, true, nil
}
