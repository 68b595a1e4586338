package harness

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/internal/leftover"
)

// childPIDs lists the live child processes of this process.
func childPIDs() []int {
	var out []int
	for pid := range leftover.Children(os.Getpid()) {
		out = append(out, pid)
	}
	return out
}

// After Close nothing of the cluster remains: no mount, no child process, no
// listener, no temp dir (goroutines are checked by goleak in TestMain).
func TestCloseLeavesNothingBehind(t *testing.T) {
	disk := diskIfAvailable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Start(ctx, Options{Disk: disk})
	require.NoError(t, err)
	dir := c.Dir()
	var addrs []string
	for _, m := range c.Members() {
		addrs = append(addrs, strings.TrimPrefix(m.ClientURL(), "http://"), strings.TrimPrefix(m.PeerURL(), "http://"), strings.TrimPrefix(m.UpstreamURL(), "http://"))
	}
	if disk {
		assert.Len(t, leftover.Mounts(dir), 3, "one FUSE mount per member")
		assert.Len(t, childPIDs(), 4, "one FUSE child per member and the reaper")
		// Leave a fault armed: Close must release it.
		_, err = c.Inject(ctx, DiskStall{}, AnyFollower)
		require.NoError(t, err)
	} else {
		t.Logf("FUSE unavailable (%v): checking listeners and temp dir only", DiskAvailable())
	}
	require.Subset(t, leftover.Listening(os.Getpid()), addrs, "the cluster's listeners are seen while it runs")
	require.NoError(t, c.Close())

	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "temp dir %s left behind", dir)
	assert.Empty(t, leftover.Mounts(dir), "mounts left behind")
	assert.Empty(t, childPIDs(), "child processes left behind")
	// Asked of this process's sockets, not by dialing: under `go test ./...`
	// another package's process may take a freed port at once.
	listening := leftover.Listening(os.Getpid())
	for _, a := range addrs {
		assert.NotContains(t, listening, a, "listener %s still open", a)
	}
	require.NotEmpty(t, addrs)
	// Closing twice is fine.
	require.NoError(t, c.Close())
}

// A failed start leaves nothing behind either.
func TestStartErrorLeavesNothingBehind(t *testing.T) {
	_, err := Start(context.Background(), Options{Members: 4})
	assert.ErrorContains(t, err, "want 1, 3 or 5")
	_, err = Start(context.Background(), Options{Profile: Profile{Tick: 10 * time.Millisecond, Election: 20 * time.Millisecond}})
	assert.ErrorContains(t, err, "at least 5 ticks")
	// A context that ends during start.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Start(ctx, Options{})
	assert.Error(t, err)
	assert.Empty(t, childPIDs())
}

func TestOneAndFiveMemberClusters(t *testing.T) {
	for _, n := range []int{1, 5} {
		c := StartT(t, Options{Members: n})
		assert.Len(t, c.Members(), n)
		assert.NotNil(t, c.Leader())
		writeN(t, c, 1)
	}
}

func TestProductionProfile(t *testing.T) {
	c := StartT(t, Options{Profile: ProfileProduction})
	assert.Equal(t, time.Second, c.Profile().Election)
	assert.NotNil(t, c.Leader())
}
