package disk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// closeTimeout bounds how long Close waits for the server to release stalls,
// unmount and exit. Disabling waits for operations sleeping in a term, so only
// a sleep longer than this makes Close kill the server.
const closeTimeout = 30 * time.Second

// Mounted is a directory served through a FUSE loopback by a child process, with
// fault terms per Site. Methods are safe for concurrent use.
type Mounted struct {
	backing, mountpoint string
	onHit               func(Site)

	cmd     *exec.Cmd
	control *os.File      // commands to the child; closing it tells the child to finish
	output  *tail         // the child's stdout and stderr, for error messages
	replies chan message  // answers to commands, one at a time
	ready   chan error    // the child's first message
	events  chan struct{} // closed when the child's event pipe has ended
	exited  chan struct{} // closed when the child has been waited for
	waitErr error         // set before exited is closed

	mu        sync.Mutex // one command at a time
	closeOnce sync.Once
	closeErr  error
}

// Mount serves backing at mountpoint through a FUSE loopback run by a child
// process (this executable re-run; see the package comment). Both must be
// existing directories, neither inside the other. onHit, which may be nil, is
// called for every firing of a site's term, from a goroutine of the mount,
// never after Close returns. When Enable or Disable returns, onHit has been
// called for every firing that happened before it was called. ctx bounds the
// start only; the mount lives until Close.
func Mount(ctx context.Context, backing, mountpoint string, onHit func(site Site)) (*Mounted, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	backing, mountpoint, err := checkDirs(backing, mountpoint)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("disk mount %s: finding this executable to run the server: %w", mountpoint, err)
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("disk mount %s: %w", mountpoint, err)
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		ctlR.Close()
		ctlW.Close()
		return nil, fmt.Errorf("disk mount %s: %w", mountpoint, err)
	}
	if onHit == nil {
		onHit = func(Site) {}
	}
	m := &Mounted{
		backing: backing, mountpoint: mountpoint, onHit: onHit,
		control: ctlW, output: &tail{},
		replies: make(chan message, 1), ready: make(chan error, 1),
		events: make(chan struct{}), exited: make(chan struct{}),
	}
	m.cmd = exec.Command(exe, backing, mountpoint)
	m.cmd.Args[0] = "leaderfault-disk-server"
	m.cmd.Env = childEnviron()
	m.cmd.Dir = "/"                          // a working directory under the mount would keep it busy
	m.cmd.ExtraFiles = []*os.File{ctlR, evW} // fds 3 and 4
	m.cmd.Stdout, m.cmd.Stderr = m.output, m.output
	// Its own process group: a Ctrl-C for the test must not kill the server
	// before the test has let go of the mount.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = m.cmd.Start()
	ctlR.Close()
	evW.Close()
	if err != nil {
		ctlW.Close()
		evR.Close()
		return nil, fmt.Errorf("disk mount %s: starting server %s: %w", mountpoint, exe, err)
	}
	go m.readEvents(evR)
	go func() {
		m.waitErr = m.cmd.Wait()
		close(m.exited)
	}()

	select {
	case err = <-m.ready:
	case <-m.events:
		err = errors.New("server exited before mounting")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		closeErr := m.Close()
		return nil, fmt.Errorf("disk mount %s (backing %s): %w%s", mountpoint, backing, errors.Join(err, closeErr), m.output.suffix())
	}
	return m, nil
}

// Mountpoint is where the loopback is mounted.
func (m *Mounted) Mountpoint() string { return m.mountpoint }

// Backing is the directory the mount serves.
func (m *Mounted) Backing() string { return m.backing }

// Enable arms site with a pingcap/failpoint term (see failpoints.Grammar;
// return(...) is refused: disk sites have nothing to return). The term is in
// force in the server when Enable returns. Enabling an armed site replaces its
// term and releases operations paused by the old one. Enable waits while the
// old term's sleeps finish.
func (m *Mounted) Enable(site Site, term string) error {
	if _, err := ParseSite(string(site)); err != nil {
		return err
	}
	if _, err := parseDiskTerm(site, term); err != nil {
		return err
	}
	return m.request(message{verb: "enable", site: site, text: term})
}

// Disable disarms site and releases operations paused by it. It returns once
// operations sleeping in the term have finished. Disabling a site that is not
// armed does nothing.
func (m *Mounted) Disable(site Site) error {
	if _, err := ParseSite(string(site)); err != nil {
		return err
	}
	return m.request(message{verb: "disable", site: site})
}

func (m *Mounted) request(cmd message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := io.WriteString(m.control, cmd.String()+"\n"); err != nil {
		return m.gone(cmd, err)
	}
	select {
	case r := <-m.replies:
		if r.verb == "err" {
			return fmt.Errorf("disk mount %s: %s", m.mountpoint, r.text)
		}
		return nil
	case <-m.events:
		return m.gone(cmd, nil)
	}
}

func (m *Mounted) gone(cmd message, err error) error {
	if errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("disk mount %s: %s: mount is closed", m.mountpoint, cmd.verb)
	}
	return fmt.Errorf("disk mount %s: %s: server is gone%s", m.mountpoint, cmd.verb, m.output.suffix())
}

// readEvents dispatches the child's messages until its event pipe ends.
func (m *Mounted) readEvents(r *os.File) {
	defer close(m.events)
	defer r.Close()
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		msg, err := parseMessage(lines.Text())
		if err != nil {
			fmt.Fprintln(m.output, err)
			continue
		}
		switch msg.verb {
		case "ready":
			m.ready <- nil
		case "fail":
			m.ready <- errors.New(msg.text)
		case "ok", "err":
			m.replies <- msg
		case "hit":
			for range msg.count {
				m.onHit(msg.site)
			}
		}
	}
}

// Close disables every term (releasing stalled operations), unmounts and waits
// for the server to exit. If files are still open on the mount it is detached
// and they fail from then on. Close is idempotent; later calls return the
// first result.
func (m *Mounted) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.shutdown() })
	return m.closeErr
}

func (m *Mounted) shutdown() error {
	var errs []error
	// End of the control pipe is the server's signal to release, unmount and
	// exit — the same path as when this process dies.
	_ = m.control.Close()
	select {
	case <-m.exited:
	case <-time.After(closeTimeout):
		_ = m.cmd.Process.Kill()
		<-m.exited
		errs = append(errs, fmt.Errorf("server did not finish within %v and was killed", closeTimeout))
	}
	<-m.events // no onHit after Close
	if m.waitErr != nil {
		errs = append(errs, fmt.Errorf("server: %w", m.waitErr))
	}
	if mounted, err := isMounted(m.mountpoint); err != nil {
		errs = append(errs, err)
	} else if mounted {
		errs = append(errs, errors.Join(errors.New("server left the mount behind; detaching it"), lazyUnmount(m.mountpoint)))
	}
	if len(errs) > 0 {
		return fmt.Errorf("disk mount %s: close: %w%s", m.mountpoint, errors.Join(errs...), m.output.suffix())
	}
	return nil
}

// childEnviron is this process's environment for the server, without
// pingcap/failpoint's variables: its init would act on them in the child too.
func childEnviron() []string {
	env := []string{childEnv + "=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GO_FAILPOINTS") && !strings.HasPrefix(kv, childEnv+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// tail keeps the last few KiB of the server's output for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4096

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

// suffix is the output formatted to end an error message, or "".
func (t *tail) suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := strings.TrimSpace(string(t.buf))
	if out == "" {
		return ""
	}
	return "\nserver output:\n" + out
}
