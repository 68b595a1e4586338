package harness

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// The reaper is a small child process (this executable run again) that
// outlives a cluster's process if that process is killed — kill -9, a
// `go test -timeout` panic, a crash — and then removes the cluster's temp dir
// once the FUSE children have unmounted from it. Listeners die with the
// process; FUSE children unmount and exit by themselves (package disk); the
// temp dir is the one thing nobody else would remove. On a normal Close the
// parent removes the dir itself and the reaper just exits.

const reaperEnv = "LEADERFAULT_REAPER_DIR"

func init() {
	if dir := os.Getenv(reaperEnv); dir != "" {
		os.Exit(runReaper(dir, os.Stdin))
	}
}

// runReaper waits for its parent to close the pipe (or die), then removes
// dir when no mount remains under it.
func runReaper(dir string, parent io.Reader) int {
	_, _ = io.Copy(io.Discard, parent) // returns when the parent is gone
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return 0 // closed normally
	}
	deadline := time.Now().Add(30 * time.Second)
	for mountedUnder(dir) {
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "leaderfault reaper: mounts under %s remain after 30s; leaving it\n", dir)
			return 1
		}
		time.Sleep(50 * time.Millisecond) // waiting on other processes' unmounts
	}
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "leaderfault reaper: %v\n", err)
		return 1
	}
	return 0
}

// mountedUnder reports whether any mount point lies inside dir.
func mountedUnder(dir string) bool {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && (fields[4] == dir || strings.HasPrefix(fields[4], dir+"/")) {
			return true
		}
	}
	return false
}

type reaper struct {
	cmd  *exec.Cmd
	pipe io.WriteCloser
}

// startReaper starts the reaper of dir. Where the executable cannot be run
// again it returns an error, and the cluster works without one.
func startReaper(dir string) (*reaper, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), reaperEnv+"="+dir)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	// Its own process group: a Ctrl-C meant for the parent must not take the
	// reaper down before it has cleaned up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pipe, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &reaper{cmd: cmd, pipe: pipe}, nil
}

// stop tells the reaper the cluster closed normally and waits for it.
func (r *reaper) stop() {
	if r == nil {
		return
	}
	r.pipe.Close()
	_ = r.cmd.Wait()
}
