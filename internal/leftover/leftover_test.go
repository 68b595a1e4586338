package leftover

import (
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv("LEFTOVER_LISTEN_CHILD") != "" {
		listenAndWait()
		return
	}
	goleak.VerifyTestMain(m)
}

// listenAndWait is the child of TestListeningListsThisProcessesListenersOnly:
// it listens, prints its address and waits to be killed.
func listenAndWait() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(1)
	}
	os.Stdout.WriteString(ln.Addr().String() + "\n")
	time.Sleep(time.Minute)
}

func TestFindsChildrenByEnvironmentAndWaitsForThemToGo(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("sleep", "30")
	cmd.Env = append(os.Environ(), "LEFTOVER_TEST_DIR="+dir)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	// Start returns once the child is forked; until it has exec'd sleep its
	// /proc environ can read empty ([""]), so wait for the exec.
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

func TestListeningListsThisProcessesListenersOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	assert.Contains(t, Listening(os.Getpid()), addr)

	// A socket that only dialed is not listening.
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	assert.NotContains(t, Listening(os.Getpid()), conn.LocalAddr().String())
	conn.Close()

	require.NoError(t, ln.Close())
	assert.NotContains(t, Listening(os.Getpid()), addr)

	// Another process's listener is not ours.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LEFTOVER_LISTEN_CHILD=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	buf := make([]byte, 16)
	n, err := out.Read(buf)
	require.NoError(t, err)
	other := strings.TrimSpace(string(buf[:n]))
	assert.Contains(t, Listening(cmd.Process.Pid), other)
	assert.NotContains(t, Listening(os.Getpid()), other)
}

func TestProcAddrDecodesBothFamilies(t *testing.T) {
	a, ok := procAddr("0100007F:88BF")
	assert.True(t, ok)
	assert.Equal(t, "127.0.0.1:35007", a)
	a, ok = procAddr("00000000000000000000000001000000:0050")
	assert.True(t, ok)
	assert.Equal(t, "[::1]:80", a)
	_, ok = procAddr("zz:1")
	assert.False(t, ok)
}
