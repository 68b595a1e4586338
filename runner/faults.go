package runner

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// FaultEntry is one fault kind a script can name, defined once: the harness
// fault it builds (whose Kind is the entry's name), its parameters, what it
// does, and how to build it from a script's parameters.
type FaultEntry struct {
	// Proto is the fault with its default parameters; Proto.Kind() names
	// the entry and every fault Build makes.
	Proto       harness.Fault
	Description string
	Spec        script.FaultSpec
	Build       func(p params) (harness.Fault, error)
}

// Kind is the name scripts use: the harness fault's Kind.
func (e FaultEntry) Kind() string { return e.Proto.Kind() }

// Usage is the fault as a script writes it, with its parameters:
// "peer-delay delay=<duration> [dir=<in|out|both>] [jitter=<duration>]".
func (e FaultEntry) Usage() string {
	if syn := e.Spec.Syntax(); syn != "" {
		return e.Kind() + " " + syn
	}
	return e.Kind()
}

// GoValue is the harness type with its fields, as Go code names it:
// "DiskDelay{Delay, Writes, Reads}".
func (e FaultEntry) GoValue() string {
	t := reflect.TypeOf(e.Proto)
	var fields []string
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			fields = append(fields, t.Field(i).Name)
		}
	}
	return t.Name() + "{" + strings.Join(fields, ", ") + "}"
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

