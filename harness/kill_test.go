package harness

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/record"

	"github.com/leaderfault/leaderfault/internal/leftover"
)

// These tests kill a process in the middle of a disk stall and check that
// nothing of it survives: no FUSE mount, no child process, no temp dir, no
// listener; and that the next cluster starts normally.

const victimEnv = "LEADERFAULT_TEST_VICTIM"

// TestVictim is the process that gets killed: it starts a disk cluster,
// stalls the leader's disk with writes in flight, reports its temp dir and
// addresses, and blocks. It only runs when started by the tests below.
func TestVictim(t *testing.T) {
	if os.Getenv(victimEnv) == "" {
		t.Skip("only run as a child of TestKilled*")
	}
	ctx := context.Background()
	c, err := Start(ctx, Options{Disk: true})
	require.NoError(t, err)
	mark := c.Recorder().Len()
	_, err = c.Inject(ctx, DiskStall{}, Leader)
	require.NoError(t, err)
	cli, err := c.NewClient(clientv3.Config{})
	require.NoError(t, err)
	go func() { _, _ = cli.Put(ctx, "stalled", "write") }() // hangs in the stall
	// Wait until the stall has really caught a write.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = c.Recorder().WaitKind(wctx, mark, record.KindFaultFired, "")
	require.NoError(t, err)
	var addrs []string
	for _, m := range c.Members() {
		addrs = append(addrs, strings.TrimPrefix(m.ClientURL(), "http://"), strings.TrimPrefix(m.PeerURL(), "http://"))
	}
	os.Stdout.WriteString("VICTIM " + c.Dir() + " " + strings.Join(addrs, ",") + "\n")
	select {} // until killed or timed out
}

func startVictim(t *testing.T, extraArgs ...string) (*exec.Cmd, string, []string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	args := append([]string{"-test.run=^TestVictim$", "-test.count=1"}, extraArgs...)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), victimEnv+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = nil
	require.NoError(t, cmd.Start())
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "VICTIM ") {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		require.True(t, ok, "victim exited before reporting")
		f := strings.Fields(line)
		require.Len(t, f, 3)
		return cmd, f[1], strings.Split(f[2], ",")
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("victim did not start within 30s")
	}
	return nil, "", nil
}

// assertNothingLeft waits (with a deadline) until nothing of the dead
// cluster remains, checks its listeners are gone, and that the next cluster
// starts normally.
func assertNothingLeft(t *testing.T, dir string, addrs []string) {
	t.Helper()
	require.NoError(t, leftover.WaitGone(dir, 30*time.Second))
	// A listener survives only in a descendant of the victim, and those
	// inherit its environment. Dialing would not tell: under `go test ./...`
	// another package's process may take a freed port at once.
	for _, pid := range leftover.Processes(victimEnv + "=1") {
		assert.Empty(t, leftover.Listening(pid), "process %d outlived the victim", pid)
		for _, a := range addrs {
			assert.NotContains(t, leftover.Listening(pid), a, "listener %s survived in process %d", a, pid)
		}
	}
	c := StartT(t, Options{Disk: true})
	writeN(t, c, 1)
}

func TestKilledProcessLeavesNothingBehind(t *testing.T) {
	requireDisk(t)
	cmd, dir, addrs := startVictim(t)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	assertNothingLeft(t, dir, addrs)
}

func TestTimedOutTestLeavesNothingBehind(t *testing.T) {
	requireDisk(t)
	cmd, dir, addrs := startVictim(t, "-test.timeout=3s")
	err := cmd.Wait() // the victim panics: "test timed out after 3s"
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.NotEqual(t, 0, ee.ExitCode())
	assertNothingLeft(t, dir, addrs)
}
