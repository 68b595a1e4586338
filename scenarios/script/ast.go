package script

import (
	"time"

	"github.com/leaderfault/leaderfault/check"
)

// Script is a parsed scenario: a header and the steps in file order.
type Script struct {
	Name        string // from the scenario line; the file name without extension otherwise
	Description string // from the scenario line; may be empty
	File        string // as given to Parse, for messages
	Seed        *int64 // from the seed line; nil: the runner picks and prints one
	Steps       []Step
}

// Step is one line of a script (a repeat block is one step holding its own).
type Step struct {
	Line int    // 1-based line in File
	Text string // the source line without comment or surrounding space, for reports

	// Presets restricts the step to these advancer presets, or with
	// ExceptPresets to every preset but these. Empty: every preset.
	Presets       []string
	ExceptPresets bool

	// Action is what the step does: one of Cluster, Advancer, Writer, Fault,
	// Failpoint, MoveLeader, Lifecycle, Heal, Wait, Expect, Known or Repeat. A type
	// switch over these is exhaustive: no other type implements Action.
	Action Action
}

// Verb is the step's verb as written: cluster, fault, crash, expect, ...
func (s Step) Verb() string { return s.Action.Verb() }

// Reference reports whether the step is a reference point: the expectations
// after it measure from the moment it begins, until the next one. Every step
// that changes what the cluster suffers is one: fault, failpoint (arming it
// and "off", which heals it), move-leader, crash, stop, restart and heal (the
// moment recovery from a fault nobody can get around, like quorum loss, can
// start). This is the one definition; the runner marks these steps in the
// record and package check measures from them. A repeat is not one itself;
// the steps inside it are, each time they run.
func (s Step) Reference() bool {
	switch s.Action.(type) {
	case Inject, Failpoint, MoveLeader, Lifecycle, Heal:
		return true
	}
	return false
}

// Action is the typed payload of a step.
type Action interface {
	// Verb is the word the step starts with.
	Verb() string
	// args renders everything after the verb canonically.
	args() string
}

// ClusterSpec describes the cluster the scenario runs on. Zero fields leave the
// runner's default (the harness's: 3 members, fast profile).
//
//	cluster members=3 profile=fast tick=10ms election=100ms disk=true
type ClusterSpec struct {
	Members  int           // 1, 3 or 5
	Profile  string        // "fast" or "production"
	Tick     time.Duration // heartbeat interval, overriding the profile's
	Election time.Duration // election timeout, overriding the profile's
	Disk     bool          // members' data directories on the fault-injecting filesystem
	// Processes runs every member as a child process of its own (the etcd
	// release of the run, else the one the runner links): what faults on
	// whole processes (pause) need.
	Processes bool
	// DataMiB is live data, in MiB, written into the cluster once it is up,
	// before the writer and the advancer start: what a defragmentation
	// copies (data=64).
	DataMiB int
}

// StartAdvancer configures the advancer under test; which one (the preset) is the
// runner's choice, not the script's.
//
//	advancer watch-on=leader scale=10 backoff-max=3s
type StartAdvancer struct {
	WatchOn TargetSpec // member its watch starts on; zero: the runner's default
	// Endpoints is what the advancer's client may know: EndpointsAll (the
	// default) or EndpointsPinned (only the WatchOn member). It is part of
	// the scenario's environment, the same for every advancer.
	Endpoints EndpointMode
	Scale     float64 // divides the preset's durations (10: production constants at the fast profile); 0: not given
	Knobs     []Param // every other key=value, for the runner to validate
}

// EndpointMode is which members' endpoints the advancer is given.
type EndpointMode string

// Endpoint modes, spelled as in scripts.
const (
	EndpointsAll    EndpointMode = "all"
	EndpointsPinned EndpointMode = "pinned"
)

// StartWriter starts the checkpoint writer the advancer follows.
//
//	writer every=20ms via=leader
type StartWriter struct {
	Every time.Duration // interval between checkpoint writes
	Via   TargetSpec    // member it writes through; zero: any endpoint
}

// Inject injects a fault from the runner's catalog.
//
//	fault peer-delay target=leader delay=50ms jitter=10ms for=2s as=slow
type Inject struct {
	Kind   string        // catalog name, e.g. disk-stall
	Target TargetSpec    // where to inject it
	Params []Param       // kind-specific parameters in the order written
	For    time.Duration // heal automatically after this long; 0: until healed
	As     string        // a name for heal to refer to; may be empty
}

// Param returns the parameter named key.
func (f Inject) Param(key string) (Value, bool) { return param(f.Params, key) }

// Knob returns the advancer knob named key.
func (a StartAdvancer) Knob(key string) (Value, bool) { return param(a.Knobs, key) }

