package harness

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// startCPUHog runs a busy shell loop as a child process until the test ends:
// one core less for etcd, as on a loaded CI machine, where the members apply
// each other's attribute publishes later.
func startCPUHog(t *testing.T) {
	t.Helper()
	hog := exec.Command("sh", "-c", "while :; do :; done")
	// Killed with the test binary too (a timeout, a kill): Cleanup would
	// never run then.
	hog.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, hog.Start())
	t.Cleanup(func() {
		_ = hog.Process.Kill()
		_ = hog.Wait()
	})
}

// unlistedBy names the members that a serializable MemberList against m
// (its own view, no leader involved) lacks or gives without name or client URL.
func unlistedBy(ctx context.Context, c *Cluster, m *Member) ([]string, error) {
	cli, err := m.DirectClient()
	if err != nil {
		return nil, err
	}
	resp, err := clientv3.RetryClusterClient(cli).MemberList(ctx, &etcdserverpb.MemberListRequest{Linearizable: false})
	if err != nil {
		return nil, fmt.Errorf("%s: member list: %w", m.name, err)
	}
	var out []string
	for _, want := range c.Members() {
		i := slices.IndexFunc(resp.Members, func(k *etcdserverpb.Member) bool { return k.ID == uint64(want.ID()) })
		if i < 0 || resp.Members[i].Name != want.Name() || !slices.Contains(resp.Members[i].ClientURLs, want.ClientURL()) {
			out = append(out, want.Name())
		}
	}
	return out, nil
}

// TestStartEveryMemberListsEveryMember: right after Start, every member's own
// (serializable) member list has every member with its name and client URL.
// Many starts with one core busy, because the gap it closes is narrow: a
// member's ReadyNotify waits only for its own attributes.
func TestStartEveryMemberListsEveryMember(t *testing.T) {
	startCPUHog(t)
	starts := 30
	if raceEnabled {
		starts = 10
	}
	var gaps []string
	for i := range starts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c, err := Start(ctx, Options{Seed: int64(i)})
		require.NoError(t, err, "start %d", i)
		for _, m := range c.Members() {
			lacks, err := unlistedBy(ctx, c, m)
			if !assert.NoError(t, err) {
				continue
			}
			if len(lacks) > 0 {
				gaps = append(gaps, fmt.Sprintf("start %d: %s lacks %v", i, m.Name(), lacks))
			}
		}
		cancel()
		require.NoError(t, c.Close())
	}
	assert.Empty(t, gaps, "member lists right after Start (%d starts)", starts)
}

// TestRestartEveryMemberListsEveryMember: after a crashed member restarts, it
// follows the agreed leader and every member's own member list is whole.
func TestRestartEveryMemberListsEveryMember(t *testing.T) {
	startCPUHog(t)
	c := StartT(t, Options{})
	ctx := ctxT(t, 30*time.Second)
	for _, m := range c.Members() {
		require.NoError(t, m.Crash())
		require.NoError(t, m.Restart(ctx))
		l := c.Leader()
		require.NotNil(t, l, "leader after %s restarted: %s", m, c.LeaderViews())
		seen, _ := m.SeenLeader()
		assert.Equal(t, l, seen, "%s follows the agreed leader: %s", m, c.LeaderViews())
		for _, o := range c.Members() {
			lacks, err := unlistedBy(ctx, c, o)
			require.NoError(t, err)
			assert.Empty(t, lacks, "after %s restarted, %s's member list lacks them", m, o)
		}
	}
}
