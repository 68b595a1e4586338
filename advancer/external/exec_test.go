package external

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/internal/leftover"
	"github.com/leaderfault/leaderfault/record"

	"github.com/leaderfault/leaderfault/advancer"
)

// The exec tests run this test binary as the out-of-process client: with
// fakeClientEnv set, TestMain runs fakeClient instead of the tests.
const (
	fakeClientEnv = "LEADERFAULT_FAKE_CLIENT"
	fakeChildEnv  = "LEADERFAULT_FAKE_CHILD"
)

// fakeCommand is the shell command that runs this binary as a fake client.
func fakeCommand(t *testing.T, mode string, env ...string) string {
	t.Helper()
	bin, err := os.Executable()
	require.NoError(t, err)
	return strings.Join(append(append([]string{fakeClientEnv + "=" + mode}, env...), shellQuote(bin)), " ")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fakeClient is a client of the exec protocol that echoes a fixed script.
func fakeClient(mode string) int {
	out := bufio.NewWriter(os.Stdout)
	emit := func(s string) {
		fmt.Fprintln(out, s)
		_ = out.Flush()
	}
	stdinEOF := func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString(0)
	}
	switch mode {
	case "protocol":
		hello, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil {
			return 1
		}
		note, _ := json.Marshal(Message{Note: "hello " + strings.TrimSpace(hello)})
		emit(string(note))
		fmt.Fprintln(os.Stderr, "warning: something on stderr")
		for _, l := range []string{
			`{"advance":{"value":1,"revision":5}}`,
			``,
			`{"advance":{"value":"18446744073709551615"}}`,
			`{"error":"boom"}`,
			`not json`,
			`{"advance":{"value":-1}}`,
			`{"advance":{}}`,
			`{"advnce":{"value":3}}`,
			`{"error":"x","note":"y"}`,
			`{"advance":{"value":1.5}}`,
			`[1,2]`,
			`{"note":"` + strings.Repeat("x", maxExecLine) + `"}`,
			`{"note":"done"}`,
		} {
			emit(l)
		}
		stdinEOF()
		return 0
	case "stubborn":
		// Ignores SIGTERM and end-of-file, and starts a child that does too.
		signal.Ignore(syscall.SIGTERM)
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), fakeClientEnv+"="+os.Getenv(fakeChildEnv))
		child.Stdin = os.Stdin
		if err := child.Start(); err != nil {
			return 1
		}
		emit(fmt.Sprintf(`{"note":"child %d"}`, child.Process.Pid))
		time.Sleep(time.Hour) // until killed
	case "sleeper":
		signal.Ignore(syscall.SIGTERM)
		time.Sleep(time.Hour) // until killed
	case "sleeper-eof":
		signal.Ignore(syscall.SIGTERM)
		stdinEOF()
		return 0
	case "exit":
		emit(`{"advance":{"value":7,"revision":3}}`)
		fmt.Fprintln(os.Stderr, "fatal: cannot connect")
		return 3
	case "harness":
		// A harness that runs a stubborn client and is then killed.
		rec := record.New()
		adv := Command("fake", os.Getenv("LEADERFAULT_FAKE_COMMAND"))
		go func() {
			_ = adv.Run(context.Background(), &advancer.Env{Endpoints: []string{"http://127.0.0.1:1"}, Task: "t", Recorder: rec})
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		e, err := rec.Wait(ctx, 0, func(e record.Event) bool { return strings.HasPrefix(e.Detail, "child ") })
		if err != nil {
			return 1
		}
		emit(e.Detail)
		for _, e := range rec.OfKind(record.KindAdvancerInfo) {
			if strings.HasPrefix(e.Detail, "exec: pid ") {
				emit(e.Detail)
			}
		}
		time.Sleep(time.Hour) // until killed
	}
	return 2
}

