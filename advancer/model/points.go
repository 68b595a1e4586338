package model

import "github.com/leaderfault/leaderfault/failpoints"

// Fault points of the advancers, in the failpoints catalog.
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
)

// Points is the catalog entries of PointSkipProgressRequest and the others.
func Points() []failpoints.Point {
	return []failpoints.Point{
		{Name: PointSkipProgressRequest, Description: "advancer: skip the periodic watch RequestProgress (return(true))"},
		{Name: PointDropWatchResponse, Description: "advancer: drop watch responses while active (return(true), 3*return(true))"},
		{Name: PointFailCheckpointRead, Description: "advancer: fail the checkpoint read with DeadlineExceeded (return(true))"},
	}
}

// RegisterPoints adds Points to reg unless already there
// (failpoints.Registry.RegisterOnce).
func RegisterPoints(reg *failpoints.Registry) error {
	if reg == nil {
		return nil
	}
	return reg.RegisterOnce(Points()...)
}
