package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/internal/leftover"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A CLI run killed with SIGKILL in the middle of an active leader disk stall
// leaves no FUSE mount, no child process, no temp dir and no listener behind
// (listeners close with the process), and the next run works.
func TestKilledCLIRunLeavesNothingBehind(t *testing.T) {
	harness.SkipWithoutDisk(t)
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to build the CLI")
	}
	bin := filepath.Join(t.TempDir(), "leaderfault")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	cmd := exec.Command(bin, "run", "leader-disk-stall", "--advancer", "legacy", "--steps", "--timeline", "none")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	// Wait until the script is inside the stall: the fault is armed and
	// legacy's known line is being judged. The run may wait for admission
	// first (other test processes share the machine): the 60 s count from
	// its first step.
	started, inStall := make(chan struct{}), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		var once, onceStall bool
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), "line ") {
				close(started)
				once = true
			}
			if !onceStall && strings.Contains(sc.Text(), "known advance") {
				close(inStall)
				onceStall = true
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Minute):
		t.Fatal("the CLI's run was not admitted within 5 minutes")
	}
	select {
	case <-inStall:
	case <-time.After(60 * time.Second):
		t.Fatal("the CLI did not reach the stall within 60s of its first step")
	}
	dir := ""
	fuseChildren := 0
	for _, env := range leftover.Children(cmd.Process.Pid) {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "LEADERFAULT_REAPER_DIR="); ok {
				dir = v
			}
			if strings.HasPrefix(kv, "LEADERFAULT_DISK_SERVER=") {
				fuseChildren++
			}
		}
	}
	require.NotEmpty(t, dir, "found the cluster's reaper")
	require.Equal(t, 3, fuseChildren, "one FUSE child per member")
	require.NotEmpty(t, leftover.Mounts(dir), "the data dirs are mounted")

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()

	require.NoError(t, leftover.WaitGone(dir, 30*time.Second))

	// The next run starts normally.
	next := exec.Command(bin, "run", "leader-transfer", "--advancer", "robust", "--quiet", "--timeline", "none")
	out, err = next.CombinedOutput()
	require.NoError(t, err, "%s", out)
}
