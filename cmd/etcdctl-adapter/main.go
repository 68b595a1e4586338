// Command etcdctl-adapter runs a stock etcdctl as a leaderfault exec
// advancer: what a user's thin wrapper around "etcdctl watch" would be.
//
//	leaderfault run leader-transfer --advancer 'exec:etcdctl-3.5=bin/etcdctl-adapter -etcdctl bin/etcdctl-3.5'
//
// It reads the protocol's first line from standard input (docs/exec-protocol.md),
// then runs
//
//	etcdctl [extra flags] --endpoints=PINNED,OTHERS... watch KEY -w json
//
// and translates etcdctl's output: each PUT event of the key (etcdctl's JSON
// watch output is the clientv3.WatchResponse, values base64) becomes
// {"advance":{"value":V,"revision":MOD_REVISION}} when V is larger than every
// value reported before (the checkpoint's 8 bytes decoded big-endian); what
// etcdctl prints on standard error becomes {"error":"etcdctl: ..."}, or a
// note for its info-level log lines. When etcdctl exits, the adapter reports
// {"error":"etcdctl exited: ..."}, waits -restart-delay (100ms: BR's 1s
// service-loop pause after an error, divided by 10 as the presets' durations
// are at the fast profile) and starts it again, as a wrapper in a service
// loop would. It stops, and kills etcdctl, when
// standard input ends or on SIGTERM.
//
// etcdctl has no way to choose the member its watch runs on: its client
// balances over every endpoint it is given. The pinned endpoint is listed
// first; with the scenario's endpoints=pinned it is the only one.
//
// Flags after "--" go to etcdctl before the watch command, e.g.
// "-- --dial-timeout=1s --keepalive-time=1s".
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/external"
)

func main() {
	fs := flag.NewFlagSet("etcdctl-adapter", flag.ContinueOnError)
	etcdctl := fs.String("etcdctl", "etcdctl", "the etcdctl `binary` to run")
	delay := fs.Duration("restart-delay", 100*time.Millisecond, "pause before starting etcdctl again after it exited (default: BR's 1s service-loop pause at the presets' scale, 1/10)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: etcdctl-adapter [-etcdctl PATH] [-restart-delay D] [-- etcdctl flags...]")
		fmt.Fprintln(fs.Output(), "Speaks leaderfault's exec advancer protocol (docs/exec-protocol.md) on stdin/stdout.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	a := &adapter{out: os.Stdout, etcdctl: *etcdctl, extra: fs.Args(), delay: *delay}
	if err := a.run(ctx, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "etcdctl-adapter:", err)
		os.Exit(1)
	}
}

type adapter struct {
	etcdctl string
	extra   []string
	delay   time.Duration

	mu   sync.Mutex
	out  io.Writer
	last uint64 // the largest value reported
	seen bool
}

func (a *adapter) emit(m external.Message) {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, _ = a.out.Write(m.MarshalLine())
}

func (a *adapter) errorf(format string, args ...any) {
	a.emit(external.Message{Error: fmt.Sprintf(format, args...)})
}

func (a *adapter) notef(format string, args ...any) {
	a.emit(external.Message{Note: fmt.Sprintf(format, args...)})
}

// run reads the first line, then runs etcdctl again and again until ctx
// ends or stdin reaches end-of-file.
func (a *adapter) run(ctx context.Context, stdin io.Reader) error {
	br := bufio.NewReader(stdin)
	line, err := br.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return fmt.Errorf("reading the first line: %w", err)
	}
	var hello external.Hello
	if err := json.Unmarshal(line, &hello); err != nil {
		return fmt.Errorf("first line %q: %w", line, err)
	}
	if len(hello.Endpoints) == 0 || hello.Key == "" {
		return fmt.Errorf("first line %q: no endpoints or no key", line)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// End-of-file (or anything) on stdin: the run is over.
		_, _ = io.Copy(io.Discard, br)
		cancel()
	}()

	args := append([]string(nil), a.extra...)
	args = append(args, "--endpoints="+strings.Join(ordered(hello), ","), "watch", hello.Key, "-w", "json")
	for n := 1; ; n++ {
		if n > 1 {
			a.notef("starting etcdctl again (start %d)", n)
		}
		err := a.watch(ctx, args)
		if ctx.Err() != nil {
			return nil
		}
		a.errorf("etcdctl exited: %v", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(a.delay):
		}
	}
}

