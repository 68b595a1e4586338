package workload

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestWriterKeepsWritingWhileLeaderIsIsolated(t *testing.T) {
	c := harness.StartT(t, harness.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rec := c.Recorder()
	w := &Writer{Endpoints: c.Endpoints(), Task: "t1", Every: 20 * time.Millisecond, Recorder: rec, Failpoints: c.Failpoints()}
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() {
		stop()
		require.NoError(t, <-done)
	}()
	_, err := rec.Wait(ctx, 0, func(e record.Event) bool { return e.Kind == record.KindWrite && e.Value >= 10 })
	require.NoError(t, err)

	in, err := c.Inject(ctx, harness.Isolate{}, harness.Leader)
	require.NoError(t, err)
	mark := rec.Len()
	// 50 more uploads (a second at 20 ms) must go through the majority.
	var last record.Event
	for range 50 {
		last, err = rec.WaitKind(ctx, mark, record.KindWrite, Member)
		require.NoError(t, err, "writer stalled during leader isolation")
		mark = last.Seq + 1
	}
	require.NoError(t, in.Heal(ctx))

	writes := rec.OfKind(record.KindWrite)
	var gap time.Duration
	for i := 1; i < len(writes); i++ {
		assert.Greater(t, writes[i].Value, writes[i-1].Value, "values increase")
		assert.Greater(t, writes[i].Revision, writes[i-1].Revision, "revisions increase")
		if writes[i].At > in.At {
			gap = max(gap, writes[i].At-writes[i-1].At)
		}
	}
	for _, e := range rec.Events() {
		if e.Kind != record.KindWrite && e.At > in.At-50*time.Millisecond && e.At < in.At+2*time.Second {
			t.Log(e.String())
		}
	}
	t.Logf("longest pause between uploads after isolating the leader: %v; writer errors: %d",
		gap, len(rec.OfKind(record.KindWriteError)))

	// Never backwards: the stored value is at least every confirmed upload.
	l, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	cli, err := l.DirectClient()
	require.NoError(t, err)
	resp, err := cli.Get(ctx, advancer.CheckpointKey("t1"))
	require.NoError(t, err)
	stored, err := advancer.DecodeCheckpoint(resp.Kvs[0].Value)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, stored, last.Value)
}
