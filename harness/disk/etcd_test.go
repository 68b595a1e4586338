package disk

import (
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
)

// TestEtcdOnMount runs a one-member etcd with its data dir on the mount: WAL
// preallocation, fdatasync, flock, bbolt's mmap and renames all go through the
// loopback. An fsync delay then shows up in every Put, which waits for the WAL.
func TestEtcdOnMount(t *testing.T) {
	m, hits := mountT(t)
	start := time.Now()
	e := startEtcd(t, filepath.Join(m.Mountpoint(), "member"))
	t.Logf("etcd ready on the mount in %v", time.Since(start))

	cli, err := clientv3.New(clientv3.Config{
		Endpoints: []string{"http://" + e.Clients[0].Addr().String()},
		Logger:    zap.NewNop(),
	})
	require.NoError(t, err)
	defer cli.Close()
	ctx := waitCtx(t)

	start = time.Now()
	for i := range 20 {
		_, err := cli.Put(ctx, fmt.Sprintf("k%d", i), "v")
		require.NoError(t, err)
	}
	t.Logf("20 Puts on the mount: %v", time.Since(start))

	require.NoError(t, m.Enable(SiteFsync, "sleep(100)"))
	start = time.Now()
	_, err = cli.Put(ctx, "slow", "v")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "Put waits for the delayed WAL fdatasync")
	require.NoError(t, m.Disable(SiteFsync))
	assert.Positive(t, hits.count(SiteFsync))

	resp, err := cli.Get(ctx, "k", clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	assert.EqualValues(t, 20, resp.Count)
}

func startEtcd(t *testing.T, dir string) *embed.Etcd {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Name = "disk-test"
	cfg.Dir = dir
	local, _ := url.Parse("http://127.0.0.1:0")
	cfg.ListenPeerUrls = []url.URL{*local}
	cfg.ListenClientUrls = []url.URL{*local}
	// A single member never dials its own peer URL; it only has to match
	// the initial cluster, so a fixed, unused port is enough.
	peer, _ := url.Parse("http://127.0.0.1:1")
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.AdvertiseClientUrls = []url.URL{*local}
	cfg.InitialCluster = cfg.Name + "=" + peer.String()
	cfg.TickMs, cfg.ElectionMs = 10, 100
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zaptest.NewLogger(t, zaptest.Level(zapcore.ErrorLevel)))
	cfg.ListenMetricsUrls = nil
	e, err := embed.StartEtcd(cfg)
	require.NoError(t, err)
	t.Cleanup(e.Close) // before the mount's cleanup: Cleanups run last-in first-out
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		t.Fatalf("etcd failed: %v", err)
	case <-time.After(testWaitBudget):
		t.Fatal("etcd not ready")
	}
	return e
}