func testEnv(rec *record.Recorder) *advancer.Env {
	return &advancer.Env{Endpoints: []string{"http://127.0.0.1:1", "http://127.0.0.1:2"}, Pinned: "http://127.0.0.1:2", Task: "t", Recorder: rec}
}

// runExec runs adv until an event matching each of until is recorded (or
// fails the test), then ends the run and returns how long Run took to
// return. What a client writes to stdout and to stderr is read from two
// pipes in no fixed order, so a test waits for what it checks on each.
func runExec(t *testing.T, adv advancer.Advancer, rec *record.Recorder, until ...func(record.Event) bool) time.Duration {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- adv.Run(ctx, testEnv(rec)) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	var err error
	for _, u := range until {
		if _, err = rec.Wait(wctx, 0, u); err != nil {
			break
		}
	}
	if err != nil {
		cancel()
		<-done
		t.Fatalf("never recorded: %v\n%s", err, rec.Timeline())
	}
	cancel()
	start := time.Now()
	require.NoError(t, <-done)
	return time.Since(start)
}

func noteHas(s string) func(record.Event) bool {
	return func(e record.Event) bool { return strings.Contains(e.Detail, s) }
}

// execPid is the pid (and process group) the Exec advancer reported.
func execPid(t *testing.T, rec *record.Recorder) int {
	t.Helper()
	for _, e := range rec.OfKind(record.KindAdvancerInfo) {
		var pid int
		if _, err := fmt.Sscanf(e.Detail, "exec: pid %d ", &pid); err == nil {
			return pid
		}
	}
	t.Fatalf("no pid note:\n%s", rec.Timeline())
	return 0
}

func requireProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see processes")
	}
}

func TestExecProtocol(t *testing.T) {
	requireProc(t)
	rec := record.New()
	took := runExec(t, Command("fake", fakeCommand(t, "protocol")), rec, noteHas("done"), noteHas("stderr: warning: something on stderr"))
	assert.Less(t, took, defaultExecGrace, "a client that exits on end-of-file is not waited out")

	var hello Hello
	for _, e := range rec.OfKind(record.KindAdvancerInfo) {
		if s, ok := strings.CutPrefix(e.Detail, "hello "); ok {
			require.NoError(t, json.Unmarshal([]byte(s), &hello))
		}
	}
	assert.Equal(t, Hello{Endpoints: []string{"http://127.0.0.1:1", "http://127.0.0.1:2"}, Pinned: "http://127.0.0.1:2",
		Key: "/tidb/br-stream/checkpoint/t/central_global", Task: "t"}, hello)

	var advances [][2]uint64
	for _, e := range rec.OfKind(record.KindAdvance) {
		assert.Equal(t, advancer.AdvancerMember, e.Member)
		advances = append(advances, [2]uint64{e.Value, uint64(e.Revision)})
	}
	assert.Equal(t, [][2]uint64{{1, 5}, {1<<64 - 1, 0}}, advances)

	var errs []string
	for _, e := range rec.OfKind(record.KindAdvancerError) {
		errs = append(errs, e.Detail)
	}
	require.Len(t, errs, 9, "boom and 8 malformed lines:\n%s", strings.Join(errs, "\n"))
	assert.Equal(t, "boom", errs[0])
	for i, want := range []string{
		`malformed line "not json": not a JSON object`,
		`malformed line "{\"advance\":{\"value\":-1}}": advance: value -1: want an unsigned 64-bit integer`,
		`malformed line "{\"advance\":{}}": advance: no value`,
		`unknown key "advnce"`,
		`want exactly one of advance, error, note; got 2 keys`,
		`value 1.5: want an unsigned 64-bit integer`,
		`malformed line "[1,2]": not a JSON object`,
		`malformed line (longer than 65536 bytes): "{\"note\":\"xxx`,
	} {
		assert.Contains(t, errs[i+1], want)
		assert.True(t, strings.HasPrefix(errs[i+1], "exec: malformed line"), errs[i+1])
	}
	assert.NotEmpty(t, rec.Filter(noteHas("stderr: warning: something on stderr")))
	assert.Empty(t, leftover.Group(execPid(t, rec)))
}

