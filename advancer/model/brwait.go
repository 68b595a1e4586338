package model

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/internal/memberclient"
)

// errWatchRestart is BR's ErrPiTRCheckpointWatchRestart: the watch ended in a
// way that sends WaitGlobalCheckpointAdvance back to its read.
var errWatchRestart = errors.New("global checkpoint watch restart")

// brWaiter is BR's MetaDataClient.WaitGlobalCheckpointAdvance
// (br/pkg/streamhelper, docs/facts.md §4) with its version chosen by the knobs:
// legacy is a plain watch; pr69047 adds require-leader, progress notify,
// RequestProgress and the idle timer; request-timeouts and
// watch-create-timeouts add the later PRs' retries.
type brWaiter struct {
	cfg     Config
	env     *advancer.Env
	kv      clientv3.KV
	watcher clientv3.Watcher
	// newWatcher replaces watcher after a watch-creation timeout (BR's
	// resetWatcher); nil keeps the old one.
	newWatcher func() clientv3.Watcher
	// createdNotify, when it returns true, asks the next watch for a created
	// notification; every response is passed to onResponse. The pinned
	// client uses them to widen its endpoints once the first stream is open.
	createdNotify func() bool
	onResponse    func(*advancer.Env, clientv3.WatchResponse)
}

// WaitGlobalCheckpointAdvance returns the first checkpoint larger than
// current, with the revision it was stored at: read the key keeping the
// response header revision; if the value is larger, done; otherwise watch
// from that revision + 1 until a larger Put arrives. A watch restart goes
// back to the read.
func (w *brWaiter) WaitGlobalCheckpointAdvance(ctx context.Context, current uint64) (uint64, int64, error) {
	key := w.env.Key()
	for {
		r, err := w.read(ctx, key)
		if err != nil {
			return 0, 0, err
		}
		if r.Value > current {
			return r.Value, r.ModRev, nil
		}
		v, rev, err := w.waitCheckpointEvent(ctx, key, current, r.Revision+1)
		if err == nil {
			return v, rev, nil
		}
		if ctx.Err() != nil {
			return 0, 0, ctx.Err()
		}
		if errors.Is(err, errWatchRestart) {
			w.env.ObserveError(err)
			continue
		}
		return 0, 0, err
	}
}

// read is BR's getGlobalCheckpointWithRevision: one attempt without deadline,
// or one attempt per request timeout, retrying deadline and Unavailable
// errors (runMetadataRequestWithRetry).
func (w *brWaiter) read(ctx context.Context, key string) (memberclient.Read, error) {
	attempt := func(ctx context.Context) (memberclient.Read, error) {
		if _, ok := w.env.Eval(PointFailCheckpointRead); ok {
			return memberclient.Read{}, fmt.Errorf("%s: %w", PointFailCheckpointRead, context.DeadlineExceeded)
		}
		return memberclient.ReadCheckpoint(ctx, w.kv, key)
	}
	if len(w.cfg.RequestTimeouts) == 0 {
		return attempt(ctx)
	}
	var lastErr error
	for i, timeout := range w.cfg.RequestTimeouts {
		actx, cancel := context.WithTimeout(ctx, timeout)
		r, err := attempt(actx)
		cancel()
		if err == nil {
			return r, nil
		}
		lastErr = err
		if i+1 == len(w.cfg.RequestTimeouts) || !retryableRead(ctx, err) {
			break
		}
	}
	return memberclient.Read{}, lastErr
}

func retryableRead(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch status.Code(err) {
	case codes.DeadlineExceeded, codes.Unavailable:
		return true
	}
	return false
}

