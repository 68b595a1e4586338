package model

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"

	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/record"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/internal/memberclient"
)

// waiterFixture is a brWaiter on fakes, so that the timing of BR's loop can
// be checked in a synctest bubble with production constants.
type waiterFixture struct {
	w   *brWaiter
	kv  *fakeKV
	wr  *fakeWatcher
	env *advancer.Env
	fps *failpoints.Registry
}

func newWaiterFixture(t *testing.T, cfg Config) *waiterFixture {
	rec := record.New()
	fps := failpoints.New(rec)
	require.NoError(t, RegisterPoints(fps))
	env := &advancer.Env{Endpoints: []string{"e0"}, Task: "t", Recorder: rec, Failpoints: fps}
	f := &waiterFixture{kv: &fakeKV{}, wr: &fakeWatcher{}, env: env, fps: fps}
	f.kv.set(5, 10, 12)
	f.w = &brWaiter{cfg: cfg, env: env, kv: f.kv, watcher: f.wr}
	return f
}

type waitResult struct {
	value uint64
	rev   int64
	err   error
	took  time.Duration
}

func (f *waiterFixture) start(ctx context.Context, current uint64) <-chan waitResult {
	out := make(chan waitResult, 1)
	go func() {
		start := time.Now()
		v, rev, err := f.w.WaitGlobalCheckpointAdvance(ctx, current)
		out <- waitResult{v, rev, err, time.Since(start)}
	}()
	return out
}

func TestWaitReturnsAtOnceWhenReadIsAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newWaiterFixture(t, pr69047())
		r := <-f.start(t.Context(), 4)
		require.NoError(t, r.err)
		assert.Equal(t, uint64(5), r.value)
		assert.Equal(t, int64(10), r.rev, "the key's ModRevision, not the header's")
		watches, _ := f.wr.count()
		assert.Zero(t, watches)
	})
}

func TestWaitWatchesFromHeaderRevisionAndReturnsLargerPut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newWaiterFixture(t, pr69047())
		done := f.start(t.Context(), 5)
		synctest.Wait()
		w := f.wr.last()
		assert.Equal(t, int64(13), w.rev, "watch from header revision + 1")
		w.ch <- putResponse(5, 13) // not larger: keep waiting
		w.ch <- putResponse(6, 14)
		r := <-done
		require.NoError(t, r.err)
		assert.Equal(t, uint64(6), r.value)
		assert.Equal(t, int64(14), r.rev)
		assert.ErrorIs(t, w.ctx.Err(), context.Canceled, "the watch ends with the wait")
		md, _ := metadata.FromOutgoingContext(w.ctx)
		assert.Equal(t, []string{"true"}, md.Get(rpctypes.MetadataRequireLeaderKey), "pr69047 watches require a leader")
	})
}

// BR's own test: with the progress request skipped, the wait fails with the
// idle timeout error, exactly one idle timeout after the watch started.
func TestPR69047SkipProgressRequestHitsIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newWaiterFixture(t, pr69047())
		require.NoError(t, f.fps.Enable(PointSkipProgressRequest, "return(true)"))
		r := <-f.start(t.Context(), 5)
		require.Error(t, r.err)
		assert.Contains(t, r.err.Error(), "watching global checkpoint timed out after 1m30s without etcd progress")
		assert.Equal(t, 90*time.Second, r.took)
		_, requests := f.wr.count()
		assert.Zero(t, requests)
		st, err := f.fps.Status(PointSkipProgressRequest)
		require.NoError(t, err)
		// Ticks at 30 s and 60 s; the one at 90 s races the idle timer.
		assert.Contains(t, []int64{2, 3}, st.Hits)
	})
}

func TestPR69047AnsweredProgressKeepsWatchAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newWaiterFixture(t, pr69047())
		done := f.start(t.Context(), 5)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		select {
		case r := <-done:
			t.Fatalf("wait ended after %v: %v", r.took, r.err)
		default:
		}
		_, requests := f.wr.count()
		assert.Equal(t, 20, requests, "one request per 30 s")
		f.wr.last().ch <- putResponse(7, 20)
		r := <-done
		require.NoError(t, r.err)
		assert.Equal(t, uint64(7), r.value)
	})
}

// A RequestProgress that never gets through (stuck stream) is bounded by the
// interval, and its error ends the wait.
func TestPR69047BlockedProgressRequestTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newWaiterFixture(t, pr69047())
		f.wr.progress = func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}
		r := <-f.start(t.Context(), 5)
		require.ErrorIs(t, r.err, context.DeadlineExceeded)
		assert.Contains(t, r.err.Error(), "request global checkpoint watch progress")
		assert.Equal(t, 60*time.Second, r.took, "first tick at 30 s + a 30 s timeout")
	})
}

func TestDroppedResponsesDoNotResetIdleTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := pr69047()
		cfg.ProgressInterval = 0
		f := newWaiterFixture(t, cfg)
		require.NoError(t, f.fps.Enable(PointDropWatchResponse, "return(true)"))
		done := f.start(t.Context(), 5)
		synctest.Wait()
		time.Sleep(80 * time.Second)
		f.wr.last().ch <- putResponse(9, 30) // dropped
		r := <-done
		assert.ErrorContains(t, r.err, "without etcd progress")
		assert.Equal(t, 90*time.Second, r.took)
	})
}

func TestLegacyWaitsForeverWithoutResponses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newWaiterFixture(t, legacy())
		ctx, cancel := context.WithTimeout(t.Context(), 24*time.Hour)
		defer cancel()
		r := <-f.start(ctx, 5)
		assert.ErrorIs(t, r.err, context.DeadlineExceeded)
		assert.Equal(t, 24*time.Hour, r.took)
		_, requests := f.wr.count()
		assert.Zero(t, requests, "legacy never asks for progress")
	})
}

func TestClosedWatchRestartsFromRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newWaiterFixture(t, legacy())
		done := f.start(t.Context(), 5)
		synctest.Wait()
		f.kv.set(5, 10, 40)
		close(f.wr.last().ch)
		synctest.Wait()
		watches, _ := f.wr.count()
		require.Equal(t, 2, watches)
		assert.Equal(t, int64(41), f.wr.last().rev, "second watch from the new read's revision")
		f.wr.last().ch <- putResponse(8, 41)
		r := <-done
		require.NoError(t, r.err)
		assert.Equal(t, uint64(8), r.value)
		restarts := f.env.Recorder.OfKind(record.KindAdvancerError)
		require.Len(t, restarts, 1)
		assert.Contains(t, restarts[0].Detail, "watch channel closed")
	})
}

func TestRequestTimeoutsRetryFailedReads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := pr69047()
		cfg.RequestTimeouts = Durations{5 * time.Second, 10 * time.Second, 15 * time.Second}
		f := newWaiterFixture(t, cfg)
		require.NoError(t, f.fps.Enable(PointFailCheckpointRead, "2*return(true)"))
		r := <-f.start(t.Context(), 4)
		require.NoError(t, r.err, "third attempt succeeds")
		assert.Equal(t, uint64(5), r.value)

		require.NoError(t, f.fps.Enable(PointFailCheckpointRead, "return(true)"))
		r = <-f.start(t.Context(), 4)
		require.ErrorIs(t, r.err, context.DeadlineExceeded)
		st, _ := f.fps.Status(PointFailCheckpointRead)
		assert.Equal(t, int64(3), st.Hits, "one try per timeout")
	})
}

// BR's Service.Run: every round reads first; a value past the last one is an
// advance (reported by the read, not by the wait); otherwise it waits, then
// reads again. A failed read or wait is recorded and retry passes.
func TestServeReadsBeforeEachWaitAndRetriesAfterErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := record.New()
		env := &advancer.Env{Endpoints: []string{"e"}, Task: "t", Recorder: rec}
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		var calls []string
		nreads := 0
		reads := []struct {
			value uint64
			err   error
		}{
			{err: errors.New("read boom")}, // t=0: retry after 1 s
			{value: 0},                     // t=1s: nothing yet, wait (1 s)
			{value: 7},                     // t=2s, after the wait: advance
			{value: 7},                     // t=2s: wait again; it fails, retry after 1 s
			{value: 9},                     // t=3s: advance
			{value: 9},                     // t=3s: last wait, ends with ctx
		}
		read := func(ctx context.Context) (memberclient.Read, error) {
			i := nreads
			nreads++
			calls = append(calls, fmt.Sprintf("read@%v", time.Since(start)))
			r := reads[min(i, len(reads)-1)]
			return memberclient.Read{Value: r.value, ModRev: int64(r.value)}, r.err
		}
		waits := 0
		wait := func(ctx context.Context, current uint64) error {
			waits++
			calls = append(calls, fmt.Sprintf("wait(%d)@%v", current, time.Since(start)))
			switch waits {
			case 1:
				time.Sleep(time.Second)
				return nil
			case 2:
				return errors.New("wait boom")
			}
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}
		require.NoError(t, serve(ctx, env, time.Second, read, nil, wait))
		assert.Equal(t, []string{"read@0s", "read@1s", "wait(0)@1s", "read@2s", "read@2s", "wait(7)@2s",
			"read@3s", "read@3s", "wait(9)@3s"}, calls)
		adv := rec.OfKind(record.KindAdvance)
		require.Len(t, adv, 2)
		assert.Equal(t, []uint64{7, 9}, []uint64{adv[0].Value, adv[1].Value})
		assert.Equal(t, loopReadHow, adv[0].Detail, "the loop's read reports the advance")
		errs := rec.OfKind(record.KindAdvancerError)
		require.Len(t, errs, 2, "ctx end is not an error")
		assert.Equal(t, "service loop read: read boom", errs[0].Detail)
		assert.Equal(t, "wait boom", errs[1].Detail)
	})
}

