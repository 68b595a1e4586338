package runner

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/harness"
)

// With LEADERFAULT_REQUIRE_DISK demanding disk faults, a disk scenario that
// cannot have them is an error of the run, not a skip. (A value the variable
// does not understand demands them too, so this holds on a machine with FUSE.)
func TestRequireDiskEnvFailsADiskScenario(t *testing.T) {
	t.Setenv(harness.RequireDiskEnv, "on")
	sc, err := Parse("disk.scn", []byte(diskHeader+"fault disk-stall target=leader\nheal\n"))
	require.NoError(t, err)
	res, err := Run(context.Background(), sc, Options{Preset: "robust", Logf: t.Logf, Timeout: 30 * time.Second})
	require.ErrorIs(t, err, harness.ErrDiskRequired)
	assert.Empty(t, res.Skipped)
	assert.NotEqual(t, check.Skipped, res.Verdict())
	assert.NotEmpty(t, res.Failures)
}

// A cluster that takes no writes before the first fault leaves nothing for
// the advancer to follow: the run is INVALID (the machine's fault, not the
// advancer's), not a step error that blames the advancer.
func TestNoWritesToFollowMakeTheRunInvalid(t *testing.T) {
	t.Parallel()
	if raceEnabled || harness.EtcdLine() != "3.7" {
		// The runner's own logic: once, on the default etcd line, without
		// the detector (11 s each on 2 cores).
		t.Skip("runs on the default etcd line without -race")
	}
	sc, err := Parse("stuck.scn", []byte(`scenario stuck "the writer's uploads hang before the advancer starts"
cluster members=1 election=100ms
writer every=20ms
failpoint writer/delay-upload 'sleep(11000)'
advancer watch-on=leader
expect advance within 1s
`))
	require.NoError(t, err)
	res, err := Run(context.Background(), sc, Options{Preset: "robust", Time: "script", Logf: t.Logf, Timeout: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, check.Invalid, res.Verdict())
	require.NotEmpty(t, res.Invalid)
	assert.Regexp(t, `^the writer stored too little to follow before the first fault: [0-2] value\(s\) confirmed, [0-2] advance\(s\), in 10s$`, res.Invalid[0])
}