// TestExecKillsTheWholeGroup: a client that ignores SIGTERM and end-of-file,
// with a child that does too, is killed with its child after the grace
// period.
func TestExecKillsTheWholeGroup(t *testing.T) {
	requireProc(t)
	rec := record.New()
	adv := &execAdvancer{name: "stubborn", command: fakeCommand(t, "stubborn", fakeChildEnv+"=sleeper"), grace: 300 * time.Millisecond}
	took := runExec(t, adv, rec, noteHas("child "))
	assert.GreaterOrEqual(t, took, 300*time.Millisecond, "SIGTERM is ignored: the grace period runs out")
	assert.Less(t, took, 3*time.Second)

	pid := execPid(t, rec)
	var child int
	_, err := fmt.Sscanf(rec.Filter(noteHas("child "))[0].Detail, "child %d", &child)
	require.NoError(t, err)
	assert.False(t, leftover.Alive(pid), "the client")
	// The child is an orphan now; init reaps it, or it stays a zombie.
	assert.Eventually(t, func() bool { return !leftover.Alive(child) }, 2*time.Second, 10*time.Millisecond, "the client's child")
	assert.Empty(t, leftover.Group(pid), "nothing of the process group is left")
}

func TestExecRecordsAnEarlyExit(t *testing.T) {
	requireProc(t)
	rec := record.New()
	runExec(t, Command("exits", fakeCommand(t, "exit")), rec, func(e record.Event) bool { return e.Kind == record.KindAdvancerError })
	adv := rec.OfKind(record.KindAdvance)
	require.Len(t, adv, 1)
	assert.Equal(t, uint64(7), adv[0].Value)
	errs := rec.OfKind(record.KindAdvancerError)
	require.Len(t, errs, 1)
	assert.Equal(t, "exec: process exited before the end of the run: exit status 3; stderr: fatal: cannot connect", errs[0].Detail)

	// Through /bin/sh (a list), the shell's exit status.
	rec = record.New()
	runExec(t, Command("missing", "true && /nonexistent/advancer --flag"), rec, func(e record.Event) bool {
		return e.Kind == record.KindAdvancerError && strings.Contains(e.Detail, "process exited")
	})
	assert.NotEmpty(t, rec.Filter(noteHas(`exec: pid `)))
	assert.NotEmpty(t, rec.Filter(noteHas(`: sh -c "true && /nonexistent/advancer --flag"`)))
	// The shell may exit before the first line reaches its standard input;
	// then that write's broken pipe is recorded too, before the exit.
	errs = rec.OfKind(record.KindAdvancerError)
	require.NotEmpty(t, errs)
	last := errs[len(errs)-1]
	assert.Contains(t, last.Detail, "exit status 127; stderr: ")
	assert.Contains(t, last.Detail, "/nonexistent/advancer")
	for _, e := range errs[:len(errs)-1] {
		assert.Contains(t, e.Detail, "broken pipe", "only a write into the exited process may come first")
	}

	// Run directly, it cannot start at all: Run says so.
	err := Command("missing", "/nonexistent/advancer --flag").Run(context.Background(), testEnv(nil))
	assert.ErrorContains(t, err, `advancer missing: fork/exec /nonexistent/advancer: no such file or directory`)
}

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		line      string
		env, argv []string
	}{
		{`bin/etcdctl-adapter -etcdctl bin/etcdctl-3.5`, nil, []string{"bin/etcdctl-adapter", "-etcdctl", "bin/etcdctl-3.5"}},
		{` A=1 B='x y'  prog  'it''s' "a \"q\" \$" b\ c `, []string{"A=1", "B=x y"}, []string{"prog", "its", `a "q" $`, "b c"}},
		{`"/path with space/prog" --x=y`, nil, []string{"/path with space/prog", "--x=y"}},
	} {
		env, argv, ok := splitCommand(tc.line)
		require.True(t, ok, tc.line)
		assert.Equal(t, tc.env, env, tc.line)
		assert.Equal(t, tc.argv, argv, tc.line)
	}
	for _, line := range []string{``, `A=1`, `a | b`, `a; b`, `a && b`, `a > f`, `echo $HOME`, `echo "$HOME"`, `ls *.go`, `a 'open`,
		`a "open`, "a\\\nb", `(a)`, "a\nb", `a # c`, "echo `id`"} {
		_, _, ok := splitCommand(line)
		assert.False(t, ok, "%q needs the shell", line)
	}
}

