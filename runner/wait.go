package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// defaultWait is the deadline of "wait advance" and "wait leader-change"
// without within=.
const defaultWait = 10 * time.Second

func (r *run) wait(ctx context.Context, a script.Wait) error {
	within := a.Within
	if within == 0 {
		within = r.bound(defaultWait)
	}
	switch a.Until {
	case "":
		return sleepCtx(ctx, a.For)
	case script.WaitLeaderChange:
		old := r.c.Leader()
		wctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		_, err := r.c.WaitNewLeader(wctx, old)
		return err
	case script.WaitAdvance:
		wctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		_, err := r.rec.WaitKind(wctx, r.rec.Len(), record.KindAdvance, "")
		return err
	}
	return fmt.Errorf("unknown wait %q", a.Until)
}

// bound stretches one of the runner's own deadlines (defaultWait, a timed
// heal's) with the run's time base, so that a stretched run is bounded as
// the same run written at that speed would be.
func (r *run) bound(d time.Duration) time.Duration {
	return time.Duration(float64(d) * r.stretch)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
