// Package execproto is the client side of leaderfault's exec advancer
// protocol (docs/exec-protocol.md) for the out-of-process client adapters
// under clients/. It is a module with no dependencies, so an adapter that
// uses it keeps its client on the versions the client's own go.mod asks
// for; importing leaderfault instead would move them to leaderfault's
// (etcd v3.7.3).
package execproto

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Hello is the protocol's first line (leaderfault's advancer/external.Hello).
// Pinned is not read: a real client does not know which member its watch
// should start on.
type Hello struct {
	Endpoints []string `json:"endpoints"`
	Key       string   `json:"key"`
	Task      string   `json:"task"`
}

// Start reads the first line from stdin and returns it with a context that
// ends with parent or at end-of-file on stdin (the run is over).
func Start(parent context.Context, stdin io.Reader) (Hello, context.Context, context.CancelFunc, error) {
	br := bufio.NewReader(stdin)
	first, err := br.ReadBytes('\n')
	if err != nil && len(first) == 0 {
		return Hello{}, nil, nil, fmt.Errorf("reading the first line: %w", err)
	}
	var h Hello
	if err := json.Unmarshal(first, &h); err != nil {
		return Hello{}, nil, nil, fmt.Errorf("first line %q: %w", first, err)
	}
	if len(h.Endpoints) == 0 || h.Key == "" {
		return Hello{}, nil, nil, fmt.Errorf("first line %q: no endpoints or no key", first)
	}
	ctx, cancel := context.WithCancel(parent)
	go func() {
		_, _ = io.Copy(io.Discard, br)
		cancel()
	}()
	return h, ctx, cancel, nil
}

// Main is an adapter's whole main: it reads the first line from standard
// input, runs run with a context that ends at end-of-file on standard input
// (or SIGTERM, interrupt), and returns when that context ends. run may
// block past the end of the run (a client whose first dial retries
// forever): the process ends with the run all the same. name prefixes a
// start-up error, after which it exits 1.
func Main(name string, run func(ctx context.Context, h Hello, out *Output)) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	h, ctx, cancel, err := Start(ctx, os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	defer cancel()
	go run(ctx, h, NewOutput(os.Stdout))
	<-ctx.Done()
}

// Sleep waits for d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Output writes the protocol's lines, one whole line at a time.
type Output struct {
	mu sync.Mutex
	w  io.Writer
}

// NewOutput writes to w (standard output).
func NewOutput(w io.Writer) *Output { return &Output{w: w} }

func (o *Output) line(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only strings and numbers are written
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	_, _ = o.w.Write(append(b, '\n'))
}

// Advance reports that the client delivered value, stored at etcd
// revision rev (0: the client does not say).
func (o *Output) Advance(value uint64, rev int64) {
	o.line(map[string]any{"advance": map[string]any{"value": value, "revision": rev}})
}

// Errorf reports an error the client returned or logged.
func (o *Output) Errorf(format string, args ...any) {
	o.line(map[string]string{"error": fmt.Sprintf(format, args...)})
}

// Notef records anything else.
func (o *Output) Notef(format string, args ...any) {
	o.line(map[string]string{"note": fmt.Sprintf(format, args...)})
}

// DecodeCheckpoint is leaderfault's advancer.DecodeCheckpoint: 8 bytes,
// big-endian.
func DecodeCheckpoint(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("global checkpoint is %d bytes, want 8 (value %q)", len(b), b)
	}
	return binary.BigEndian.Uint64(b), nil
}
