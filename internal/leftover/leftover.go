// Package leftover finds what a cluster may have left on the machine after
// it closed or its process died: mounts under its directory, processes that
// mention it, its directory itself. Tests use it to prove that nothing
// survives a Close, a kill -9 or a `go test -timeout` panic. It reads /proc
// (Linux) and changes nothing.
package leftover

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Mounts returns the mount points at or under dir.
func Mounts(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			out = append(out, f[4])
		}
	}
	return out
}

// process is one live (not zombie) process read from /proc.
type process struct {
	pid, ppid int
	pgrp      int // process group
	cmdline   string
	environ   []string
}

func processes() []process {
	entries, _ := os.ReadDir("/proc")
	var out []process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[0] == "Z" { // a zombie is gone; its parent or init reaps it
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgrp, _ := strconv.Atoi(f[2])
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		env, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
		out = append(out, process{pid: pid, ppid: ppid, pgrp: pgrp, cmdline: string(cmd), environ: strings.Split(string(env), "\x00")})
	}
	return out
}

// Processes returns the live processes whose command line or environment
// mention s.
func Processes(s string) []int {
	var out []int
	for _, p := range processes() {
		if strings.Contains(p.cmdline, s) || strings.Contains(strings.Join(p.environ, "\x00"), s) {
			out = append(out, p.pid)
		}
	}
	return out
}

// Group returns the live processes of process group pgid.
func Group(pgid int) []int {
	var out []int
	for _, p := range processes() {
		if p.pgrp == pgid {
			out = append(out, p.pid)
		}
	}
	return out
}

// Alive reports whether pid is a live (not zombie) process.
func Alive(pid int) bool {
	for _, p := range processes() {
		if p.pid == pid {
			return true
		}
	}
	return false
}

// Children returns the live children of pid with their environments.
func Children(pid int) map[int][]string {
	out := map[int][]string{}
	for _, p := range processes() {
		if p.ppid == pid {
			out[p.pid] = p.environ
		}
	}
	return out
}

// WaitGone waits until nothing of the cluster whose directory is dir
// remains — no mount under it, no process mentioning it, the directory
// itself removed — or timeout passes, and then says what is left. The
// cleanup it waits for is done by other processes (FUSE children, the
// reaper), so it polls /proc with a deadline.
func WaitGone(dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		mounts, procs := Mounts(dir), Processes(dir)
		_, statErr := os.Stat(dir)
		gone := errors.Is(statErr, os.ErrNotExist)
		if len(mounts) == 0 && len(procs) == 0 && gone {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: mounts %v, processes %v, %s still exists %v", timeout, mounts, procs, dir, !gone)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
