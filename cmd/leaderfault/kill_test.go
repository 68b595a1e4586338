package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/leaderfault/leaderfault/harness"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// childrenOf returns the pids whose parent is pid, with their environment.
func childrenOf(pid int) map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			env, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
			out[child] = string(env)
		}
	}
	return out
}

func mentioning(s string) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(strings.TrimSpace(string(stat)[i+1:]), "Z") {
			continue
		}
		for _, f := range []string{"cmdline", "environ"} {
			b, _ := os.ReadFile("/proc/" + e.Name() + "/" + f)
			if strings.Contains(string(b), s) {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

func mounted(dir string) bool {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	return strings.Contains(string(b), " "+dir+"/")
}

// A CLI run killed with SIGKILL in the middle of an active leader disk stall
// leaves no FUSE mount, no child process, no temp dir and no listener behind
// (listeners close with the process), and the next run works.
func TestKilledCLIRunLeavesNothingBehind(t *testing.T) {
	if err := harness.DiskAvailable(); err != nil {
		t.Skipf("disk faults unavailable here: %v", err)
	}
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
	// "expect stall" is being judged.
	inStall := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "expect stall") {
				close(inStall)
				signalled = true
			}
		}
	}()
	select {
	case <-inStall:
	case <-time.After(60 * time.Second):
		t.Fatal("the CLI did not reach the stall within 60s")
	}
	dir := ""
	fuseChildren := 0
	for _, env := range childrenOf(cmd.Process.Pid) {
		for _, kv := range strings.Split(env, "\x00") {
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
	require.True(t, mounted(dir), "the data dirs are mounted")

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()

	deadline := time.Now().Add(30 * time.Second)
	for {
		_, statErr := os.Stat(dir)
		procs := mentioning(dir)
		if !mounted(dir) && len(procs) == 0 && os.IsNotExist(statErr) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after kill -9: mounted %v, processes %v, dir exists %v", mounted(dir), procs, statErr == nil)
		}
		time.Sleep(50 * time.Millisecond) // waiting on other processes' cleanup
	}

	// The next run starts normally.
	next := exec.Command(bin, "run", "leader-transfer", "--advancer", "robust", "--quiet", "--timeline", "none")
	out, err = next.CombinedOutput()
	require.NoError(t, err, "%s", out)
}
