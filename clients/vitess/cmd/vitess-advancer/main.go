// Command vitess-advancer runs Vitess's etcd topo server (vitess.io/vitess
// v0.24.4, go/vt/topo/etcd2topo) as a leaderfault exec advancer
// (docs/exec-protocol.md): it reads the first line, opens the topo server
// on every endpoint it was given (Vitess's --topo-global-server-address is
// a comma-separated list; the pinned member is not used, Vitess does not
// know it), and watches the checkpoint key as a topo file: the key's
// directory is the topo root, its last element the file.
//
// Each value the watch delivers (the initial one and every update) is
// written as {"advance":{"value":V,"revision":R}}, R being the topo
// version (etcd ModRevision). When the watch ends with an error, the error
// is written and the watch is started again after 1 s: the pause of
// Vitess's own resilient watcher (srvtopo's srv-topo-cache-refresh default,
// go/vt/srvtopo/resilient_server.go:48). Nothing of Vitess's is tuned.
//
// It stops at end-of-file on standard input or on SIGTERM.
package main

import (
	"context"
	"path"
	"strings"
	"time"

	"vitess.io/vitess/go/vt/topo"
	"vitess.io/vitess/go/vt/topo/etcd2topo"

	"github.com/leaderfault/leaderfault/clients/execproto"
)

// retryDelay is Vitess's srvTopoCacheRefresh default.
const retryDelay = time.Second

func main() { execproto.Main("vitess-advancer", run) }

func run(ctx context.Context, h execproto.Hello, out *execproto.Output) {
	root, file := path.Dir(h.Key), path.Base(h.Key)
	addr := strings.Join(h.Endpoints, ",")
	for ctx.Err() == nil {
		s, err := etcd2topo.NewServer(addr, root)
		if err != nil {
			out.Errorf("etcd2topo.NewServer: %v", err)
			execproto.Sleep(ctx, retryDelay)
			continue
		}
		watchLoop(ctx, s, file, out)
		s.Close()
	}
}

// watchLoop watches file until ctx ends, starting the watch again after
// retryDelay whenever it fails, as srvtopo's resilient watcher does.
func watchLoop(ctx context.Context, s *etcd2topo.Server, file string, out *execproto.Output) {
	for ctx.Err() == nil {
		current, changes, err := s.Watch(ctx, file)
		if err != nil {
			out.Errorf("Watch: %v", err)
			execproto.Sleep(ctx, retryDelay)
			continue
		}
		report(current, out)
		for wd := range changes {
			if wd.Err != nil {
				if ctx.Err() == nil || !topo.IsErrType(wd.Err, topo.Interrupted) {
					out.Errorf("watch: %v", wd.Err)
				}
				continue
			}
			report(wd, out)
		}
		execproto.Sleep(ctx, retryDelay)
	}
}

func report(wd *topo.WatchData, out *execproto.Output) {
	v, err := execproto.DecodeCheckpoint(wd.Contents)
	if err != nil {
		out.Errorf("%v", err)
		return
	}
	var rev int64
	if ev, ok := wd.Version.(etcd2topo.EtcdVersion); ok {
		rev = int64(ev)
	}
	out.Advance(v, rev)
}
