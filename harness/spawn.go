package harness

import (
	"fmt"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// Members that run as processes must die with this process, also when it is
// killed: each is started with PR_SET_PDEATHSIG (SIGKILL). Linux sends that
// signal when the thread that forked the child exits, not the process, and Go
// may end an idle thread; so members are forked by one goroutine locked to its
// thread, which lives as long as any member process does (and no longer, so
// that tests end with no goroutine of ours).

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

var spawner struct {
	mu   sync.Mutex
	live int           // children started and not yet waited for
	reqs chan spawnReq // nil while no forking goroutine runs
}

// spawn starts cmd as a child that dies with this process; call its end
// once cmd.Wait has returned. Its own process group keeps a Ctrl-C meant for
// the test from reaching it first.
func spawn(cmd *exec.Cmd) (end func(), err error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr.Setpgid = true
	spawner.mu.Lock()
	if spawner.reqs == nil {
		reqs := make(chan spawnReq)
		spawner.reqs = reqs
		go func() {
			// Never unlocked: the thread ends with the goroutine, once
			// no child of it is alive.
			runtime.LockOSThread()
			for r := range reqs {
				r.done <- r.cmd.Start()
			}
		}()
	}
	spawner.live++
	reqs := spawner.reqs
	spawner.mu.Unlock()
	done := make(chan error, 1)
	reqs <- spawnReq{cmd: cmd, done: done}
	end = func() {
		spawner.mu.Lock()
		defer spawner.mu.Unlock()
		spawner.live--
		if spawner.live == 0 {
			close(spawner.reqs)
			spawner.reqs = nil
		}
	}
	if err := <-done; err != nil {
		end()
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	return end, nil
}

// reservedPort holds a loopback TCP port for a member's process for the life
// of the cluster, so the member restarts on the same port and nothing else
// takes it meanwhile. It is a socket bound with SO_REUSEPORT and never
// listening: etcd, started with --socket-reuse-port, binds the same port next
// to it (same user, both with SO_REUSEPORT) and alone accepts connections.
// It must not set SO_REUSEADDR: Linux refuses a second bind beside a
// non-listening socket when both have it, and Go's listeners always set it.
type reservedPort struct {
	fd   int
	port int
}

func reservePort() (*reservedPort, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reserve a port: %w", err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("reserve a port: SO_REUSEPORT: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("reserve a port: bind: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("reserve a port: %w", err)
	}
	return &reservedPort{fd: fd, port: sa.(*syscall.SockaddrInet4).Port}, nil
}

func (r *reservedPort) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

func (r *reservedPort) release() {
	if r != nil {
		syscall.Close(r.fd)
	}
}

// soReusePort is SO_REUSEPORT on Linux (asm-generic/socket.h).
const soReusePort = 0xf