// openWatch starts the watch. Without watch-create timeouts it is a plain
// Watch call, which blocks until the client's stream goroutine takes the
// request. With them it is BR's later loop: a timer cancels a creation that
// takes too long and resets the watcher, then the next timeout is tried.
func (w *brWaiter) openWatch(ctx context.Context, key string, rev int64) (clientv3.WatchChan, context.Context, context.CancelFunc, error) {
	opts := []clientv3.OpOption{clientv3.WithRev(rev)}
	if w.cfg.ProgressNotify {
		opts = append(opts, clientv3.WithProgressNotify())
	}
	if w.createdNotify != nil && w.createdNotify() {
		opts = append(opts, clientv3.WithCreatedNotify())
	}
	watchCtx := func() (context.Context, context.CancelFunc) {
		if w.cfg.RequireLeader {
			return context.WithCancel(clientv3.WithRequireLeader(ctx))
		}
		return context.WithCancel(ctx)
	}
	if len(w.cfg.WatchCreateTimeouts) == 0 {
		wctx, cancel := watchCtx()
		return w.watcher.Watch(wctx, key, opts...), wctx, cancel, nil
	}
	const (
		creating int32 = iota
		created
		timedOut
	)
	for i, timeout := range w.cfg.WatchCreateTimeouts {
		wctx, cancel := watchCtx()
		var state atomic.Int32
		watcher := w.watcher
		timer := time.AfterFunc(timeout, func() {
			if state.CompareAndSwap(creating, timedOut) {
				// Record first, then cancel: the cancel lets the wait go on
				// (and record its restart), so the record reads in order.
				w.env.ObserveError(fmt.Errorf("watch creation timed out after %v (attempt %d/%d), resetting watcher",
					timeout, i+1, len(w.cfg.WatchCreateTimeouts)))
				cancel()
			}
		})
		ch := watcher.Watch(wctx, key, opts...)
		if state.CompareAndSwap(creating, created) {
			timer.Stop()
			return ch, wctx, cancel, nil
		}
		cancel()
		if w.newWatcher != nil {
			watcher.Close()
			w.watcher = w.newWatcher()
		}
		if ctx.Err() != nil {
			return nil, nil, nil, ctx.Err()
		}
	}
	return nil, nil, nil, fmt.Errorf("%w: watch creation timed out %d times", errWatchRestart, len(w.cfg.WatchCreateTimeouts))
}

// waitCheckpointEvent is BR's waitCheckpointEvent: watch key from rev and
// return the first Put larger than current. Any response resets the idle
// timer; the progress ticker asks for progress on the watch's own stream
// (same ctx metadata) with a timeout equal to the interval; a closed channel
// or a compaction restarts; any other watch error, a failed progress request
// or the idle timeout is returned to the service loop.
func (w *brWaiter) waitCheckpointEvent(ctx context.Context, key string, current uint64, rev int64) (uint64, int64, error) {
	ch, watchCtx, cancel, err := w.openWatch(ctx, key, rev)
	if err != nil {
		return 0, 0, err
	}
	defer cancel()
	timers := newWatchTimers(w.cfg.ProgressInterval, w.cfg.IdleTimeout)
	defer timers.stop()
	for {
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case resp, ok := <-ch:
			if _, drop := w.env.Eval(PointDropWatchResponse); drop && ok {
				continue
			}
			timers.responseSeen()
			if !ok {
				return 0, 0, fmt.Errorf("%w: watch channel closed (from rev %d)", errWatchRestart, rev)
			}
			if w.onResponse != nil {
				w.onResponse(w.env, resp)
			}
			if err := resp.Err(); err != nil {
				if resp.CompactRevision != 0 {
					return 0, 0, fmt.Errorf("%w: compacted at %d: %v", errWatchRestart, resp.CompactRevision, err)
				}
				return 0, 0, fmt.Errorf("global checkpoint watch: %w", err)
			}
			for _, ev := range resp.Events {
				if ev.Type != clientv3.EventTypePut {
					continue
				}
				v, err := advancer.DecodeCheckpoint(ev.Kv.Value)
				if err != nil {
					return 0, 0, err
				}
				if v > current {
					return v, ev.Kv.ModRevision, nil
				}
			}
		case <-timers.progressC():
			if err := w.requestProgress(watchCtx); err != nil {
				return 0, 0, fmt.Errorf("request global checkpoint watch progress: %w", err)
			}
		case <-timers.idleC():
			return 0, 0, fmt.Errorf("watching global checkpoint timed out after %v without etcd progress", w.cfg.IdleTimeout)
		}
	}
}

// requestProgress is BR's requestWatchProgress: skippable by the fault point
// its own test uses, and bounded by the progress interval because
// RequestProgress blocks while the stream goroutine does not take the request.
func (w *brWaiter) requestProgress(watchCtx context.Context) error {
	if _, skip := w.env.Eval(PointSkipProgressRequest); skip {
		return nil
	}
	pctx, cancel := context.WithTimeout(watchCtx, w.cfg.ProgressInterval)
	defer cancel()
	return w.watcher.RequestProgress(pctx)
}