func TestExecRejectsABadEnvOrCommand(t *testing.T) {
	err := Command("x", "").Run(context.Background(), testEnv(nil))
	assert.ErrorContains(t, err, "advancer x: empty command")
	err = Command("x", "true").Run(context.Background(), &advancer.Env{Task: "t"})
	assert.ErrorContains(t, err, "no endpoints")
}

// TestExecClientDiesWithTheHarness: when the harness process is killed
// (SIGKILL, no clean-up), its client dies too (Linux's parent-death signal)
// and the client's child exits at end-of-file on its standard input.
func TestExecClientDiesWithTheHarness(t *testing.T) {
	requireProc(t)
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	bin, err := os.Executable()
	require.NoError(t, err)
	h := exec.Command(bin)
	h.Env = append(os.Environ(), fakeClientEnv+"=harness",
		"LEADERFAULT_FAKE_COMMAND="+fakeCommand(t, "stubborn", fakeChildEnv+"=sleeper-eof"))
	out, err := h.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, h.Start())
	defer func() { _ = h.Process.Kill(); _ = h.Wait() }()

	sc := bufio.NewScanner(out)
	var client, child int
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "child %d", &child); err == nil {
			continue
		}
		if _, err := fmt.Sscanf(sc.Text(), "exec: pid %d", &client); err == nil {
			break
		}
	}
	require.NotZero(t, client, "the harness reported its client")
	require.NotZero(t, child)
	require.True(t, leftover.Alive(client))
	require.True(t, leftover.Alive(child))

	require.NoError(t, h.Process.Kill())
	_ = h.Wait()
	assert.Eventually(t, func() bool { return !leftover.Alive(client) && !leftover.Alive(child) }, 5*time.Second, 10*time.Millisecond,
		"client %d and its child %d outlived the harness", client, child)
	if t.Failed() {
		_ = syscall.Kill(-client, syscall.SIGKILL)
	}
}

func TestParseExecLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Message
	}{
		{`{"advance":{"value":42,"revision":9}}`, Message{Advance: &Advance{Value: 42, Revision: 9}}},
		{`{"advance":{"value":"42"}}`, Message{Advance: &Advance{Value: 42}}},
		{` {"error":"watch canceled"} `, Message{Error: "watch canceled"}},
		{`{"note":""}`, Message{}},
	} {
		got, err := ParseLine([]byte(tc.line))
		require.NoError(t, err, tc.line)
		assert.Equal(t, tc.want, got, tc.line)
		if tc.want.Advance != nil || tc.want.Error != "" {
			back, err := ParseLine(tc.want.MarshalLine())
			require.NoError(t, err)
			assert.Equal(t, tc.want, back, "MarshalLine round trip")
		}
	}
	for _, line := range []string{
		``, `null`, `{}`, `"x"`, `{"error":""}`, `{"error":3}`, `{"advance":null}`, `{"advance":{"value":1,"rev":2}}`,
		`{"advance":{"value":1,"revision":-2}}`, `{"advance":{"value":18446744073709551616}}`, `{"advance":{"value":"0x10"}}`,
	} {
		_, err := ParseLine([]byte(line))
		assert.Error(t, err, "%q", line)
	}
}
