package record

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRecordOrdersAndStamps(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				r.Add(KindNote, "m0", "n%d", j)
			}
		}()
	}
	wg.Wait()
	ev := r.Events()
	require.Len(t, ev, 800)
	for i := range ev {
		assert.Equal(t, i, ev[i].Seq)
		if i > 0 {
			assert.GreaterOrEqual(t, ev[i].At, ev[i-1].At, "time is monotonic in record order")
		}
	}
	assert.Len(t, r.OfKind(KindNote), 800)
	assert.Empty(t, r.OfKind(KindAdvance))
}

func TestWaitFindsPastAndFutureEvents(t *testing.T) {
	r := New()
	r.Add(KindLeader, "m1", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e, err := r.WaitKind(ctx, 0, KindLeader, "m1")
	require.NoError(t, err)
	assert.Equal(t, 0, e.Seq)

	got := make(chan Event, 1)
	from := r.Len()
	go func() {
		e, _ := r.WaitKind(ctx, from, KindAdvance, "")
		got <- e
	}()
	r.Add(KindNote, "", "not this one")
	r.Record(Event{Kind: KindAdvance, Member: "advancer", Value: 7, Revision: 9})
	e = <-got
	assert.Equal(t, uint64(7), e.Value)
}

func TestWaitFailsClearlyAtDeadline(t *testing.T) {
	r := New()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := r.WaitKind(ctx, 0, KindStalled, "advancer")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "waiting for stalled event")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestTimelineReadsAsALog(t *testing.T) {
	r := New()
	r.Record(Event{Kind: KindLeader, Member: "m0", Leader: "m1", Term: 3})
	r.Record(Event{Kind: KindWrite, Member: "writer", Value: 5, Revision: 6})
	tl := r.Timeline()
	assert.Contains(t, tl, "t(ms)")
	assert.Contains(t, tl, "leader=m1 term=3")
	assert.Contains(t, tl, "value=5 rev=6")
	assert.Equal(t, 3, strings.Count(tl, "\n"))
}
