package disk

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// childEnv marks a process started by Mount as a disk server. Its arguments are
// the backing directory and the mount point; fd 3 carries commands from the
// parent, fd 4 carries answers and hit reports back.
const (
	childEnv  = "LEADERFAULT_DISK_SERVER"
	controlFd = 3
	eventsFd  = 4
	fsType    = "leaderfault" // shows as fuse.leaderfault in /proc/self/mountinfo
)

// init turns this process into a disk server when Mount started it. It runs
// before main and before any test, so every binary that imports this package
// can be re-executed as one.
func init() {
	if os.Getenv(childEnv) == "" {
		return
	}
	os.Exit(serveChild(os.Args[1:]))
}

func serveChild(args []string) int {
	_ = os.Unsetenv(childEnv)
	if len(args) != 2 {
		fmt.Fprintf(os.Stderr, "disk server: want arguments BACKING MOUNTPOINT, got %q\n", args)
		return 2
	}
	backing, mountpoint := args[0], args[1]
	// Non-blocking fds become pollable *os.Files, whose Close interrupts a
	// pending Read: that is how a signal ends the command loop.
	for _, fd := range []int{controlFd, eventsFd} {
		if err := syscall.SetNonblock(fd, true); err != nil {
			fmt.Fprintf(os.Stderr, "disk server: fd %d from the parent: %v\n", fd, err)
			return 2
		}
	}
	control := os.NewFile(controlFd, "disk-control")
	events := newReporter(os.NewFile(eventsFd, "disk-events"))
	inj := newInjector(events)

	server, err := mountLoopback(backing, mountpoint, inj)
	if err != nil {
		events.send(message{verb: "fail", text: err.Error()})
		return 1
	}
	go events.run()
	events.send(message{verb: "ready"})

	// Being told to stop is handled like the parent going away. The child has
	// its own process group, so a Ctrl-C meant for the test does not get here.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		<-signals
		_ = control.Close()
	}()

	obey(control, inj, events)

	// The parent closed the control pipe (Close) or is gone. Release every
	// stalled operation first: unmounting waits for them.
	inj.disableAll()
	events.stop()
	if err := unmount(server, mountpoint); err != nil {
		fmt.Fprintf(os.Stderr, "disk server: unmount %s: %v\n", mountpoint, err)
		return 1
	}
	return 0
}

func mountLoopback(backing, mountpoint string, inj *injector) (*fuse.Server, error) {
	root, err := newRootNode(backing, inj)
	if err != nil {
		return nil, err
	}
	// No DirectIO: bbolt mmaps its database file.
	opts := &fs.Options{MountOptions: fuse.MountOptions{
		DirectMount: true, // falls back to fusermount by itself
		FsName:      backing,
		Name:        fsType,
	}}
	return fs.Mount(mountpoint, root, opts)
}

// unmount unmounts, and detaches the mount if files are still open on it (the
// parent closed us while using it): those files fail from now on instead of
// hanging.
func unmount(server *fuse.Server, mountpoint string) error {
	if err := server.Unmount(); err == nil {
		return nil
	}
	return lazyUnmount(mountpoint)
}

// obey answers the parent's commands until the control pipe ends.
func obey(control io.Reader, inj *injector, out *reporter) {
	lines := bufio.NewScanner(control)
	lines.Buffer(make([]byte, 4096), 1<<20)
	for lines.Scan() {
		cmd, err := parseMessage(lines.Text())
		if err == nil {
			switch cmd.verb {
			case "enable":
				err = inj.enable(cmd.site, cmd.text)
			case "disable":
				inj.disable(cmd.site)
			default:
				err = fmt.Errorf("disk server: %q is not a command", cmd.verb)
			}
		}
		if err != nil {
			out.send(message{verb: "err", text: err.Error()})
		} else {
			out.send(message{verb: "ok"})
		}
	}
}

// reporter writes the child's messages to the parent. Hits are counted per
// site and sent by a goroutine of their own, so a FUSE operation never waits
// for a slow parent; hits that pile up meanwhile go out as one line.
type reporter struct {
	mu      sync.Mutex // one line at a time, hits before answers
	out     io.Writer
	pending map[Site]*atomic.Int64
	wake    chan struct{}
	quit    chan struct{}
	done    chan struct{}
}

func newReporter(out io.Writer) *reporter {
	r := &reporter{out: out, pending: map[Site]*atomic.Int64{}, wake: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{})}
	for _, s := range Sites() {
		r.pending[s] = new(atomic.Int64)
	}
	return r
}

func (r *reporter) hit(site Site) {
	r.pending[site].Add(1)
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *reporter) run() {
	defer close(r.done)
	for {
		select {
		case <-r.wake:
			r.flush()
		case <-r.quit:
			r.flush()
			return
		}
	}
}

// stop sends the hits still pending and ends run.
func (r *reporter) stop() {
	close(r.quit)
	<-r.done
}

func (r *reporter) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushLocked()
}

func (r *reporter) flushLocked() {
	for _, s := range Sites() {
		if n := r.pending[s].Swap(0); n > 0 {
			r.write(message{verb: "hit", site: s, count: n})
		}
	}
}

// send writes one message, after the hits counted so far: when the parent
// reads an answer, it has read every hit that happened before the command.
func (r *reporter) send(m message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushLocked()
	r.write(m)
}

// write drops errors: the parent is gone, and the control pipe's EOF will tell.
func (r *reporter) write(m message) {
	_, _ = io.WriteString(r.out, m.String()+"\n")
}
