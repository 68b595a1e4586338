package external

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/leaderfault/leaderfault/advancer"
)

// Command returns an Advancer that runs command as a separate process in a
// process group of its own — directly when it is a plain word list (words,
// quotes, backslashes, leading NAME=value assignments), else with
// /bin/sh -c — and speaks the exec line
// protocol with it (see protocol.go and docs/exec-protocol.md): the Env in as
// one JSON line on its standard input, advances, errors and notes out as JSON
// lines on its standard output. name is what records and reports call it.
//
// No process of the group outlives Run: when ctx ends, Run closes standard
// input, sends SIGTERM to the group, waits up to a second, sends SIGKILL to
// the group and reaps the process before it returns.
func Command(name, command string) advancer.Advancer {
	return &execAdvancer{name: name, command: command, grace: defaultExecGrace}
}

const (
	defaultExecGrace = time.Second
	// maxExecLine bounds one protocol line; longer lines are malformed.
	maxExecLine = 64 << 10
	// stderrNotes is how many lines of standard error become notes.
	stderrNotes = 50
	// quoteMax bounds a quoted line in an error or note.
	quoteMax = 300
)

type execAdvancer struct {
	name    string
	command string
	grace   time.Duration
}

func (x *execAdvancer) Name() string { return x.name }

// Command is the shell command line the advancer runs.
func (x *execAdvancer) Command() string { return x.command }

func (x *execAdvancer) Run(ctx context.Context, env *advancer.Env) error {
	if err := env.Validate(); err != nil {
		return fmt.Errorf("advancer %s: %w", x.name, err)
	}
	if strings.TrimSpace(x.command) == "" {
		return fmt.Errorf("advancer %s: empty command", x.name)
	}
	hello, err := json.Marshal(Hello{Endpoints: env.Endpoints, Pinned: env.PinnedOrFirst(), Key: env.Key(), Task: env.Task})
	if err != nil {
		return err
	}
	p, err := startProc(x.command)
	if err != nil {
		return fmt.Errorf("advancer %s: %w", x.name, err)
	}
	env.Note("exec: pid %d (its own process group): %s", p.pid, p.how)

	stderr := newTail(10)
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		x.readStdout(ctx, env, p.stdout)
	}()
	go func() {
		defer readers.Done()
		x.readStderr(ctx, env, p.stderr, stderr)
	}()

	_ = p.stdin.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := p.stdin.Write(append(hello, '\n')); err != nil && ctx.Err() == nil {
		env.ObserveError(fmt.Errorf("exec: writing the first line to its standard input: %w", err))
	}

	select {
	case <-ctx.Done():
	case err := <-p.exited:
		p.exited <- err // for stop
		if ctx.Err() == nil {
			// Let the readers take what it wrote last.
			waitTimeout(&readers, 200*time.Millisecond)
			msg := fmt.Sprintf("exec: process exited before the end of the run: %v", exitText(err))
			if t := stderr.String(); t != "" {
				msg += "; stderr: " + t
			}
			env.ObserveError(errors.New(msg))
			<-ctx.Done()
		}
	}
	p.stop(x.grace)
	if !waitTimeout(&readers, time.Second) {
		// Something outside the group still holds the pipes.
		p.closeReaders()
		readers.Wait()
	}
	p.closeReaders()
	return nil
}

// readStdout turns each line into an advance, error or note.
func (x *execAdvancer) readStdout(ctx context.Context, env *advancer.Env, r io.Reader) {
	br := bufio.NewReaderSize(r, 4096)
	for {
		line, long, err := readLine(br)
		if len(line) > 0 || long {
			if ctx.Err() != nil {
				// The run is over: nothing more is recorded.
				continue
			}
			x.handleLine(env, line, long)
		}
		if err != nil {
			return
		}
	}
}

func (x *execAdvancer) handleLine(env *advancer.Env, line []byte, long bool) {
	if long {
		env.ObserveError(fmt.Errorf("exec: malformed line (longer than %d bytes): %s", maxExecLine, quote(string(line))))
		return
	}
	m, err := ParseLine(line)
	switch {
	case err != nil:
		env.ObserveError(fmt.Errorf("exec: malformed line %s: %v", quote(string(line)), err))
	case m.Advance != nil:
		env.ObserveAdvance(m.Advance.Value, m.Advance.Revision)
	case m.Error != "":
		env.ObserveError(errors.New(m.Error))
	default:
		env.Note("%s", m.Note)
	}
}

