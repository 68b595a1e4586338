package advancer

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/record"
)

// Advancer is an implementation of BR's checkpoint waiter under test. The
// presets implement it; so can a user's own code, which the scenario runner
// then drives and judges exactly like the presets.
type Advancer interface {
	// Name labels the advancer in records and reports.
	Name() string
	// Run runs the service loop — wait for the checkpoint to advance, report
	// each advance with env.ObserveAdvance; on error report it with
	// env.ObserveError, pause and go again — until ctx ends. It returns nil
	// when ctx ends, and an error only when it cannot run at all (bad Env).
	Run(ctx context.Context, env *Env) error
}

// AdvancerMember is the record.Event Member of everything an advancer reports.
const AdvancerMember = "advancer"

// Env is what the runner gives an advancer: where the cluster is, which key to
// wait on, and where to report.
type Env struct {
	// Endpoints are the client URLs (each through its own proxy) the
	// advancer's client may know: every member's, as BR's PD client has, or
	// only the pinned member's when the scenario says so (endpoints=pinned,
	// a deployment configured with one PD address). It is part of the
	// scenario's environment: presets and plug-ins get the same.
	Endpoints []string
	// Pinned is the endpoint the watch must start on (the scenario's
	// watch-on member); one of Endpoints.
	Pinned string
	// Task names the key: /tidb/br-stream/checkpoint/<Task>/central_global.
	Task string
	// Recorder receives advances, errors and notes; nil drops them.
	Recorder *record.Recorder
	// Failpoints is the registry the advancer's fault points are registered
	// in when Run starts; nil means fault points never fire.
	Failpoints *failpoints.Registry
	// Logger is given to the etcd clients; nil means none (clientv3 logs a lot).
	Logger *zap.Logger
}

// Validate checks that the Env can be run against.
func (e *Env) Validate() error {
	if e == nil {
		return errors.New("advancer env: nil")
	}
	if len(e.Endpoints) == 0 {
		return errors.New("advancer env: no endpoints")
	}
	if e.Task == "" {
		return errors.New("advancer env: empty task name")
	}
	if e.Pinned != "" && !slices.Contains(e.Endpoints, e.Pinned) {
		return fmt.Errorf("advancer env: pinned endpoint %q is not one of %v", e.Pinned, e.Endpoints)
	}
	return nil
}

// Key is the global checkpoint key of the Env's task.
func (e *Env) Key() string { return CheckpointKey(e.Task) }

// PinnedOrFirst is Pinned, or the first endpoint when none is pinned.
func (e *Env) PinnedOrFirst() string {
	if e.Pinned != "" {
		return e.Pinned
	}
	return e.Endpoints[0]
}

// ObserveAdvance reports that the advancer saw the checkpoint reach value,
// stored at etcd revision rev (the key's ModRevision; 0 if unknown).
func (e *Env) ObserveAdvance(value uint64, rev int64) {
	e.ObserveAdvanceVia(value, rev, "")
}

// ObserveAdvanceVia reports an advance with how it was seen (for example
// "service loop read" for an advance a read found rather than a watch).
func (e *Env) ObserveAdvanceVia(value uint64, rev int64, how string) {
	if e.Recorder == nil {
		return
	}
	e.Recorder.Record(record.Event{Kind: record.KindAdvance, Member: AdvancerMember, Value: value, Revision: rev, Detail: how})
}

// ObserveError reports an error the advancer's wait returned, or a restart of
// its watch.
func (e *Env) ObserveError(err error) {
	if e.Recorder == nil || err == nil {
		return
	}
	e.Recorder.Record(record.Event{Kind: record.KindAdvancerError, Member: AdvancerMember, Detail: err.Error()})
}

// Note records something the advancer did that is neither an advance nor an
// error (a watch moved to another member, a guard decision).
func (e *Env) Note(format string, args ...any) {
	if e.Recorder == nil {
		return
	}
	e.Recorder.Add(record.KindAdvancerInfo, AdvancerMember, format, args...)
}

// Eval evaluates a fault point of the Env's registry; it is never active
// without a registry.
func (e *Env) Eval(point string) (value any, active bool) {
	if e.Failpoints == nil {
		return nil, false
	}
	return e.Failpoints.Eval(point)
}

// Log is the Env's logger, a no-op one when it has none.
func (e *Env) Log() *zap.Logger {
	if e.Logger == nil {
		return zap.NewNop()
	}
	return e.Logger
}
