// Command gozero-advancer runs go-zero's etcd subscriber
// (github.com/zeromicro/go-zero v1.10.3, core/discov) as a leaderfault exec
// advancer (docs/exec-protocol.md): discov.NewSubscriber on every endpoint
// it was given, on the checkpoint key with discov.WithExactMatch (one key,
// not a service prefix), and a listener that reads Subscriber.Values() as
// a go-zero service reads its endpoints. Each value it holds is written as
// {"advance":{"value":V,"revision":0}}: go-zero does not expose revisions.
//
// go-zero keeps its watch alive by itself (discov/internal/registry.go:
// reload on a connection state change, a 1 s cool-down between watch
// retries); the errors it logs (logx error and severe levels) are written
// as {"error":...} and its other log lines go to standard error, so its
// default console logging does not mix with the protocol on standard
// output. Nothing of go-zero's is tuned.
//
// It stops at end-of-file on standard input or on SIGTERM.
package main

import (
	"context"
	"os"
	"time"

	"github.com/zeromicro/go-zero/core/discov"
	"github.com/zeromicro/go-zero/core/logx"

	"github.com/leaderfault/leaderfault/clients/execproto"
)

// retryDelay is go-zero's own cool-down (discov/internal/vars.go
// coolDownInterval), used when NewSubscriber fails (its first dial).
const retryDelay = time.Second

func main() { execproto.Main("gozero-advancer", run) }

func run(ctx context.Context, h execproto.Hello, out *execproto.Output) {
	logx.SetWriter(errorWriter{Writer: logx.NewWriter(os.Stderr), out: out})
	for ctx.Err() == nil {
		sub, err := discov.NewSubscriber(h.Endpoints, h.Key, discov.WithExactMatch())
		if err != nil {
			out.Errorf("discov.NewSubscriber: %v", err)
			execproto.Sleep(ctx, retryDelay)
			continue
		}
		report := func() {
			for _, v := range sub.Values() {
				cp, err := execproto.DecodeCheckpoint([]byte(v))
				if err != nil {
					out.Errorf("%v", err)
					continue
				}
				out.Advance(cp, 0)
			}
		}
		sub.AddListener(report)
		report() // the value NewSubscriber loaded before the listener was added
		<-ctx.Done()
		sub.Close()
	}
}

// errorWriter turns the errors go-zero logs into protocol errors; every
// line also goes to the underlying writer (standard error).
type errorWriter struct {
	logx.Writer
	out *execproto.Output
}

func (w errorWriter) Error(v any, fields ...logx.LogField) {
	w.out.Errorf("go-zero: %v", v)
	w.Writer.Error(v, fields...)
}

func (w errorWriter) Severe(v any) {
	w.out.Errorf("go-zero: %v", v)
	w.Writer.Severe(v)
}
