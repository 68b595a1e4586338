package leaderfault

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCatalogHasTheIssueScenarios(t *testing.T) {
	names := CatalogNames()
	for _, want := range []string{"leader-transfer", "leader-crash", "leader-graceful-stop", "leader-disk-stall",
		"leader-disk-slow", "leader-isolated", "leader-mute", "leader-deaf", "leader-peer-delay",
		"client-link-blackhole", "client-link-flap", "pinned-member-down", "leader-change-storm",
		"quorum-loss", "follower-disk-stall"} {
		assert.Contains(t, names, want)
	}
	b, err := fs.ReadFile(Catalog(), "leader-disk-stall.scn")
	require.NoError(t, err)
	assert.Contains(t, string(b), "69048")
}