// ordered is the endpoints with the pinned one first.
func ordered(h external.Hello) []string {
	out := []string{}
	if h.Pinned != "" {
		out = append(out, h.Pinned)
	}
	for _, e := range h.Endpoints {
		if e != h.Pinned {
			out = append(out, e)
		}
	}
	return out
}

// watch runs etcdctl once, until it exits or ctx ends.
func (a *adapter) watch(ctx context.Context, args []string) error {
	cmd := exec.CommandContext(ctx, a.etcdctl, args...)
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		sc := newScanner(stdout)
		for sc.Scan() {
			if ctx.Err() == nil {
				a.stdoutLine(sc.Bytes())
			}
		}
	}()
	go func() {
		defer wg.Done()
		sc := newScanner(stderr)
		for sc.Scan() {
			if ctx.Err() == nil {
				a.stderrLine(sc.Text())
			}
		}
	}()
	wg.Wait()
	err = cmd.Wait()
	if err == nil {
		err = errors.New("exit status 0")
	}
	return err
}

func newScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return sc
}

// watchResponse is what "etcdctl watch -w json" prints per response: the
// clientv3.WatchResponse through encoding/json (etcdctl/ctlv3/command
// printer_json.go printJSON, in v3.5 and v3.7 alike); []byte fields are
// base64, field names match case-insensitively.
type watchResponse struct {
	Header struct {
		Revision int64 `json:"revision"`
	}
	Events []struct {
		Type json.RawMessage `json:"type"` // absent or 0: PUT; 1: DELETE
		Kv   *struct {
			Key         []byte `json:"key"`
			Value       []byte `json:"value"`
			ModRevision int64  `json:"mod_revision"`
		} `json:"kv"`
	}
	CompactRevision int64
	Canceled        bool
}

func (a *adapter) stdoutLine(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	var r watchResponse
	if line[0] != '{' || json.Unmarshal(line, &r) != nil {
		// "progress notify: N" and the like.
		a.notef("etcdctl: %s", line)
		return
	}
	if r.Canceled && r.CompactRevision != 0 {
		// Other cancellations: etcdctl prints the reason on stderr.
		a.errorf("etcdctl: watch canceled: compacted at revision %d", r.CompactRevision)
	}
	for _, ev := range r.Events {
		if ev.Kv == nil {
			continue
		}
		switch t := strings.Trim(string(ev.Type), `"`); t {
		case "", "0", "PUT":
		case "1", "DELETE":
			a.notef("etcdctl: %s deleted at revision %d", ev.Kv.Key, ev.Kv.ModRevision)
			continue
		default:
			a.notef("etcdctl: event type %s on %s at revision %d", t, ev.Kv.Key, ev.Kv.ModRevision)
			continue
		}
		v, err := advancer.DecodeCheckpoint(ev.Kv.Value)
		if err != nil {
			a.errorf("etcdctl: revision %d: %v", ev.Kv.ModRevision, err)
			continue
		}
		a.advance(v, ev.Kv.ModRevision)
	}
}

// advance reports v if it is larger than every value reported before.
func (a *adapter) advance(v uint64, rev int64) {
	a.mu.Lock()
	report := !a.seen || v > a.last
	last := a.last
	if report {
		a.last, a.seen = v, true
	}
	a.mu.Unlock()
	switch {
	case report:
		a.emit(external.Message{Advance: &external.Advance{Value: v, Revision: rev}})
	case v < last:
		a.notef("etcdctl saw value %d at revision %d, below %d already reported: not an advance", v, rev, last)
	}
}

// stderrLine: etcdctl's client logs are zap JSON lines; info and debug are
// notes, everything else ("Error: ...", "watch was canceled (...)",
// warnings) is an error.
func (a *adapter) stderrLine(line string) {
	line = strings.TrimSpace(line)
	if line == "" {
		return
	}
	var l struct {
		Level string `json:"level"`
	}
	if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &l) == nil && (l.Level == "info" || l.Level == "debug") {
		a.notef("etcdctl: %s", line)
		return
	}
	a.errorf("etcdctl: %s", line)
}
