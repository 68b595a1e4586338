package model

import "time"

// watchTimers is the timing of PR #69047's watch loop, apart from etcd: a
// ticker that asks for progress every interval, and an idle timer that any
// watch response resets. A zero duration turns either off (its channel is
// nil, so a select never takes it), which is how legacy has neither.
type watchTimers struct {
	progress    *time.Ticker
	idle        *time.Timer
	idleTimeout time.Duration
}

func newWatchTimers(progressInterval, idleTimeout time.Duration) *watchTimers {
	t := &watchTimers{idleTimeout: idleTimeout}
	if progressInterval > 0 {
		t.progress = time.NewTicker(progressInterval)
	}
	if idleTimeout > 0 {
		t.idle = time.NewTimer(idleTimeout)
	}
	return t
}

// progressC fires when a progress request is due.
func (t *watchTimers) progressC() <-chan time.Time {
	if t.progress == nil {
		return nil
	}
	return t.progress.C
}

// idleC fires when no response arrived for the idle timeout.
func (t *watchTimers) idleC() <-chan time.Time {
	if t.idle == nil {
		return nil
	}
	return t.idle.C
}

// responseSeen restarts the idle timer (BR's resetWatchIdleTimer). Since Go
// 1.23 Reset discards a pending expiry, so no drain is needed.
func (t *watchTimers) responseSeen() {
	if t.idle != nil {
		t.idle.Reset(t.idleTimeout)
	}
}

func (t *watchTimers) stop() {
	if t.progress != nil {
		t.progress.Stop()
	}
	if t.idle != nil {
		t.idle.Stop()
	}
}

// sleepCtx waits d or until ctx ends; it reports whether d elapsed.
func sleepCtx(ctx interface{ Done() <-chan struct{} }, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
