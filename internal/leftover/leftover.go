// Package leftover finds what a cluster may have left on the machine after
// it closed or its process died: mounts under its directory, processes that
// mention it, its directory itself. Tests use it to prove that nothing
// survives a Close, a kill -9 or a `go test -timeout` panic. It reads /proc
// (Linux) and changes nothing.
package leftover

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
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

// Listening returns the TCP addresses ("127.0.0.1:port") on which process
// pid holds a listening socket. It asks about the process's own sockets, so
// a port that another process took after pid closed it is not listed: a
// dial would succeed there and prove nothing about pid.
func Listening(pid int) []string {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	inodes := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	var out []string
	for _, table := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			f := strings.Fields(line)
			const listen = "0A"
			if len(f) < 10 || f[3] != listen || !inodes[f[9]] {
				continue
			}
			if a, ok := procAddr(f[1]); ok {
				out = append(out, a)
			}
		}
	}
	return out
}

// procAddr decodes /proc/net/tcp's "0100007F:88BF": the address in host
// byte order per 32-bit word, the port in hex.
func procAddr(s string) (string, bool) {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(hexIP)
	port, perr := strconv.ParseUint(hexPort, 16, 16)
	if !ok || err != nil || perr != nil || len(raw)%4 != 0 {
		return "", false
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		ip[i], ip[i+1], ip[i+2], ip[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	return net.JoinHostPort(ip.String(), strconv.FormatUint(port, 10)), true
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
