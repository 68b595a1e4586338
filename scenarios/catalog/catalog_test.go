package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCatalogHasTheIssueScenarios(t *testing.T) {
	names := Names()
	for _, want := range []string{"leader-transfer", "leader-crash", "leader-graceful-stop", "leader-disk-stall",
		"leader-disk-slow", "leader-isolated", "leader-mute", "leader-deaf", "leader-peer-delay",
		"client-link-blackhole", "client-link-flap", "pinned-member-down", "leader-change-storm",
		"quorum-loss", "follower-disk-stall"} {
		assert.Contains(t, names, want)
	}
	file, src, err := Source("leader-disk-stall")
	require.NoError(t, err)
	assert.Equal(t, "leader-disk-stall.scn", file)
	assert.Contains(t, string(src), "69048")
	_, _, err = Source("leader-disk-stal")
	assert.ErrorContains(t, err, "known: ")
}