// word is the word parameter key, if given.
func (p params) word(key string) (string, bool) {
	for _, x := range p.ps {
		if x.Key == key {
			return x.Value.AsString()
		}
	}
	return "", false
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

// FaultCatalog is the built-in fault catalog, in the order the docs list it
// (docs/scenarios.md's table is generated from it: TestFaultTableInDocs).
var FaultCatalog = []FaultEntry{
	{Proto: harness.DiskStall{}, Description: "every write, fsync, open and read(2) of the member's data dir hangs until healed (the pingcap/tidb#69048 IO hang); reads=false: writes and fsync only. Page faults of bbolt's mmap hang only with reads=all, which needs processes=true (in process one held fault would freeze every member at the next GC): without it a running member still answers reads and the read half bites at restart and when etcd opens a file (docs/facts.md 2.7); with it the member's cached pages are dropped and every read hangs, as on the incident's volume (11.8). Fired: it held any operation; the record has each site's hits. Needs cluster disk=true",
		Spec: script.FaultSpec{Params: map[string]script.ValueKind{"reads": script.KindWord}, Words: map[string][]string{"reads": {"true", "false", "all"}}, NeedsDisk: true,
			ProcessesFor: map[string]string{"reads": "all"}},
		Build: func(p params) (harness.Fault, error) {
			if w, ok := p.word("reads"); ok && w == "all" {
				return harness.DiskStall{PageFaults: true}, nil
			}
			return harness.DiskStall{WritesOnly: !p.boolOr("reads", true)}, nil
		}},
	{Proto: harness.DiskDelay{}, Description: "every fsync (writes=true: and write; reads=true: and open and read(2)) of the member's data dir takes delay longer; reads are off by default, a running member barely makes them (docs/facts.md 2.7). Needs cluster disk=true",
		Spec: script.FaultSpec{Params: map[string]script.ValueKind{"delay": script.KindDuration, "writes": script.KindWord, "reads": script.KindWord},
			Words: map[string][]string{"writes": boolWords, "reads": boolWords}, Required: []string{"delay"}, NeedsDisk: true},
		Build: func(p params) (harness.Fault, error) {
			return harness.DiskDelay{Delay: p.duration("delay"), Writes: p.boolOr("writes", false), Reads: p.boolOr("reads", false)}, nil
		}},
	{Proto: harness.Isolate{}, Description: "complete, symmetric partition of the member from its peers: every peer byte to and from it dropped, and for members in the runner's process etcd's CutPeer on both sides for every peer; clients still reach it",
		Build: func(params) (harness.Fault, error) { return harness.Isolate{}, nil }},
	{Proto: harness.Mute{}, Description: "the member hears its peers but cannot speak to them",
		Build: func(params) (harness.Fault, error) { return harness.Mute{}, nil }},
	{Proto: harness.Deaf{}, Description: "the member speaks to its peers but cannot hear them",
		Build: func(params) (harness.Fault, error) { return harness.Deaf{}, nil }},
	{Proto: harness.PeerDelay{}, Description: "raft traffic of the member delayed by delay±jitter (dir=in|out|both)",
		Spec: script.FaultSpec{Params: delayParams, Words: dirWords, Required: []string{"delay"}},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.PeerDelay{Latency: p.duration("delay"), Jitter: p.duration("jitter"), Direction: d}, err
		}},
	{Proto: harness.PeerBlackhole{}, Description: "raft traffic of the member dropped (dir=in|out|both); connections stay open",
		Spec: script.FaultSpec{Params: dirParams, Words: dirWords},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.PeerBlackhole{Direction: d}, err
		}},
	{Proto: harness.PeerPause{}, Description: "raft traffic of the member held until healed (dir=in|out|both)",
		Spec: script.FaultSpec{Params: dirParams, Words: dirWords},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.PeerPause{Direction: d}, err
		}},
	{Proto: harness.ClientBlackhole{}, Description: "silent blackhole between clients and the member: nothing arrives, nothing errors, connections stay open; bytes are held, as TCP would retransmit them, and arrive after the heal",
		Spec: script.FaultSpec{Params: dirParams, Words: dirWords},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.ClientBlackhole{Direction: d}, err
		}},
	{Proto: harness.ClientDelay{}, Description: "bytes between clients and the member delayed by delay±jitter",
		Spec: script.FaultSpec{Params: delayParams, Words: dirWords, Required: []string{"delay"}},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.ClientDelay{Latency: p.duration("delay"), Jitter: p.duration("jitter"), Direction: d}, err
		}},
	{Proto: harness.ClientPause{}, Description: "bytes between clients and the member held until healed",
		Spec: script.FaultSpec{Params: dirParams, Words: dirWords},
		Build: func(p params) (harness.Fault, error) {
			d, err := p.direction("dir")
			return harness.ClientPause{Direction: d}, err
		}},
	{Proto: harness.ClientRefuse{}, Description: "client connections of the member reset, and new ones reset at connect, until healed: reconnect backoff grows",
		Build: func(params) (harness.Fault, error) { return harness.ClientRefuse{}, nil }},
	{Proto: harness.ClientReset{}, Description: "client connections of the member reset (TCP RST), once, or with every=D again and again until healed",
		Spec:  script.FaultSpec{Params: map[string]script.ValueKind{"every": script.KindDuration}},
		Build: func(p params) (harness.Fault, error) { return harness.ClientReset{Every: p.duration("every")}, nil }},
	{Proto: harness.Crash{}, Description: "hard stop of the member, no leadership transfer; restarted (same data, same addresses) on heal",
		Build: func(params) (harness.Fault, error) { return harness.Crash{}, nil }},
	{Proto: harness.Stop{}, Description: "graceful stop of the member (a leader transfers leadership first); restarted on heal",
		Build: func(params) (harness.Fault, error) { return harness.Stop{}, nil }},
	{Proto: harness.Pause{}, Description: "the member's process stopped with SIGSTOP until healed (SIGCONT): it keeps its sockets, nothing errors, nothing answers (etcd-io/etcd#8980, Jepsen's pause); its peers elect a leader without it. Fired: the kernel reports the process stopped. Needs cluster processes=true",
		Spec:  script.FaultSpec{NeedsProcesses: true},
		Build: func(params) (harness.Fault, error) { return harness.Pause{}, nil }},
	{Proto: harness.Defrag{}, Description: "defragmentation of the member's backend (etcdctl defrag; etcd-io/etcd#9222): etcd holds the backend for its whole length, so the member applies nothing, answers no read and sends no watch event until it ends, while raft goes on; how long depends on the live data (cluster data=N MiB), or hold=D holds it at its temp file, once it holds the backend, for D whatever the data (needs disk=true). Fired: it finished; the record has its length and the database size. Heal waits for it to end",
		Spec:  script.FaultSpec{Params: map[string]script.ValueKind{"hold": script.KindDuration}, DiskWith: []string{"hold"}},
		Build: func(p params) (harness.Fault, error) { return harness.Defrag{Hold: p.duration("hold")}, nil }},
	{Proto: harness.Replace{}, Description: "the member replaced as an operator replaces a lost machine: stopped hard, removed from the membership, and a new member (the next name, new client and peer URLs, an empty data dir) added and started to join; the old address then leads nowhere. Fired: the new member serves, follows the leader and every membership lists it; heal does nothing",
		Build: func(params) (harness.Fault, error) { return harness.Replace{}, nil }},
	{Proto: harness.Compact{}, Description: "compaction of the cluster's history to its current revision, physical, through the member (as an operator or the apiserver's compactor does); took effect when it passed the newest revision the advancer observed, so a watch it resumes from there is cancelled with ErrCompacted (docs/facts.md 3.13); heal does nothing",
		Build: func(params) (harness.Fault, error) { return harness.Compact{}, nil }},
}

// Faults is FaultCatalog by kind.
var Faults = func() map[string]FaultEntry {
	m := make(map[string]FaultEntry, len(FaultCatalog))
	for _, e := range FaultCatalog {
		m[e.Kind()] = e
	}
	return m
}()

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

func buildFault(f script.Inject) (harness.Fault, error) {
	e, ok := Faults[f.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown fault %q", f.Kind)
	}
	return e.Build(params{f.Params})
}
