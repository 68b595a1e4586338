package scenarios

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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, sc, Options{Preset: "robust", Logf: t.Logf})
	require.ErrorIs(t, err, harness.ErrDiskRequired)
	assert.Empty(t, res.Skipped)
	assert.NotEqual(t, check.Skipped, res.Verdict())
	assert.NotEmpty(t, res.Failures)
}