func param(ps []Param, key string) (Value, bool) {
	for _, p := range ps {
		if p.Key == key {
			return p.Value, true
		}
	}
	return Value{}, false
}

// Failpoint arms a named fault point with a pingcap/failpoint term, or
// disarms it.
//
//	failpoint etcdserver/beforeApply 'sleep("2s")'
//	failpoint etcdserver/beforeApply off
type Failpoint struct {
	Name string
	Term string // validated term; empty when Off
	Off  bool
}

// MoveLeader transfers leadership.
//
//	move-leader to=m2
type MoveLeader struct {
	To TargetSpec // a single member; defaults to follower (any, from the seed)
}

// LifecycleOp is what a Lifecycle step does to its target.
type LifecycleOp string

// Lifecycle operations, spelled as the verbs.
const (
	OpCrash   LifecycleOp = "crash"   // kill without a graceful shutdown
	OpStop    LifecycleOp = "stop"    // graceful stop
	OpRestart LifecycleOp = "restart" // start again with the same data
)

// Lifecycle crashes, stops or restarts members.
//
//	crash leader
type Lifecycle struct {
	Op     LifecycleOp
	Target TargetSpec
}

// Heal heals active faults: every one if Ref is empty, otherwise those whose
// kind or as= name is Ref.
//
//	heal
//	heal disk-stall
type Heal struct {
	Ref string
}

// WaitEvent is what a Wait step waits for.
type WaitEvent string

// Events a Wait can wait for.
const (
	WaitLeaderChange WaitEvent = "leader-change" // a leader other than the one when the wait began
	WaitAdvance      WaitEvent = "advance"       // the advancer observes a checkpoint advance
)

// Wait lets time pass (For) or waits for an event (Until), failing the run
// if Within passes first (0: the runner's default deadline).
//
//	wait 2s
//	wait leader-change within 1s
type Wait struct {
	For    time.Duration
	Until  WaitEvent
	Within time.Duration
}

// ExpectKind is what an Expect step judges; package check defines each
// (check.MeasureExpect), scripts spell them so.
type ExpectKind = check.ExpectKind

// Expectations, spelled as in scripts.
const (
	ExpectAdvance      = check.ExpectAdvance
	ExpectStall        = check.ExpectStall
	ExpectLeaderChange = check.ExpectLeaderChange
	ExpectDetect       = check.ExpectDetect
	ExpectNoStall      = check.ExpectNoStall
)

// Expect is a judged expectation; the measured figure is always reported.
//
//	expect advance within 500ms [robust]
//	expect stall for 3s [legacy]
type Expect struct {
	What     ExpectKind
	Duration time.Duration // the deadline; for ExpectStall the stall length, for ExpectNoStall the window
	From     time.Duration // ExpectNoStall only: the window starts this long after the reference point
}

// Known states a known deviation of some presets (the step's tags) from the
// requirements measured from the same reference point: what they do
// instead, and why (Bug: an issue, a PR, a reason). A preset that misses a
// requirement and behaves as its known line says reproduces a known bug; one
// that meets every requirement does not reproduce it (a fix, or a broken
// reproduction); one that misses a requirement otherwise fails.
//
//	known stall for 1s bug="pingcap/tidb#69048" [legacy,pr69047]
//	known stall for 1s bug="a read hangs on the isolated member" rate=90% [pr69047]
type Known struct {
	Expect
	Bug string
	// Rate is how often the deviation shows, in percent of runs, when it is
	// not every time (measured, and stated so that a run where it does not
	// show is expected now and then); 0 means every run.
	Rate int
}

// Repeat runs Steps Count times. With Every, an iteration starts every Every
// (start to start); without it, iterations run back to back.
//
//	repeat 5 every=300ms move-leader to=follower
type Repeat struct {
	Count int
	Every time.Duration
	Steps []Step
}

// Verb implements Action.
func (ClusterSpec) Verb() string { return "cluster" }

// Verb implements Action.
func (StartAdvancer) Verb() string { return "advancer" }

// Verb implements Action.
func (StartWriter) Verb() string { return "writer" }

// Verb implements Action.
func (Inject) Verb() string { return "fault" }

// Verb implements Action.
func (Failpoint) Verb() string { return "failpoint" }

// Verb implements Action.
func (MoveLeader) Verb() string { return "move-leader" }

// Verb implements Action.
func (l Lifecycle) Verb() string { return string(l.Op) }

// Verb implements Action.
func (Heal) Verb() string { return "heal" }

// Verb implements Action.
func (Wait) Verb() string { return "wait" }

// Verb implements Action.
func (Expect) Verb() string { return "expect" }

// Verb implements Action.
func (Repeat) Verb() string { return "repeat" }

// Verb implements Action.
func (Known) Verb() string { return "known" }
