package workload

import (
	"time"

	"github.com/leaderfault/leaderfault/failpoints"
)

// PointDelayUpload is evaluated by the writer before every upload; a sleep
// or pause term delays it.
const PointDelayUpload = "writer/delay-upload"

// Points is the writer's fault points, for the failpoints catalog.
func Points() []failpoints.Point {
	return []failpoints.Point{{Name: PointDelayUpload, Description: "writer: delay each checkpoint upload (sleep(200), pause)"}}
}

// RegisterPoints adds Points to reg unless already there (failpoints.Registry.RegisterOnce).
func RegisterPoints(reg *failpoints.Registry) error {
	if reg == nil {
		return nil
	}
	return reg.RegisterOnce(Points()...)
}

// sleepCtx sleeps d or until ctx ends; it reports whether it slept the whole d.
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
