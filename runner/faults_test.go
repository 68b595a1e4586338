package runner

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

const diskHeader = "cluster members=3 profile=fast disk=true\nwriter every=20ms\nadvancer\n"

// buildLine parses one fault line (line 4 of a script) against the built-in
// catalog and builds its harness fault.
func buildLine(t *testing.T, line string) harness.Fault {
	t.Helper()
	sc, err := Parse("disk.scn", []byte(diskHeader+line+"\nheal\n"))
	require.NoError(t, err)
	var f script.Inject
	for _, st := range sc.Steps {
		if a, ok := st.Action.(script.Inject); ok {
			f = a
		}
	}
	require.NotEmpty(t, f.Kind, "no fault step in %q", line)
	built, err := buildFault(f)
	require.NoError(t, err)
	return built
}

func TestDiskFaultParams(t *testing.T) {
	for line, want := range map[string]harness.Fault{
		"fault disk-stall target=leader":                                  harness.DiskStall{},
		"fault disk-stall target=leader reads=true":                       harness.DiskStall{},
		"fault disk-stall target=leader reads=false":                      harness.DiskStall{WritesOnly: true},
		"fault disk-delay target=leader delay=120ms":                      harness.DiskDelay{Delay: 120e6},
		"fault disk-delay target=leader delay=120ms writes=true":          harness.DiskDelay{Delay: 120e6, Writes: true},
		"fault disk-delay target=leader delay=1s reads=true":              harness.DiskDelay{Delay: 1e9, Reads: true},
		"fault disk-delay target=leader delay=1s writes=false reads=true": harness.DiskDelay{Delay: 1e9, Reads: true},
	} {
		assert.Equal(t, want, buildLine(t, line), line)
	}
	assert.Equal(t, "disk-stall reads=false", harness.DiskStall{WritesOnly: true}.String())
}

// Bad values fail at parse time, with the script's file and line, like every
// other fault parameter.
func TestDiskFaultParamErrors(t *testing.T) {
	for line, want := range map[string]string{
		"fault disk-stall target=leader reads=no":            `disk.scn:4: fault disk-stall: reads=no: unknown value "no"; expected reads=<true|false|all>`,
		"fault disk-stall target=leader reads=flase":         `disk.scn:4: fault disk-stall: reads=flase: unknown value "flase" (did you mean false?); expected reads=<true|false|all>`,
		"fault disk-stall target=leader reads=1s":            `disk.scn:4: fault disk-stall: reads=1s is a duration; expected reads=<word>`,
		"fault disk-stall target=leader ops=writes":          `disk.scn:4: fault disk-stall: unknown parameter "ops"; expected [reads=<true|false|all>]`,
		"fault pause target=leader":                          `disk.scn:4: fault: fault pause without processes=true on the cluster line; expected cluster ... processes=true (every member a process of its own) before it`,
		"fault disk-stall target=leader reads=all":           `disk.scn:4: fault: fault disk-stall reads=all without processes=true on the cluster line; expected cluster ... processes=true (every member a process of its own) before it`,
		"fault disk-delay target=leader delay=1s reads=1":    `disk.scn:4: fault disk-delay: reads=1 is a int; expected reads=<word>`,
		"fault disk-delay target=leader delay=1s writes=yes": `disk.scn:4: fault disk-delay: writes=yes: unknown value "yes"; expected writes=<true|false>`,
		"fault peer-delay target=leader delay=1s dir=up":     `disk.scn:4: fault peer-delay: dir=up: unknown value "up"; expected dir=<in|out|both>`,
		"fault defrag target=leader hold=later":              `disk.scn:4: fault defrag: hold=later is a word; expected hold=<duration>`,
	} {
		_, err := Parse("disk.scn", []byte(diskHeader+line+"\nheal\n"))
		if assert.Error(t, err, line) {
			assert.Equal(t, want, err.Error(), line)
		}
	}
	// A defragmentation held at the member's disk needs the disk mount.
	_, err := Parse("nodisk.scn", []byte("cluster members=3\nwriter every=20ms\nadvancer\nfault defrag target=leader hold=2s\nheal\n"))
	require.Error(t, err)
	assert.Equal(t, "nodisk.scn:4: fault: fault defrag hold= without disk=true on the cluster line; expected cluster ... disk=true (the members' data on the fault-injecting filesystem) before a disk fault", err.Error())
	_, err = Parse("nodisk.scn", []byte("cluster members=3\nwriter every=20ms\nadvancer\nfault defrag target=leader\nheal\n"))
	assert.NoError(t, err, "a defragmentation without hold needs no disk mount")
}

// Every catalog entry builds faults that report the entry's own name, from
// its default parameters (the required ones given).
func TestFaultEntriesBuildTheirOwnKind(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range FaultCatalog {
		assert.False(t, seen[e.Kind()], "%s listed twice", e.Kind())
		seen[e.Kind()] = true
		var ps []script.Param
		for _, key := range e.Spec.Required {
			ps = append(ps, script.Param{Key: key, Value: script.Value{Kind: script.KindDuration, Duration: time.Second}})
		}
		built, err := e.Build(params{ps})
		require.NoError(t, err, e.Kind())
		assert.Equal(t, e.Kind(), built.Kind(), "the fault %s builds", e.Kind())
		assert.Equal(t, reflect.TypeOf(e.Proto), reflect.TypeOf(built), "%s builds its Proto's type", e.Kind())
		assert.NotEmpty(t, e.Description, e.Kind())
	}
	assert.Len(t, Faults, len(FaultCatalog))
}

var update = flag.Bool("update", false, "rewrite the generated docs from the code")

// docsScenarios is the page with the fault table.
const docsScenarios = "../docs/scenarios.md"

// faultTable renders the catalog as docs/scenarios.md's fault table.
func faultTable() string {
	var b strings.Builder
	b.WriteString("| fault (script name and parameters) | Go value (package harness) | what it does |\n|---|---|---|\n")
	for _, e := range FaultCatalog {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", strings.ReplaceAll(e.Usage(), "|", `\|`), e.GoValue(), strings.ReplaceAll(e.Description, "|", `\|`))
	}
	return b.String()
}

// The fault table of docs/scenarios.md is generated from FaultCatalog:
// go test ./runner/ -run TestFaultTableInDocs -update rewrites it.
func TestFaultTableInDocs(t *testing.T) {
	b, err := os.ReadFile(docsScenarios)
	require.NoError(t, err)
	page := string(b)
	start := strings.Index(page, "| fault (script name")
	require.GreaterOrEqual(t, start, 0, "no fault table in %s", docsScenarios)
	end := start + strings.Index(page[start:], "\n\n") + 1
	want := faultTable()
	if *update {
		require.NoError(t, os.WriteFile(docsScenarios, []byte(page[:start]+want+page[end:]), 0o644))
		return
	}
	assert.Equal(t, want, page[start:end], "docs/scenarios.md's fault table is stale: go test ./runner/ -run TestFaultTableInDocs -update")
}
