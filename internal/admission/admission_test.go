package admission

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// isolate gives the test its own admission directory.
func isolate(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
}

func TestACapIsExclusiveAndFreedOnRelease(t *testing.T) {
	isolate(t)
	t.Setenv(EnvCap, "2")
	ctx := context.Background()
	l1, err := Admit(ctx, Request{})
	require.NoError(t, err)
	l2, err := Admit(ctx, Request{})
	require.NoError(t, err)
	assert.Equal(t, 1, l2.Admission().Headroom.Runs, "the second saw the first")

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = Admit(short, Request{})
	assert.ErrorContains(t, err, "held back by 2 runs, at most 2 ("+EnvCap+")")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	got := make(chan *Lease, 1)
	go func() {
		l, err := Admit(ctx, Request{})
		assert.NoError(t, err)
		got <- l
	}()
	waitHeld(t, 1)
	l1.Release()
	l1.Release() // a second release does nothing
	select {
	case l3 := <-got:
		assert.Equal(t, "2 runs, at most 2 ("+EnvCap+")", l3.Admission().Held, "why it waited")
		assert.True(t, strings.HasSuffix(l3.Admission().String(), "; held back last by: 2 runs, at most 2 ("+EnvCap+")"), l3.Admission().String())
		l3.Release()
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting run did not get the released room within 5s")
	}
	l2.Release()
	assert.Empty(t, leaseFiles(t), "no lease is left behind")
}

// Within a process the longest waiting run goes first, whatever the order
// it asked in.
func TestTheLongestWaitingRunGoesFirst(t *testing.T) {
	isolate(t)
	t.Setenv(EnvCap, "1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hold, err := Admit(ctx, Request{})
	require.NoError(t, err)

	order := make(chan time.Duration, 3)
	var wg sync.WaitGroup
	for _, length := range []time.Duration{time.Second, 30 * time.Second, 5 * time.Second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := Admit(ctx, Request{Length: length})
			if !assert.NoError(t, err) {
				return
			}
			order <- length
			l.Release()
		}()
	}
	waitHeld(t, 3)
	hold.Release()
	wg.Wait()
	close(order)
	var got []time.Duration
	for d := range order {
		got = append(got, d)
	}
	assert.Equal(t, []time.Duration{30 * time.Second, 5 * time.Second, time.Second}, got)
}

// A process's place in the machine's line is its oldest waiting run's:
// while another process holds an older ticket, nothing is admitted here,
// even with room.
func TestAnOlderTicketElsewhereGoesFirst(t *testing.T) {
	isolate(t)
	t.Setenv(EnvCap, "4")
	dir := stateDir()
	require.NoError(t, os.MkdirAll(dir, 0o700))
	// Another process's ticket: older, and held.
	other, err := takeTicket(dir, time.Now().Add(-time.Minute))
	require.NoError(t, err)

	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = Admit(short, Request{})
	assert.ErrorContains(t, err, "held back by nothing yet", "not first in line: nothing decided")

	other.drop()
	l, err := Admit(context.Background(), Request{})
	require.NoError(t, err)
	l.Release()

	// A ticket its owner no longer holds (the process died) is removed.
	dead := filepath.Join(dir, "wait-00000000000000000001-1-1")
	require.NoError(t, os.WriteFile(dead, nil, 0o600))
	l, err = Admit(context.Background(), Request{})
	require.NoError(t, err)
	l.Release()
	assert.NoFileExists(t, dead)
}

// Started moves a lease from the runs starting to the runs going, so the
// next admission counts it so.
func TestStartedLeavesTheStartingRuns(t *testing.T) {
	isolate(t)
	t.Setenv(EnvCap, "3")
	ctx := context.Background()
	l1, err := Admit(ctx, Request{Budget: time.Second})
	require.NoError(t, err)
	l2, err := Admit(ctx, Request{})
	require.NoError(t, err)
	assert.Equal(t, 1, l2.Admission().Headroom.Starting)
	assert.Equal(t, time.Second, l1.Admission().Budget)
	assert.Equal(t, DefaultBudget, l2.Admission().Budget, "the tightest of the runs going and the request")
	l1.Started()
	l1.Started()
	l3, err := Admit(ctx, Request{})
	require.NoError(t, err)
	assert.Equal(t, 2, l3.Admission().Headroom.Runs)
	assert.Equal(t, 1, l3.Admission().Headroom.Starting, "only l2 still starting")
	for _, l := range []*Lease{l1, l2, l3} {
		l.Release()
	}
	assert.Empty(t, leaseFiles(t))
}

