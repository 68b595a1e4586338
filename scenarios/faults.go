package scenarios

import (
	"fmt"
	"sort"
	"time"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// FaultEntry is one fault kind a script can name: its parameters and how to
// build the harness fault from them.
type FaultEntry struct {
	Kind        string
	Description string
	Spec        script.FaultSpec
	Build       func(p params) (harness.Fault, error)
}

// params reads a fault step's parameters.
type params struct{ ps []script.Param }

func (p params) duration(key string) time.Duration {
	for _, x := range p.ps {
		if x.Key == key {
			d, _ := x.Value.AsDuration()
			return d
		}
	}
	return 0
}

// boolOr is the true/false parameter key, or def when it is not given (the
// catalog's Words make sure a given one is true or false).
func (p params) boolOr(key string, def bool) bool {
	for _, x := range p.ps {
		if x.Key == key {
			b, _ := x.Value.AsBool()
			return b
		}
	}
	return def
}

func (p params) direction(key string) (harness.Direction, error) {
	for _, x := range p.ps {
		if x.Key == key {
			s, _ := x.Value.AsString()
			return harness.ParseDirection(s)
		}
	}
	return harness.Both, nil
}

var (
	delayParams = map[string]script.ValueKind{"delay": script.KindDuration, "jitter": script.KindDuration, "dir": script.KindWord}
	dirParams   = map[string]script.ValueKind{"dir": script.KindWord}
	dirWords    = map[string][]string{"dir": {"in", "out", "both"}}
	boolWords   = []string{"true", "false"}
)

// Faults is the built-in fault catalog, by kind.
var Faults = map[string]FaultEntry{
	"disk-stall": {Kind: "disk-stall", Description: "every write, fsync, open and read(2) of the member's data dir hangs until healed (reads=false: writes and fsync only; bbolt's mmap page faults never hang) (needs cluster disk=true)",
		Spec: script.FaultSpec{Params: map[string]script.ValueKind{"reads": script.KindWord}, Words: map[string][]string{"reads": boolWords}, NeedsDisk: true},
		Build: func(p params) (harness.Fault, error) {
			return harness.DiskStall{WritesOnly: !p.boolOr("reads", true)}, nil
		}},
	"disk-delay": {Kind: "disk-delay", Description: "every fsync (writes=true: and write; reads=true: and open and read(2)) of the member's data dir takes delay longer (needs disk=true)",
		Spec: script.FaultSpec{Params: map[string]script.ValueKind{"delay": script.KindDuration, "writes": script.KindWord, "reads": script.KindWord},
			Words: map[string][]string{"writes": boolWords, "reads": boolWords}, Required: []string{"delay"}, NeedsDisk: true},
		Build: func(p params) (harness.Fault, error) {
			return harness.DiskDelay{Delay: p.duration("delay"), Writes: p.boolOr("writes", false), Reads: p.boolOr("reads", false)}, nil
		}},
	"peer-isolate": {Kind: "peer-isolate", Description: "complete, symmetric partition of the member from its peers (clients still reach it)",
		Build: func(params) (harness.Fault, error) { return harness.Isolate{}, nil }},
	"peer-mute": {Kind: "peer-mute", Description: "the member hears its peers but cannot speak to them",
		Build: func(params) (harness.Fault, error) { return harness.Mute{}, nil }},
	"peer-deaf": {Kind: "peer-deaf", Description: "the member speaks to its peers but cannot hear them",
		Build: func(params) (harness.Fault, error) { return harness.Deaf{}, nil }},
	"peer-delay": {Kind: "peer-delay", Description: "raft traffic of the member delayed by delay±jitter (dir=in|out|both)",
		Spec: script.FaultSpec{Params: delayParams, Words: dirWords, Required: []string{"delay"}},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.PeerDelay{Latency: p.duration("delay"), Jitter: p.duration("jitter"), Direction: d}, err
		}},
	"peer-blackhole": {Kind: "peer-blackhole", Description: "raft traffic of the member dropped (dir=in|out|both)",
		Spec: script.FaultSpec{Params: dirParams, Words: dirWords},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.PeerBlackhole{Direction: d}, err
		}},
	"peer-pause": {Kind: "peer-pause", Description: "raft traffic of the member held until healed (dir=in|out|both)",
		Spec: script.FaultSpec{Params: dirParams, Words: dirWords},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.PeerPause{Direction: d}, err
		}},
	"client-blackhole": {Kind: "client-blackhole", Description: "silent blackhole between clients and the member: nothing arrives, nothing errors, connections stay open (bytes held as TCP would retransmit them)",
		Spec: script.FaultSpec{Params: dirParams, Words: dirWords},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.ClientBlackhole{Direction: d}, err
		}},
	"client-delay": {Kind: "client-delay", Description: "bytes between clients and the member delayed by delay±jitter",
		Spec: script.FaultSpec{Params: delayParams, Words: dirWords, Required: []string{"delay"}},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.ClientDelay{Latency: p.duration("delay"), Jitter: p.duration("jitter"), Direction: d}, err
		}},
	"client-pause": {Kind: "client-pause", Description: "bytes between clients and the member held until healed",
		Spec: script.FaultSpec{Params: dirParams, Words: dirWords},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.ClientPause{Direction: d}, err
		}},
	"client-refuse": {Kind: "client-refuse", Description: "client connections of the member reset, new ones reset at connect, until healed (reconnect backoff grows)",
		Build: func(params) (harness.Fault, error) { return harness.ClientRefuse{}, nil }},
	"client-reset": {Kind: "client-reset", Description: "client connections of the member reset (every=D: again and again until healed)",
		Spec:  script.FaultSpec{Params: map[string]script.ValueKind{"every": script.KindDuration}},
		Build: func(p params) (harness.Fault, error) { return harness.ClientReset{Every: p.duration("every")}, nil }},
	"crash": {Kind: "crash", Description: "hard stop of the member (no leadership transfer); restarted on heal",
		Build: func(params) (harness.Fault, error) { return harness.Crash{}, nil }},
	"stop": {Kind: "stop", Description: "graceful stop of the member (a leader transfers leadership first); restarted on heal",
		Build: func(params) (harness.Fault, error) { return harness.Stop{}, nil }},
}

// FaultKinds lists the catalog's kinds, sorted.
func FaultKinds() []string {
	out := make([]string, 0, len(Faults))
	for k := range Faults {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// faultSpecs is the catalog as the parser's validator.
func faultSpecs() script.FaultSpecs {
	specs := script.FaultSpecs{}
	for k, e := range Faults {
		specs[k] = e.Spec
	}
	return specs
}

func buildFault(f script.Fault) (harness.Fault, error) {
	e, ok := Faults[f.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown fault %q", f.Kind)
	}
	return e.Build(params{f.Params})
}
