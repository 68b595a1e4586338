package harness

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requireDisk(t *testing.T) {
	t.Helper()
	SkipWithoutDisk(t)
}

// diskIfAvailable is whether a test that also runs without disk faults gets
// them; when LEADERFAULT_REQUIRE_DISK=1 demands them and they cannot run, the
// test fails instead of silently checking less.
func diskIfAvailable(t *testing.T) bool {
	t.Helper()
	err := DiskAvailable()
	if errors.Is(err, ErrDiskRequired) {
		t.Fatal(err)
	}
	return err == nil
}

// The #69048 shape: the leader's disk hangs, leadership moves.
func TestDiskStallOnLeaderChangesLeader(t *testing.T) {
	requireDisk(t)
	c := StartT(t, Options{Disk: true})
	ctx := ctxT(t, 20*time.Second)
	old := c.Leader()
	in, err := c.Inject(ctx, DiskStall{}, Leader)
	require.NoError(t, err)
	// Writes make the leader append to its WAL, which now hangs.
	cli, err := c.NewClient(clientv3Config())
	require.NoError(t, err)
	defer cli.Close()
	go func() {
		for i := 0; i < 3; i++ {
			short, cancel := ctxWithTimeout(ctx, 500*time.Millisecond)
			_, _ = cli.Put(short, "stall", "x")
			cancel()
		}
	}()
	nl, err := c.WaitNewLeader(ctx, old)
	require.NoError(t, err)
	assert.NotEqual(t, old, nl)
	st, err := c.Failpoints().Status(diskPointName(old.Name(), "fsync"))
	require.NoError(t, err)
	t.Logf("fsync point: %+v", st)
	assert.True(t, in.Fired(), "disk stall never fired")
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, c.CheckWhole(ctx))
}

func TestDiskDelayOnFollowerFires(t *testing.T) {
	requireDisk(t)
	c := StartT(t, Options{Disk: true})
	ctx := ctxT(t, 20*time.Second)
	in, err := c.Inject(ctx, DiskDelay{Delay: 20 * time.Millisecond}, AnyFollower)
	require.NoError(t, err)
	writeN(t, c, 3)
	require.NoError(t, c.CheckWhole(ctx))
	assert.True(t, in.Fired())
	require.NoError(t, in.Heal(ctx))
}

func TestDiskFaultWithoutDiskOptionIsAnError(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 10*time.Second)
	_, err := c.Inject(ctx, DiskStall{}, Leader)
	assert.ErrorContains(t, err, "Disk option")
	assert.Empty(t, c.Injections())
}
