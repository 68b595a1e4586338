package harness

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// childPIDs lists the live child processes of this process.
func childPIDs(t *testing.T) []int {
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	self := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(self) && fields[0] != "Z" {
			out = append(out, pid)
		}
	}
	return out
}

func mountsUnder(t *testing.T, dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir) {
			out = append(out, f[4])
		}
	}
	return out
}

// After Close nothing of the cluster remains: no mount, no child process, no
// listener, no temp dir (goroutines are checked by goleak in TestMain).
func TestCloseLeavesNothingBehind(t *testing.T) {
	disk := DiskAvailable() == nil
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
		assert.Len(t, mountsUnder(t, dir), 3, "one FUSE mount per member")
		assert.Len(t, childPIDs(t), 4, "one FUSE child per member and the reaper")
		// Leave a fault armed: Close must release it.
		_, err = c.Inject(ctx, DiskStall{}, AnyFollower)
		require.NoError(t, err)
	} else {
		t.Logf("FUSE unavailable (%v): checking listeners and temp dir only", DiskAvailable())
	}
	require.NoError(t, c.Close())

	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "temp dir %s left behind", dir)
	assert.Empty(t, mountsUnder(t, dir), "mounts left behind")
	assert.Empty(t, childPIDs(t), "child processes left behind")
	for _, a := range addrs {
		conn, err := net.DialTimeout("tcp", a, time.Second)
		if err == nil {
			conn.Close()
		}
		assert.Error(t, err, "listener %s still open", a)
	}
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
	assert.Empty(t, childPIDs(t))
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
