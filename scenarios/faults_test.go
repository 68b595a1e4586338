package scenarios

import (
	"testing"

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
	var f script.Fault
	for _, st := range sc.Steps {
		if a, ok := st.Action.(script.Fault); ok {
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
		"fault disk-stall target=leader reads=no":            `disk.scn:4: fault disk-stall: reads=no: unknown value "no"; expected reads=<true|false>`,
		"fault disk-stall target=leader reads=flase":         `disk.scn:4: fault disk-stall: reads=flase: unknown value "flase" (did you mean false?); expected reads=<true|false>`,
		"fault disk-stall target=leader reads=1s":            `disk.scn:4: fault disk-stall: reads=1s is a duration; expected reads=<word>`,
		"fault disk-stall target=leader ops=writes":          `disk.scn:4: fault disk-stall: unknown parameter "ops"; expected [reads=<true|false>]`,
		"fault disk-delay target=leader delay=1s reads=1":    `disk.scn:4: fault disk-delay: reads=1 is a int; expected reads=<word>`,
		"fault disk-delay target=leader delay=1s writes=yes": `disk.scn:4: fault disk-delay: writes=yes: unknown value "yes"; expected writes=<true|false>`,
		"fault peer-delay target=leader delay=1s dir=up":     `disk.scn:4: fault peer-delay: dir=up: unknown value "up"; expected dir=<in|out|both>`,
	} {
		_, err := Parse("disk.scn", []byte(diskHeader+line+"\nheal\n"))
		if assert.Error(t, err, line) {
			assert.Equal(t, want, err.Error(), line)
		}
	}
}
