package advancer

import (
	"errors"

	"github.com/leaderfault/leaderfault/failpoints"
)

// Fault points of the advancers and the writer, in the failpoints catalog.
const (
	// PointSkipProgressRequest suppresses the periodic RequestProgress (BR's
	// advancer_skip_watch_progress_request; its test expects the idle timeout).
	PointSkipProgressRequest = "advancer/skip-progress-request"
	// PointDropWatchResponse makes the advancer ignore a watch response as if
	// it never arrived (it does not reset the idle timer either).
	PointDropWatchResponse = "advancer/drop-watch-response"
	// PointFailCheckpointRead fails the advancer's checkpoint read with a
	// deadline error before it is sent (BR's
	// advancer_get_global_checkpoint_request_timeout).
	PointFailCheckpointRead = "advancer/fail-checkpoint-read"
	// PointDelayUpload is evaluated by the writer before every upload; a sleep
	// or pause term delays it.
	PointDelayUpload = "writer/delay-upload"
)

// Points is the catalog entries of PointSkipProgressRequest and the others.
func Points() []failpoints.Point {
	return []failpoints.Point{
		{Name: PointSkipProgressRequest, Description: "advancer: skip the periodic watch RequestProgress (return(true))"},
		{Name: PointDropWatchResponse, Description: "advancer: drop watch responses while active (return(true), 3*return(true))"},
		{Name: PointFailCheckpointRead, Description: "advancer: fail the checkpoint read with DeadlineExceeded (return(true))"},
		{Name: PointDelayUpload, Description: "writer: delay each checkpoint upload (sleep(200), pause)"},
	}
}

// RegisterPoints adds Points to reg unless already there, so that an advancer
// and a writer (or a run after another) can all call it. Points are never
// unregistered: their proof-of-firing must outlive the run for reports.
func RegisterPoints(reg *failpoints.Registry) error {
	if reg == nil {
		return nil
	}
	var errs []error
	for _, p := range Points() {
		if _, err := reg.Status(p.Name); err == nil {
			continue
		}
		if err := reg.Register(p); err != nil {
			// Lost a race with another registrant of the same point: fine.
			if _, serr := reg.Status(p.Name); serr != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
