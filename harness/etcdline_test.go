package harness

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// The build tag and the module file go together: -tags etcd35 without
// -modfile=go.etcd35.mod (or the reverse) builds a binary whose shims do not
// match its etcd.
func TestEtcdLineMatchesBuildTag(t *testing.T) {
	assert.Equal(t, taggedLine, EtcdLine(), "etcd %s built with the shims of line %s: use -modfile=go.etcd35.mod together with -tags etcd35", EtcdVersion(), taggedLine)
	assert.True(t, strings.HasPrefix(EtcdVersion(), EtcdLine()+"."), "line %q of version %q", EtcdLine(), EtcdVersion())
}

// withholdsFutureProgress tells whether etcd version v withholds the answer
// to a progress request from a watch whose start revision is still in the
// future: etcd-io/etcd#20229 (v3.6.0 on), backported to v3.5.22 by
// etcd-io/etcd#20245 (mvcc/watchable_store.go progressIfSync, the
// "rev < w.startRev" check; v3.5.21 lacks it, v3.5.22 has it). PD pins
// v3.5.15, which answers such a request at the member's current revision,
// below the watch's start.
func withholdsFutureProgress(v string) bool {
	var major, minor, patch int
	if _, err := fmt.Sscanf(v, "%d.%d.%d", &major, &minor, &patch); err != nil {
		return true
	}
	switch {
	case major != 3 || minor >= 6:
		return true
	case minor == 5:
		return patch >= 22
	}
	return false
}

// BR watches from its read's revision + 1, so on a quiet cluster whether its
// progress requests are answered depends on the etcd version. The control, a
// watch from the current revision on another stream of the same member, is
// answered every round; the future watch must stay silent through all of
// them where the version withholds, and be answered where it does not.
func TestProgressRequestOnFutureWatchIsWithheldOnThisLine(t *testing.T) {
	c := StartT(t, Options{Members: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cli, err := c.Members()[0].DirectClient()
	require.NoError(t, err)
	put, err := cli.Put(ctx, "leaderfault/line/key", "v")
	require.NoError(t, err)
	rev := put.Header.Revision

	// Two watchers: each clientv3.Watcher has its own gRPC stream, and a
	// progress request answers for every watch of its stream.
	control, future := clientv3.NewWatcher(cli), clientv3.NewWatcher(cli)
	defer control.Close()
	defer future.Close()
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer wcancel()
	cch := control.Watch(wctx, "leaderfault/line/key", clientv3.WithRev(rev), clientv3.WithCreatedNotify())
	fch := future.Watch(wctx, "leaderfault/line/key", clientv3.WithRev(rev+1), clientv3.WithCreatedNotify())
	for _, ch := range []clientv3.WatchChan{cch, fch} {
		resp := <-ch
		require.True(t, resp.Created, "created notification first: %+v", resp)
	}
	// The control's first response is the put at rev itself.
	resp := <-cch
	require.Len(t, resp.Events, 1)

	const rounds = 5
	for i := range rounds {
		// A progress request finds its stream by the watch ctx's metadata.
		require.NoError(t, future.RequestProgress(wctx))
		require.NoError(t, control.RequestProgress(wctx))
		select {
		case resp := <-cch:
			require.True(t, resp.IsProgressNotify(), "round %d: control got %+v", i, resp)
		case <-ctx.Done():
			t.Fatalf("round %d: the control watch got no progress notification: %v", i, ctx.Err())
		}
	}
	if withholdsFutureProgress(EtcdVersion()) {
		select {
		case resp := <-fch:
			assert.Failf(t, "future watch answered", "etcd %s answered a progress request of a watch from revision %d at revision %d (%+v), but this version should withhold it",
				EtcdVersion(), rev+1, resp.Header.Revision, resp)
		default:
		}
		return
	}
	select {
	case resp := <-fch:
		require.True(t, resp.IsProgressNotify(), "etcd %s: %+v", EtcdVersion(), resp)
		assert.Less(t, resp.Header.Revision, rev+1, "answered at the member's revision, below the watch's start")
	case <-ctx.Done():
		t.Fatalf("etcd %s should answer a progress request of a watch from a future revision: %v", EtcdVersion(), ctx.Err())
	}
}

func TestWithholdsFutureProgressByVersion(t *testing.T) {
	for v, want := range map[string]bool{"3.5.15": false, "3.5.21": false, "3.5.22": true, "3.5.35": true, "3.6.0": true, "3.7.3": true} {
		assert.Equal(t, want, withholdsFutureProgress(v), v)
	}
}

// BR passes grpc.WithBlock() to clientv3 (docs/facts.md §4). Whether clientv3.New
// then waits for a connection depends on the line: v3.5 blocks up to
// DialTimeout and fails on an endpoint that refuses connections; v3.7 returns
// a client at once and fails on the first request instead.
func TestClientNewWithBlockOnThisLine(t *testing.T) {
	// An endpoint that refuses connections: a listener bound and closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	const dialTimeout = 300 * time.Millisecond
	start := time.Now()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: dialTimeout,
		//lint:ignore SA1019 WithBlock is the option under test (BR passes it)
		DialOptions: []grpc.DialOption{grpc.WithBlock()},
		Logger:      zap.NewNop(),
	})
	took := time.Since(start)
	if cli != nil {
		defer cli.Close()
	}
	if clientNewBlocks {
		require.Error(t, err, "etcd %s: New with WithBlock on a refusing endpoint", EtcdVersion())
		assert.GreaterOrEqual(t, took, dialTimeout, "New waited for the dial timeout")
		return
	}
	require.NoError(t, err, "etcd %s: New ignores WithBlock", EtcdVersion())
	assert.Less(t, took, dialTimeout, "New returned before any connection could exist")
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	_, err = cli.Get(ctx, "k")
	assert.Error(t, err, "the first request fails instead")
}
