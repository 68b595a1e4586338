package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/leaderfault/leaderfault/advancer/external"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Lines "etcdctl watch KEY -w json" printed against a real cluster (puts of
// 42 and 43, a delete, a put of "bad"), v3.5.35 and v3.7.3.
const (
	put42v35  = `{"Header":{"cluster_id":13865418472735399817,"member_id":4661797110517084920,"revision":2,"raft_term":2},"Events":[{"kv":{"key":"L3RpZGIvYnItc3RyZWFtL2NoZWNrcG9pbnQvdC9jZW50cmFsX2dsb2JhbA==","create_revision":2,"mod_revision":2,"version":1,"value":"AAAAAAAAACo="}}],"CompactRevision":0,"Canceled":false,"Created":false}`
	put43v35  = `{"Header":{"cluster_id":13865418472735399817,"member_id":4661797110517084920,"revision":3,"raft_term":2},"Events":[{"kv":{"key":"L3RpZGIvYnItc3RyZWFtL2NoZWNrcG9pbnQvdC9jZW50cmFsX2dsb2JhbA==","create_revision":2,"mod_revision":3,"version":2,"value":"AAAAAAAAACs="}}],"CompactRevision":0,"Canceled":false,"Created":false}`
	deleteV35 = `{"Header":{"cluster_id":13865418472735399817,"member_id":4661797110517084920,"revision":4,"raft_term":2},"Events":[{"type":1,"kv":{"key":"L3RpZGIvYnItc3RyZWFtL2NoZWNrcG9pbnQvdC9jZW50cmFsX2dsb2JhbA==","mod_revision":4}}],"CompactRevision":0,"Canceled":false,"Created":false}`
	badV35    = `{"Header":{"cluster_id":13865418472735399817,"member_id":4661797110517084920,"revision":5,"raft_term":2},"Events":[{"kv":{"key":"L3RpZGIvYnItc3RyZWFtL2NoZWNrcG9pbnQvdC9jZW50cmFsX2dsb2JhbA==","create_revision":5,"mod_revision":5,"version":1,"value":"YmFk"}}],"CompactRevision":0,"Canceled":false,"Created":false}`
	put42v37  = `{"Header":{"cluster_id":13865418472735399817,"member_id":4661797110517084920,"revision":6,"raft_term":2},"Events":[{"kv":{"key":"L3RpZGIvYnItc3RyZWFtL2NoZWNrcG9pbnQvdC9jZW50cmFsX2dsb2JhbA==","create_revision":5,"mod_revision":6,"version":2,"value":"AAAAAAAAACo="}}],"CompactRevision":0,"Canceled":false,"Created":false,"CancelReason":""}`
	put43v37  = `{"Header":{"cluster_id":13865418472735399817,"member_id":4661797110517084920,"revision":7,"raft_term":2},"Events":[{"kv":{"key":"L3RpZGIvYnItc3RyZWFtL2NoZWNrcG9pbnQvdC9jZW50cmFsX2dsb2JhbA==","create_revision":5,"mod_revision":7,"version":3,"value":"AAAAAAAAACs="}}],"CompactRevision":0,"Canceled":false,"Created":false,"CancelReason":""}`
	deleteV37 = `{"Header":{"cluster_id":13865418472735399817,"member_id":4661797110517084920,"revision":8,"raft_term":2},"Events":[{"type":1,"kv":{"key":"L3RpZGIvYnItc3RyZWFtL2NoZWNrcG9pbnQvdC9jZW50cmFsX2dsb2JhbA==","mod_revision":8}}],"CompactRevision":0,"Canceled":false,"Created":false,"CancelReason":""}`
)

// syncBuffer is an io.Writer the test can read while the adapter writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSpace(s.b.String()), "\n")
}

// parsed checks that every output line is a valid protocol line.
func parsed(t *testing.T, lines []string) []external.Message {
	t.Helper()
	var out []external.Message
	for _, l := range lines {
		m, err := external.ParseLine([]byte(l))
		require.NoError(t, err, l)
		out = append(out, m)
	}
	return out
}