// By headroom (no cap), the first run goes at once; the next waits until
// the probe has measured, and then goes only while the probe's delay is far
// below the budget. Busy goroutines on every core push the probe's delay
// far over a 10 ms budget's share (0.2 ms p99).
func TestHeadroomHoldsRunsBackUnderLoad(t *testing.T) {
	isolate(t)
	t.Setenv(EnvCap, "")
	ctx := context.Background()
	first, err := Admit(ctx, Request{Budget: time.Minute})
	require.NoError(t, err)
	defer first.Release()
	assert.Equal(t, "no other run", first.Admission().Reason)
	assert.Equal(t, "measuring", first.Admission().Held, "it waited for the probe's first look")

	stop := make(chan struct{})
	var hogs sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		hogs.Add(1)
		go func() {
			defer hogs.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i := 0; i < 1e6; i++ {
					_ = i * i
				}
			}
		}()
	}
	defer hogs.Wait()
	defer close(stop)
	held, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err = Admit(held, Request{Budget: 10 * time.Millisecond})
	require.Error(t, err)
	t.Log(err)
	assert.Regexp(t, `held back by (probe delay (p99|max) [0-9.]+ms over|[0-9.]+ cores idle, under)`, err.Error())
}

// A process killed with a lease frees it: the kernel drops its lock, and
// the next decision removes the file.
func TestAKilledProcessFreesItsLease(t *testing.T) {
	isolate(t)
	t.Setenv(EnvCap, "1")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsALease$")
	cmd.Env = append(os.Environ(), "ADMISSION_HOLD=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "admitted\n", line)

	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = Admit(short, Request{})
	require.ErrorContains(t, err, "1 runs, at most 1", "the child's lease counts")

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	killed = true
	ctx, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	l, err := Admit(ctx, Request{})
	require.NoError(t, err, "the dead child's lease is free")
	assert.Zero(t, l.Admission().Headroom.Runs)
	l.Release()
	assert.Empty(t, leaseFiles(t))
}

// TestHelperHoldsALease is the child of TestAKilledProcessFreesItsLease.
func TestHelperHoldsALease(t *testing.T) {
	if os.Getenv("ADMISSION_HOLD") == "" {
		t.Skip("the child of TestAKilledProcessFreesItsLease")
	}
	_, err := Admit(context.Background(), Request{})
	require.NoError(t, err)
	os.Stdout.WriteString("admitted\n")
	time.Sleep(time.Minute) // until killed
}

// waitHeld waits until n runs of this process wait, the first of them held
// back by a decision.
func waitHeld(t *testing.T, n int) {
	require.Eventually(t, func() bool {
		machine.mu.Lock()
		defer machine.mu.Unlock()
		if len(machine.waiting) != n {
			return false
		}
		head, _ := machine.headLocked()
		return head.held != ""
	}, 5*time.Second, time.Millisecond, "%d runs wait", n)
}

func leaseFiles(t *testing.T) []string {
	entries, err := os.ReadDir(stateDir())
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if _, ok := parseLease(e.Name()); ok {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestMonitorMeasuresAndStops(t *testing.T) {
	var m monitor
	m.acquire()
	m.acquire()
	require.Eventually(t, func() bool { h, measured := m.headroom(); return warm(h, measured) }, 5*time.Second, 10*time.Millisecond,
		"warm after half a window of samples and a CPU window")
	h, measured := m.headroom()
	assert.GreaterOrEqual(t, measured, probeWindow/2)
	assert.Positive(t, h.DelayMax)
	assert.GreaterOrEqual(t, h.DelayMax, h.DelayP99)
	if haveProcStat {
		assert.GreaterOrEqual(t, h.IdleCores, 0.0)
		assert.LessOrEqual(t, h.IdleCores, float64(runtime.NumCPU())+0.01)
		assert.Positive(t, h.MemAvailable)
	}
	m.release()
	m.release() // goleak: the probe goroutine is gone
}