// The loop's read is the wait's read: for legacy and pr69047 it has no
// deadline, so a read stuck on a stalled member holds the whole service loop
// (nothing recorded for an hour); request-timeouts (later BR) bound it, and
// the loop records the failure and goes round again after retry-interval.
func TestServeLoopReadOnStalledMember(t *testing.T) {
	run := func(t *testing.T, cfg Config, runFor time.Duration) (gets int, errs []record.Event) {
		f := newWaiterFixture(t, cfg)
		f.kv.stalled = true
		ctx, cancel := context.WithTimeout(t.Context(), runFor)
		defer cancel()
		read := func(ctx context.Context) (memberclient.Read, error) { return f.w.read(ctx, f.env.Key()) }
		wait := func(ctx context.Context, current uint64) error {
			_, _, err := f.w.WaitGlobalCheckpointAdvance(ctx, current)
			return err
		}
		require.NoError(t, serve(ctx, f.env, cfg.RetryInterval, read, nil, wait))
		f.kv.mu.Lock()
		defer f.kv.mu.Unlock()
		return f.kv.gets, f.env.Recorder.OfKind(record.KindAdvancerError)
	}
	for _, cfg := range []Config{legacy(), pr69047()} {
		t.Run(cfg.Name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				gets, errs := run(t, cfg, time.Hour)
				assert.Equal(t, 1, gets, "one read, never answered, never given up")
				assert.Empty(t, errs)
			})
		})
	}
	t.Run("request-timeouts", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			cfg := pr69047()
			cfg.RequestTimeouts = Durations{5 * time.Second, 10 * time.Second, 15 * time.Second}
			gets, errs := run(t, cfg, 61500*time.Millisecond)
			assert.Equal(t, 6, gets, "3 attempts (30 s), 1 s pause, 3 more (30 s)")
			require.Len(t, errs, 2)
			assert.Equal(t, 30*time.Second, errs[0].At.Round(time.Second))
			assert.Equal(t, 61*time.Second, errs[1].At.Round(time.Second))
			assert.Contains(t, errs[0].Detail, "service loop read: ")
			assert.Contains(t, errs[0].Detail, "deadline exceeded")
		})
	})
}

// The later BR PRs' watch-creation timeouts: each attempt that does not get a
// stream in time is cancelled and the watcher replaced; after the last one the
// wait goes back to its read.
func TestWatchCreateTimeoutsResetWatcherThenRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := pr69047()
		cfg.WatchCreateTimeouts = Durations{5 * time.Second, 10 * time.Second, 15 * time.Second}
		f := newWaiterFixture(t, cfg)
		f.wr.stuck = true
		resets := 0
		f.w.newWatcher = func() clientv3.Watcher {
			resets++
			return f.wr
		}
		ctx, cancel := context.WithTimeout(t.Context(), 31*time.Second)
		defer cancel()
		r := <-f.start(ctx, 5)
		require.ErrorIs(t, r.err, context.DeadlineExceeded)
		assert.Equal(t, 3, resets, "one watcher reset per timed-out attempt in 30 s")
		var at []time.Duration
		var details []string
		for _, e := range f.env.Recorder.OfKind(record.KindAdvancerError) {
			at = append(at, e.At.Round(time.Second))
			details = append(details, e.Detail)
		}
		assert.Equal(t, []time.Duration{5 * time.Second, 15 * time.Second, 30 * time.Second, 30 * time.Second}, at)
		require.Len(t, details, 4)
		assert.Contains(t, details[2], "attempt 3/3")
		assert.Contains(t, details[3], "watch creation timed out 3 times", "then a restart from the read")
		assert.Equal(t, 2, f.kv.gets, "read again after the restart")
	})
}