func TestTranslatesBothVersions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		rev42 int64
	}{
		{"v3.5.35", []string{put42v35, put43v35, put42v35, deleteV35, badV35}, 2},
		{"v3.7.3", []string{put42v37, put43v37, put42v37, deleteV37}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out syncBuffer
			a := &adapter{out: &out}
			for _, l := range tc.lines {
				a.stdoutLine([]byte(l))
			}
			a.stdoutLine([]byte("progress notify: 9"))
			a.stderrLine(`{"level":"info","msg":"hello"}`)
			a.stderrLine(`{"level":"warn","msg":"retrying of unary invoker failed"}`)
			a.stderrLine(`Error: watch is canceled by the server`)
			ms := parsed(t, out.lines())
			want := []external.Message{
				{Advance: &external.Advance{Value: 42, Revision: tc.rev42}},
				{Advance: &external.Advance{Value: 43, Revision: tc.rev42 + 1}},
				{Note: "etcdctl saw value 42 at revision " + itoa(tc.rev42) + ", below 43 already reported: not an advance"},
				{Note: "etcdctl: /tidb/br-stream/checkpoint/t/central_global deleted at revision " + itoa(tc.rev42+2)},
			}
			if tc.name == "v3.5.35" {
				want = append(want, external.Message{Error: `etcdctl: revision 5: global checkpoint is 3 bytes, want 8 (value "bad")`})
			}
			want = append(want,
				external.Message{Note: "etcdctl: progress notify: 9"},
				external.Message{Note: `etcdctl: {"level":"info","msg":"hello"}`},
				external.Message{Error: `etcdctl: {"level":"warn","msg":"retrying of unary invoker failed"}`},
				external.Message{Error: "etcdctl: Error: watch is canceled by the server"},
			)
			assert.Equal(t, want, ms)
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRestartsEtcdctlAndStopsAtEOF: a fake etcdctl that prints two events
// and exits is started again and again; end-of-file on the adapter's stdin
// stops it.
func TestRestartsEtcdctlAndStopsAtEOF(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "etcdctl")
	argsFile := filepath.Join(dir, "args")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+argsFile+"\n"+
		"echo '"+put42v35+"'\necho '"+put43v35+"'\necho 'Error: watch is canceled by the server' >&2\nexit 5\n"), 0o755))

	stdinR, stdinW := io.Pipe()
	var out syncBuffer
	a := &adapter{out: &out, etcdctl: fake, extra: []string{"--dial-timeout=1s"}, delay: 20 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- a.run(context.Background(), stdinR) }()
	_, err := stdinW.Write([]byte(`{"endpoints":["http://a:1","http://b:2","http://c:3"],"pinned":"http://b:2","key":"/k","task":"t"}` + "\n"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(strings.Join(out.lines(), "\n"), "(start 3)") },
		10*time.Second, 10*time.Millisecond)
	require.NoError(t, stdinW.Close())
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the adapter did not stop at end-of-file")
	}

	args, err := os.ReadFile(argsFile)
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(args), "\n")
	assert.Equal(t, "--dial-timeout=1s --endpoints=http://b:2,http://a:1,http://c:3 watch /k -w json", first, "pinned first")

	ms := parsed(t, out.lines())
	require.GreaterOrEqual(t, len(ms), 6)
	// etcdctl's stdout and stderr are read side by side: their lines may
	// interleave, but its exit comes after both.
	assert.ElementsMatch(t, []external.Message{
		{Advance: &external.Advance{Value: 42, Revision: 2}},
		{Advance: &external.Advance{Value: 43, Revision: 3}},
		{Error: "etcdctl: Error: watch is canceled by the server"},
	}, ms[:3])
	assert.Equal(t, []external.Message{
		{Error: "etcdctl exited: exit status 5"},
		{Note: "starting etcdctl again (start 2)"},
	}, ms[3:5])
	assert.Contains(t, ms[5:], external.Message{Note: "etcdctl saw value 42 at revision 2, below 43 already reported: not an advance"})
	advances := 0
	for _, m := range ms {
		if m.Advance != nil {
			advances++
		}
	}
	assert.Equal(t, 2, advances, "a restarted etcdctl reports nothing twice")
}

func TestBadFirstLine(t *testing.T) {
	a := &adapter{out: io.Discard, etcdctl: "true"}
	assert.ErrorContains(t, a.run(context.Background(), strings.NewReader("")), "reading the first line")
	assert.ErrorContains(t, a.run(context.Background(), strings.NewReader("nope\n")), `first line "nope\n"`)
	assert.ErrorContains(t, a.run(context.Background(), strings.NewReader(`{"endpoints":[]}`+"\n")), "no endpoints or no key")
}