// readStderr logs each line to Env.Logger, records the first stderrNotes as
// notes and keeps the last lines for the exit message.
func (x *execAdvancer) readStderr(ctx context.Context, env *advancer.Env, r io.Reader, tail *tail) {
	br := bufio.NewReaderSize(r, 4096)
	n := 0
	for {
		line, _, err := readLine(br)
		if len(line) > 0 {
			s := string(line)
			env.Log().Info("exec advancer stderr", zap.String("advancer", x.name), zap.String("line", s))
			tail.add(s)
			if ctx.Err() == nil {
				switch n++; {
				case n <= stderrNotes:
					env.Note("stderr: %s", clip(s))
				case n == stderrNotes+1:
					env.Note("stderr: further lines are not recorded (%d recorded)", stderrNotes)
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// readLine reads one line without its end of line. A line longer than
// maxExecLine is returned cut, with long set, and the rest is skipped.
func readLine(br *bufio.Reader) (line []byte, long bool, err error) {
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(line)+len(chunk) > maxExecLine {
			long = true
			line = append(line, chunk[:max(0, maxExecLine-len(line))]...)
		} else {
			line = append(line, chunk...)
		}
		if err != nil || !isPrefix {
			return line, long, err
		}
	}
}

// proc is a started command in its own process group.
type proc struct {
	pid    int
	how    string // how it was started, for the record
	stdin  *os.File
	stdout *os.File
	stderr *os.File
	exited chan error // receives Wait's result once; stop puts it back
	closeR sync.Once
}

// startProc starts command with pipes for its standard streams: directly
// when it is a plain word list (splitCommand), else with /bin/sh -c. Run
// directly, the client itself is the process the harness started, and gets
// the parent-death signal. The process is started and waited for on one locked OS thread, so that on
// Linux its parent-death signal fires only when the harness dies (it is
// tied to the thread that started it).
func startProc(command string) (*proc, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, err
	}
	var (
		cmd *exec.Cmd
		how string
	)
	if env, argv, ok := splitCommand(command); ok {
		cmd = exec.Command(argv[0], argv[1:]...)
		if len(env) > 0 {
			cmd.Env = append(os.Environ(), env...)
		}
		how = fmt.Sprintf("%q", append(env, argv...))
	} else {
		cmd = exec.Command("/bin/sh", "-c", command)
		how = "sh -c " + quote(command)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	cmd.SysProcAttr = execProcAttr()
	p := &proc{how: how, stdin: inW, stdout: outR, stderr: errR, exited: make(chan error, 1)}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.exited <- cmd.Wait()
	}()
	err = <-started
	// The child has its own copies; ours would keep the pipes open.
	closeAll(inR, outW, errW)
	if err != nil {
		closeAll(inW, outR, errR)
		return nil, err
	}
	p.pid = cmd.Process.Pid
	return p, nil
}

// stop ends the process group: end-of-file on standard input, SIGTERM, up to
// grace for the process to exit, then SIGKILL to whatever is left in the
// group, and the process reaped.
func (p *proc) stop(grace time.Duration) {
	_ = p.stdin.Close()
	signalGroup(p.pid, false)
	t := time.NewTimer(grace)
	defer t.Stop()
	exited := false
	select {
	case <-p.exited:
		exited = true
	case <-t.C:
	}
	// Its children may still be there, whether it exited or not.
	signalGroup(p.pid, true)
	if !exited {
		<-p.exited
	}
}

func (p *proc) closeReaders() {
	p.closeR.Do(func() { closeAll(p.stdout, p.stderr) })
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		_ = f.Close()
	}
}

// waitTimeout waits for wg up to d; false if it timed out.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// tail keeps the last n lines.
type tail struct {
	mu    sync.Mutex
	n     int
	lines []string
}

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) add(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, clip(s))
	if len(t.lines) > t.n {
		t.lines = t.lines[len(t.lines)-t.n:]
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, " | ")
}

func clip(s string) string {
	if len(s) > quoteMax {
		return s[:quoteMax] + "…"
	}
	return s
}

func quote(s string) string { return fmt.Sprintf("%q", clip(s)) }
