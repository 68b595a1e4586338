package disk

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestKilledParent SIGKILLs a process that holds a mount and checks that its
// disk server unmounts and exits on its own — also when one of the parent's
// threads is stuck in a write paused by the server, the case that would
// otherwise leave both processes hanging for good. "signalled" first sends the
// stuck thread a harmless signal, so the kernel has already used up its one
// FUSE interrupt (and waits uninterruptibly) when SIGKILL comes.
func TestKilledParent(t *testing.T) {
	SkipUnlessUsable(t)
	for _, name := range []string{helperIdle, helperStalled, "signalled"} {
		t.Run(name, func(t *testing.T) {
			mode := name
			if name == "signalled" {
				mode = helperStalled
			}
			backing, mnt := t.TempDir(), t.TempDir()
			parent, server := startHelper(t, mode, backing, mnt)
			mounted, err := isMounted(mnt)
			require.NoError(t, err)
			require.True(t, mounted, "helper reported ready without a mount")
			if name == "signalled" {
				interruptStalledWrite(t, parent.Process.Pid)
			}

			require.NoError(t, parent.Process.Kill())
			exited := make(chan error, 1)
			go func() { exited <- parent.Wait() }()
			select {
			case <-exited:
			case <-time.After(testWaitBudget):
				t.Fatalf("parent %d still not gone %v after SIGKILL", parent.Process.Pid, testWaitBudget)
			}
			require.NoError(t, awaitGone(mnt, server), "after the parent was killed")
			if mode == helperStalled {
				_, err := os.Stat(filepath.Join(backing, stalledFile))
				assert.NoError(t, err, "the stalled file was created before the write")
			}
		})
	}
}

// interruptStalledWrite sends SIGURG (which the Go runtime ignores) to the
// thread of pid stuck in write(2), and waits until the thread has moved from
// the interruptible wait (S) to the killable one (D), after the interrupt.
func interruptStalledWrite(t *testing.T, pid int) {
	t.Helper()
	tid := 0
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	require.NoError(t, err)
	for _, task := range tasks {
		call, err := os.ReadFile(task + "/syscall")
		if err == nil && strings.HasPrefix(string(call), strconv.Itoa(unix.SYS_WRITE)+" ") {
			tid, _ = strconv.Atoi(filepath.Base(task))
		}
	}
	require.NotZero(t, tid, "no thread of %d in write(2)", pid)
	require.NoError(t, unix.Tgkill(pid, tid, unix.SIGURG))
	deadline := time.Now().Add(testWaitBudget)
	for taskState(pid, tid) != "D" {
		require.True(t, time.Now().Before(deadline), "thread %d still %q after SIGURG", tid, taskState(pid, tid))
		time.Sleep(5 * time.Millisecond)
	}
}

func taskState(pid, tid int) string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return "gone"
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) == 0 {
		return "?"
	}
	return fields[0]
}

// startHelper runs the test binary as a parent that mounts (see runHelper) and
// returns it with its server's pid. Cleanup kills whatever is left, server
// first: with the server gone, a stuck parent gets errors instead of waiting.
func startHelper(t *testing.T, mode, backing, mnt string) (*exec.Cmd, int) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperBacking+"="+backing, helperMount+"="+mnt)
	stdin, err := cmd.StdinPipe() // held open: the helper waits on it
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())

	server := 0
	t.Cleanup(func() {
		if server != 0 {
			_ = syscall.Kill(server, syscall.SIGKILL)
		}
		_ = cmd.Process.Kill()
		_ = stdin.Close()
		if mounted, _ := isMounted(mnt); mounted {
			_ = lazyUnmount(mnt)
		}
		_ = cmd.Wait()
	})

	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(l, "ready ")))
		require.NoError(t, err, "helper said %q; stderr:\n%s", l, &stderr)
		server = pid
	case <-time.After(testWaitBudget):
		t.Fatalf("helper not ready after %v; stderr:\n%s", testWaitBudget, &stderr)
	}
	return cmd, server
}

// awaitGone polls, with a deadline, until mnt is no longer mounted and the
// server process has exited (gone, or a zombie nobody reaps: it was orphaned).
func awaitGone(mnt string, server int) error {
	deadline := time.Now().Add(testWaitBudget)
	for {
		mounted, err := isMounted(mnt)
		if err != nil {
			return err
		}
		alive := processAlive(server)
		if !mounted && !alive {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: mounted=%v, server %d alive=%v", testWaitBudget, mounted, server, alive)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func processAlive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	state := strings.Fields(rest)
	return len(state) > 0 && state[0] != "Z" && state[0] != "X"
}
