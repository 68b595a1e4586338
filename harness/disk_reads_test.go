package harness

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/harness/disk"
	"github.com/leaderfault/leaderfault/record"
)

// readBudget bounds each read of the member under the read hang. A held read
// never answers, so any budget tells the two apart; 5 s leaves room for a
// loaded machine.
const readBudget = 5 * time.Second

// TestDiskReadHangOnRealMember measures which of a real member's reads hang
// when every open and read(2) of its data dir is held (disk-stall's read half,
// writes left alone): a running member keeps answering serializable and
// linearizable reads and keeps applying writes — bbolt serves them from its
// mmap, and a page fault of the mmap is never held (docs/facts.md §2.7) —
// while a restart hangs at its first open, and, with opens free, at a read(2).
func TestDiskReadHangOnRealMember(t *testing.T) {
	requireDisk(t)
	c := StartT(t, Options{Disk: true})
	ctx := ctxT(t, 60*time.Second)
	writeN(t, c, 200)
	l, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	m := othersOf(c, l)[0]
	readPoint, openPoint := diskPointName(m.Name(), disk.SiteRead), diskPointName(m.Name(), disk.SiteOpen)
	hold := func(points ...string) {
		for _, p := range points {
			require.NoError(t, c.Failpoints().Enable(p, "pause"))
		}
	}
	release := func(points ...string) {
		for _, p := range points {
			require.NoError(t, c.Failpoints().Disable(p))
		}
	}

	hold(readPoint, openPoint)
	cli, err := m.DirectClient()
	require.NoError(t, err)
	for _, get := range []struct {
		name string
		opts []clientv3.OpOption
	}{
		{"serializable Get", []clientv3.OpOption{clientv3.WithSerializable()}},
		{"linearizable Get", nil},
		{"serializable Range of every key", []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithSerializable()}},
	} {
		short, cancel := context.WithTimeout(ctx, readBudget)
		start := time.Now()
		_, err := cli.Get(short, "leaderfault/k1", get.opts...)
		cancel()
		assert.NoError(t, err, "%s on %s with its reads hung", get.name, m.Name())
		t.Logf("%s on %s with reads hung: %v", get.name, m.Name(), time.Since(start))
	}
	rev := writeN(t, c, 10)
	short, cancel := context.WithTimeout(ctx, readBudget)
	assert.NoError(t, m.waitRevision(short, rev), "%s applies writes with its reads hung", m.Name())
	cancel()
	for _, p := range []string{readPoint, openPoint} {
		st, err := c.Failpoints().Status(p)
		require.NoError(t, err)
		t.Logf("%s held %d operations of the running member", p, st.Hits)
	}

	// restart stops m and restarts it under the hang, which must hold it at
	// point; it returns when the restart, released, is done.
	restart := func(point string) {
		require.NoError(t, m.Stop())
		mark := c.Recorder().Len()
		restarted := make(chan error, 1)
		go func() { restarted <- m.Restart(ctx) }()
		hit, err := c.Recorder().Wait(ctx, mark, func(e record.Event) bool {
			return e.Kind == record.KindFailpointHit && e.Member == m.Name()
		})
		require.NoError(t, err, "restart of %s never reached a held operation", m.Name())
		assert.Equal(t, point, hit.Name, "first held operation of the restart")
		// A held operation cannot finish before the release: the restart is
		// still blocked now.
		select {
		case err := <-restarted:
			t.Fatalf("restart of %s finished under the hang (err %v)", m.Name(), err)
		default:
		}
		release(readPoint)
		if point == openPoint {
			release(openPoint)
		}
		require.NoError(t, <-restarted)
	}
	restart(openPoint)
	hold(readPoint)
	restart(readPoint)
	require.NoError(t, c.CheckWhole(ctx))
}
