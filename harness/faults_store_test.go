package harness

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/record"
)

// Compaction past the advancer's revision takes effect, and a watch from
// that revision is cancelled with ErrCompacted; compaction the advancer has
// already seen past does not.
func TestCompactTakesEffectPastTheAdvancersRevision(t *testing.T) {
	c := StartT(t, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	l, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	cli, err := l.DirectClient()
	require.NoError(t, err)
	put := func() int64 {
		resp, err := cli.Put(ctx, "k", "v")
		require.NoError(t, err)
		return resp.Header.Revision
	}
	seen := put()
	c.Recorder().Record(record.Event{Kind: record.KindAdvance, Member: "advancer", Value: 1, Revision: seen})
	put()
	put()

	in, err := c.Inject(ctx, Compact{}, Leader)
	require.NoError(t, err)
	assert.True(t, in.Fired(), "compacted past the advancer's revision %d", seen)
	require.NoError(t, in.Heal(ctx))

	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	resp := <-cli.Watch(wctx, "k", clientv3.WithRev(seen+1))
	assert.ErrorIs(t, resp.Err(), rpctypes.ErrCompacted, "a watch resumed after the advancer's revision")
	assert.NotZero(t, resp.CompactRevision)

	now := put()
	c.Recorder().Record(record.Event{Kind: record.KindAdvance, Member: "advancer", Value: 2, Revision: now})
	again, err := c.Inject(ctx, Compact{}, Leader)
	require.NoError(t, err)
	assert.False(t, again.Fired(), "the advancer has seen the current revision: nothing it can resume from is compacted")
	require.NoError(t, again.Heal(ctx))
}

// TestDefragFiresWhenDone: a defragmentation of 16 MiB of live data fires
// once it has ended, and the record says how long it took and the sizes.
func TestDefragFiresWhenDone(t *testing.T) {
	started := admitted(t)
	c := StartT(t, Options{Members: 1, Profile: ProfileProduction})
	started()
	ctx := ctxT(t, 2*time.Minute)
	// 16 MiB: enough to copy, and little load beside other packages'
	// catalog runs (64 MiB of puts under -race is seconds of CPU).
	require.NoError(t, c.Fill(ctx, 16))
	mark := c.Recorder().Len()
	in, err := c.Inject(ctx, Defrag{}, Leader)
	require.NoError(t, err)
	require.NoError(t, in.Heal(ctx), "heal waits for the defragmentation")
	assert.True(t, in.Fired())
	var note string
	for _, e := range c.Recorder().Events()[mark:] {
		if e.Kind == record.KindNote && strings.HasPrefix(e.Detail, "defragmented in ") {
			note = e.Detail
		}
	}
	assert.Regexp(t, `^defragmented in \S+: database [0-9.]+ MiB \([0-9.]+ in use\) before, [0-9.]+ MiB after$`, note)
	require.NoError(t, c.CheckWhole(ctx))
}

// TestDefragHoldHoldsTheBackend: with Hold, the defragmentation is held at
// its temp file once it holds the backend, so a read on the member waits,
// and it lasts at least Hold whatever the data.
func TestDefragHoldHoldsTheBackend(t *testing.T) {
	SkipWithoutDisk(t)
	t.Run("in process", func(t *testing.T) { testDefragHold(t, Options{Members: 1, Disk: true}) })
	t.Run("processes", func(t *testing.T) {
		testDefragHold(t, Options{Members: 1, Disk: true, Release: processRelease(t)})
	})
}

func testDefragHold(t *testing.T, opts Options) {
	c := StartT(t, opts)
	ctx := ctxT(t, time.Minute)
	writeN(t, c, 3)
	m := c.Members()[0]
	mark := c.Recorder().Len()
	hold := 1500 * time.Millisecond
	in, err := c.Inject(ctx, Defrag{Hold: hold}, Leader)
	require.NoError(t, err)
	_, err = c.Recorder().Wait(ctx, mark, func(e record.Event) bool {
		return e.Kind == record.KindNote && strings.HasPrefix(e.Detail, "defragmentation holds the backend")
	})
	require.NoError(t, err, "the defragmentation reached its temp file")

	cli, err := m.DirectClient()
	require.NoError(t, err)
	rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = cli.Get(rctx, "leaderfault/k0", clientv3.WithSerializable())
	cancel()
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a read waits while the defragmentation holds the backend")

	require.NoError(t, in.Heal(ctx), "heal waits for the defragmentation")
	assert.True(t, in.Fired())
	_, err = cli.Get(ctx, "leaderfault/k0", clientv3.WithSerializable())
	require.NoError(t, err)
	var took time.Duration
	for _, e := range c.Recorder().Events()[mark:] {
		if e.Kind == record.KindNote && strings.HasPrefix(e.Detail, "defragmented in ") {
			took, err = time.ParseDuration(strings.TrimSuffix(strings.Fields(e.Detail)[2], ":"))
			require.NoError(t, err, e.Detail)
		}
	}
	assert.GreaterOrEqual(t, took, hold, "it lasted at least the hold")
	require.NoError(t, c.CheckWhole(ctx))
}
