package leftover

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFindsChildrenByEnvironmentAndWaitsForThemToGo(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("sleep", "30")
	cmd.Env = append(os.Environ(), "LEFTOVER_TEST_DIR="+dir)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	// Start returns once the child is forked; until it has exec'd sleep its
	// /proc environ can read empty (CI saw [""]), so wait for the exec.
	want := "LEFTOVER_TEST_DIR=" + dir
	require.Eventually(t, func() bool {
		env, ok := Children(os.Getpid())[cmd.Process.Pid]
		return ok && slices.Contains(env, want)
	}, 5*time.Second, time.Millisecond, "the child is listed with its environment")
	assert.Contains(t, Processes(dir), cmd.Process.Pid)
	assert.Empty(t, Mounts(dir))

	err := WaitGone(dir, 100*time.Millisecond)
	require.Error(t, err, "the process and the dir are still there")
	assert.Contains(t, err.Error(), "processes")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.NoError(t, os.Remove(dir))
	assert.NoError(t, WaitGone(dir, 5*time.Second))
}

func TestGroupAndAlive(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	assert.True(t, Alive(pid))
	assert.Equal(t, []int{pid}, Group(pid), "the child leads a group of its own")
	assert.NotContains(t, Group(pid), os.Getpid())

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	assert.False(t, Alive(pid))
	assert.Empty(t, Group(pid))
}
