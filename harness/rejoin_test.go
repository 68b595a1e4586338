package harness

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// floodsRejoiningMember tells whether etcd version v answers the backlog of a
// member that rejoins after a long disk stall with a flood of append
// messages. Measured on v3.7.3 (yes) and v3.5.15 and v3.5.35 (no); the v3.6
// line is unmeasured and counted with v3.7. See docs/facts.md §7.
func floodsRejoiningMember(v string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return true
	}
	return major > 3 || minor >= 6
}

// A member whose disk hangs keeps its raft state machine running: it answers
// every heartbeat of the new leader, but those answers wait behind the hung
// WAL write. When the disk comes back it sends them all at once. On v3.7 the
// leader answers each of them with an append of everything the member lacks,
// so the bytes sent to it while it catches up are many times the log it
// missed; on v3.5 it gets about what it missed. In one process on two cores
// the flood starves every member for seconds (puts time out on all three
// endpoints after a 60 s stall at the fast profile).
func TestRejoinAfterDiskStallFloodsOnThisLine(t *testing.T) {
	requireDisk(t)
	if raceEnabled && floodsRejoiningMember(EtcdVersion()) {
		// The flood is hundreds of times the 2 MiB missed (672x measured);
		// under the detector the member takes over 60 s to take it in.
		t.Skip("etcd " + EtcdVersion() + " floods the rejoining member; under -race taking the flood in outlasts the test")
	}
	c := StartT(t, Options{Disk: true})
	ctx := ctxT(t, 60*time.Second)
	require.NoError(t, c.CheckWhole(ctx))
	old := c.Leader()
	require.NotNil(t, old)
	in, err := c.Inject(ctx, DiskStall{}, Leader)
	require.NoError(t, err)
	// The stall fires on the leader's next WAL write: give it one. The put
	// hangs until its deadline; the election goes on meanwhile.
	ocli, err := old.DirectClient()
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = ocli.Put(short, "leaderfault/rejoin/trigger", "x")
	cancel()
	require.Error(t, err, "a put through the stalled leader succeeded")
	nl, err := c.WaitNewLeader(ctx, old)
	require.NoError(t, err)
	require.True(t, in.Fired(), "disk stall never fired on %s", old.name)

	// The log the stalled member misses: more appends than the leader keeps
	// in flight to one follower (etcd's MaxInflightMsgs, 512), so that part
	// of it is still to be sent when the stall ends.
	elected, err := peerSentBytes(ctx, nl, old)
	require.NoError(t, err)
	cli, err := nl.DirectClient()
	require.NoError(t, err)
	// Twice the 1 MiB of MaxSizePerMsg: with about 1 MiB missed the flood
	// was measured both at 16x and at 1200x, so the test keeps well above it.
	const puts, size = 2000, 1024
	value := strings.Repeat("v", size)
	var last int64
	for i := range puts {
		resp, err := cli.Put(ctx, fmt.Sprintf("leaderfault/rejoin/%04d", i), value)
		require.NoError(t, err)
		last = resp.Header.Revision
	}
	// Hold the stall for 1000 heartbeats, whose answers the stalled member
	// queues: the length of the fault is what this test sets, not a wait
	// for an event.
	select {
	case <-time.After(1000 * c.Profile().Tick):
	case <-ctx.Done():
		require.NoError(t, ctx.Err())
	}
	before, err := peerSentBytes(ctx, nl, old)
	require.NoError(t, err)
	// The premise: the stalled member never acknowledged the new leader's
	// first (probe) append, so the leader sent it nothing of the new log.
	require.Less(t, before-elected, float64(puts*size)/2,
		"the leader replicated %.1f MB to the stalled member %s during the stall", (before-elected)/1e6, old.name)
	healed := time.Now()
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, old.waitRevision(ctx, last))
	caughtUp := time.Since(healed)
	after, err := peerSentBytes(ctx, nl, old)
	require.NoError(t, err)
	sent := after - before
	ratio := sent / float64(puts*size)
	t.Logf("etcd %s: %s caught up %v after the heal; %.1f MB sent to it for %d KiB it missed (%.1fx)",
		EtcdVersion(), old.name, caughtUp.Round(time.Millisecond), sent/1e6, puts*size/1024, ratio)
	if raceEnabled {
		// Under -race the flood's size depends on how many heartbeat
		// answers pile up, which the detector's slowdown changes (18.5x
		// measured on 2 cores).
		t.Logf("flood size not judged under -race")
		return
	}
	if floodsRejoiningMember(EtcdVersion()) {
		assert.Greater(t, ratio, 20.0, "etcd %s: expected a flood of appends to the rejoining member", EtcdVersion())
	} else {
		assert.Less(t, ratio, 5.0, "etcd %s: expected no flood of appends to the rejoining member", EtcdVersion())
	}
	require.NoError(t, c.CheckWhole(ctx))
}

// peerSentBytes reads, from a member's /metrics, the bytes the members of
// this process have sent to peer `to` (etcd's peer metrics are registered
// once per process, so the counter is shared by all members; only the leader
// sends appends).
func peerSentBytes(ctx context.Context, from, to *Member) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, from.UpstreamURL()+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("metrics of %s: %w", from.name, err)
	}
	defer resp.Body.Close()
	want := fmt.Sprintf(`etcd_network_peer_sent_bytes_total{To="%s"} `, to.ID())
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("metrics of %s: no %q line", from.name, strings.TrimSpace(want))
}
