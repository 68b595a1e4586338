package harness

import (
	"io"
	"os/exec"
	"syscall"
)

// The reaper is a small child process that outlives a cluster's process if
// that process is killed — kill -9, a `go test -timeout` panic, a crash — and
// then removes the cluster's temp dir once the FUSE children have unmounted
// from it. Listeners die with the process; FUSE children unmount and exit by
// themselves (package disk); the temp dir is the one thing nobody else would
// remove. On a normal Close the parent removes the dir itself and the reaper
// just exits.
//
// It is a one-line /bin/sh script rather than this executable run again: a
// test binary linking etcd takes ~100 ms to start, the shell ~2 ms, and the
// reaper must not slow down every cluster start and close.

// reaperScript waits for stdin to close (the parent exited or closed it),
// waits up to 30 s for mounts under $DIR to go, then removes $DIR.
const reaperScript = `cat >/dev/null
i=0
while grep -qF " $LEADERFAULT_REAPER_DIR/" /proc/self/mountinfo && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
rm -rf -- "$LEADERFAULT_REAPER_DIR"`

type reaper struct {
	cmd  *exec.Cmd
	pipe io.WriteCloser
}

// startReaper starts the reaper of dir.
func startReaper(dir string) (*reaper, error) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(sh, "-c", reaperScript)
	cmd.Env = []string{"LEADERFAULT_REAPER_DIR=" + dir, "PATH=/usr/bin:/bin"}
	cmd.Stdout, cmd.Stderr = nil, nil
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
