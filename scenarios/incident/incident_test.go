package incident

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTierHasTheIncidentShapes(t *testing.T) {
	for _, want := range []string{"incident-leader-disk-stall", "incident-pinned-member-down",
		"incident-client-link-flap", "incident-client-link-blackhole"} {
		assert.Contains(t, Names(), want)
	}
	file, src, err := Source("incident-leader-disk-stall")
	require.NoError(t, err)
	assert.Equal(t, "incident-leader-disk-stall.scn", file)
	assert.Contains(t, string(src), "69048")
	_, _, err = Source("leader-disk-stall")
	assert.ErrorContains(t, err, "known: ")
}
