package harness

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/record"
)

// writeN writes n keys through the quorum leader's direct client and returns
// the last revision.
func writeN(t *testing.T, c *Cluster, n int) int64 {
	t.Helper()
	ctx := ctxT(t, 10*time.Second)
	l, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	cli, err := l.DirectClient()
	require.NoError(t, err)
	var rev int64
	for i := 0; i < n; i++ {
		resp, err := cli.Put(ctx, fmt.Sprintf("leaderfault/k%d", i), "v")
		require.NoError(t, err)
		rev = resp.Header.Revision
	}
	return rev
}

func othersOf(c *Cluster, m *Member) []*Member {
	var out []*Member
	for _, x := range c.Members() {
		if x != m {
			out = append(out, x)
		}
	}
	return out
}

func TestMoveLeaderToNamedMember(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 10*time.Second)
	old := c.Leader()
	to := othersOf(c, old)[1]
	require.NoError(t, c.MoveLeader(ctx, to))
	assert.Equal(t, to, c.Leader())
	ev := c.Recorder().OfKind(record.KindLeaderMove)
	require.Len(t, ev, 1)
	assert.Equal(t, to.Name(), ev[0].Member)
	// Every member ends up seeing the new leader.
	for _, m := range c.Members() {
		_, err := c.Recorder().Wait(ctx, 0, func(e record.Event) bool {
			return e.Kind == record.KindLeader && e.Member == m.Name() && e.Leader == to.Name()
		})
		assert.NoError(t, err)
	}
}

func TestLeaderCrashElectsNewLeaderAndRestartHeals(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	old := c.Leader()
	in, err := c.Inject(ctx, Crash{}, Leader)
	require.NoError(t, err)
	assert.True(t, in.Fired())
	assert.Equal(t, StateCrashed, old.State())
	nl, err := c.WaitNewLeader(ctx, old)
	require.NoError(t, err)
	assert.NotEqual(t, old, nl)
	require.NoError(t, in.Heal(ctx))
	require.True(t, old.Running())
	require.NoError(t, c.CheckWhole(ctx))
}

func TestGracefulStopOfLeaderTransfersLeadership(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	old := c.Leader()
	mark := c.Recorder().Len()
	in, err := c.Inject(ctx, Stop{}, Leader)
	require.NoError(t, err)
	assert.Equal(t, StateStopped, old.State())
	nl, err := c.WaitNewLeader(ctx, old)
	require.NoError(t, err)
	assert.NotEqual(t, old, nl)
	// A transfer, not an election after a timeout: the new leader was seen
	// before the old one was even down, or right after; the record shows it.
	_, err = c.Recorder().Wait(ctx, mark, func(e record.Event) bool { return e.Kind == record.KindLeader && e.Leader == nl.Name() })
	assert.NoError(t, err)
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, c.CheckWhole(ctx))
}

// frozenIndex returns the applied index of a member just cut off from the
// leader, once nothing sent to it before the fault can still move it: a first
// write through the majority is a barrier for raft messages already inside
// the member when the fault began (they are stepped within that round trip).
// It also returns that write's revision.
func frozenIndex(t *testing.T, c *Cluster, victim *Member) (uint64, int64) {
	t.Helper()
	ctx := ctxT(t, 10*time.Second)
	firstRev := writeN(t, c, 1)
	for _, m := range othersOf(c, victim) {
		if m.Running() {
			require.NoError(t, m.waitRevision(ctx, firstRev))
		}
	}
	idx, err := victim.SettledIndex(ctx)
	require.NoError(t, err)
	return idx, firstRev
}

// An isolated member's raft index stays still while the majority moves on.
func TestIsolateFreezesMemberWhileMajorityMoves(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	lead := c.Leader()
	victim := othersOf(c, lead)[0]
	in, err := c.Inject(ctx, Isolate{}, Named(victim.Name()))
	require.NoError(t, err)
	before, firstRev := frozenIndex(t, c, victim)
	rev := writeN(t, c, 20)
	for _, m := range othersOf(c, victim) {
		require.NoError(t, m.waitRevision(ctx, rev))
	}
	after, err := victim.RaftIndex()
	require.NoError(t, err)
	assert.Equal(t, before, after, "isolated member applied entries: isolation leaked")
	vrev, err := victim.Revision(ctx)
	require.NoError(t, err)
	assert.Less(t, vrev, firstRev, "isolated member applied a write made after the fault")
	majority, err := lead.RaftIndex()
	require.NoError(t, err)
	assert.Greater(t, majority, after)
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, victim.waitRevision(ctx, rev))
	require.NoError(t, c.CheckWhole(ctx))
}

func TestIsolateLeaderElectsNewLeader(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	old := c.Leader()
	in, err := c.Inject(ctx, Isolate{}, Leader)
	require.NoError(t, err)
	nl, err := c.WaitNewLeader(ctx, old)
	require.NoError(t, err)
	// The old leader cannot hear the new one.
	seen, _ := old.SeenLeader()
	assert.NotEqual(t, nl, seen)
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, c.CheckWhole(ctx))
}

// A mute leader (hears, cannot speak) is replaced, and it hears its successor.
func TestMuteLeaderIsReplacedAndHearsSuccessor(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	old := c.Leader()
	in, err := c.Inject(ctx, Mute{}, Leader)
	require.NoError(t, err)
	nl, err := c.WaitNewLeader(ctx, old)
	require.NoError(t, err)
	_, err = c.Recorder().Wait(ctx, 0, func(e record.Event) bool {
		return e.Kind == record.KindLeader && e.Member == old.Name() && e.Leader == nl.Name()
	})
	require.NoError(t, err, "the mute member should hear the new leader")
	assert.True(t, in.Fired())
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, c.CheckWhole(ctx))
}

// A deaf leader (speaks, cannot hear) steps down (check quorum) and never
// learns who leads next; the majority elects a leader among themselves.
func TestDeafLeaderIsReplacedAndNeverHearsSuccessor(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	old := c.Leader()
	in, err := c.Inject(ctx, Deaf{}, Leader)
	require.NoError(t, err)
	nl, err := c.WaitNewLeader(ctx, old)
	require.NoError(t, err)
	before, _ := frozenIndex(t, c, old)
	rev := writeN(t, c, 5)
	for _, m := range othersOf(c, old) {
		require.NoError(t, m.waitRevision(ctx, rev))
	}
	seen, _ := old.SeenLeader()
	assert.NotEqual(t, nl, seen, "a deaf member cannot have heard the new leader")
	after, err := old.RaftIndex()
	require.NoError(t, err)
	assert.Equal(t, before, after, "a deaf member applied new entries")
	assert.True(t, in.Fired())
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, c.CheckWhole(ctx))
}

// A deaf follower speaks (its messages arrive) but applies nothing new.
func TestDeafFollowerFallsBehind(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	lead := c.Leader()
	victim := othersOf(c, lead)[0]
	in, err := c.Inject(ctx, Deaf{}, Named(victim.Name()))
	require.NoError(t, err)
	before, _ := frozenIndex(t, c, victim)
	rev := writeN(t, c, 10)
	for _, m := range othersOf(c, victim) {
		require.NoError(t, m.waitRevision(ctx, rev))
	}
	after, err := victim.RaftIndex()
	require.NoError(t, err)
	assert.Equal(t, before, after)
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, c.CheckWhole(ctx))
}

func TestPeerDelayAboveElectionTimeoutChangesLeader(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	old := c.Leader()
	in, err := c.Inject(ctx, PeerDelay{Latency: 3 * c.Profile().Election, Direction: Both}, Leader)
	require.NoError(t, err)
	nl, err := c.WaitNewLeader(ctx, old)
	require.NoError(t, err)
	assert.NotEqual(t, old, nl)
	assert.True(t, in.Fired())
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, c.CheckWhole(ctx))
}

func TestClientBlackholeStopsRequests(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	m := c.Members()[1]
	cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}})
	require.NoError(t, err)
	defer cli.Close()
	_, err = cli.Put(ctx, "a", "1")
	require.NoError(t, err)
	in, err := c.Inject(ctx, ClientBlackhole{}, Named(m.Name()))
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = cli.Get(short, "a")
	cancel()
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded) || clientv3IsDeadline(err), "got %v", err)
	assert.True(t, in.Fired())
	require.NoError(t, in.Heal(ctx))
	_, err = cli.Get(ctx, "a")
	require.NoError(t, err)
}

func TestClientResetDropsConnections(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	m := c.Members()[0]
	cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}})
	require.NoError(t, err)
	defer cli.Close()
	wch := cli.Watch(ctx, "w")
	_, err = cli.Put(ctx, "w", "1")
	require.NoError(t, err)
	<-wch
	in, err := c.Inject(ctx, ClientReset{}, Named(m.Name()))
	require.NoError(t, err)
	assert.True(t, in.Fired(), "an open watch connection must have been reset")
	require.NoError(t, in.Heal(ctx))
	_, err = cli.Get(ctx, "w")
	require.NoError(t, err, "client reconnects after reset")
}

func TestBadInputIsRejected(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)

	_, err := c.Member("m9")
	assert.ErrorContains(t, err, `unknown member "m9"; members: m0, m1, m2`)
	_, err = c.Inject(ctx, Isolate{}, Named("m9"))
	assert.ErrorContains(t, err, "unknown member")

	in, err := c.Inject(ctx, Crash{}, AnyFollower)
	require.NoError(t, err)
	down := in.Members[0]
	_, err = c.Inject(ctx, Isolate{}, Named(down.Name()))
	assert.ErrorIs(t, err, ErrNotRunning)
	assert.Empty(t, c.Injections()[1:], "failed injection must not stay registered")
	require.NoError(t, in.Heal(ctx))
	assert.ErrorContains(t, in.Heal(ctx), "already healed")

	_, err = c.Inject(ctx, PeerDelay{Latency: -1}, Leader)
	assert.ErrorContains(t, err, "latency > 0")
	assert.Empty(t, c.Injections())

	assert.ErrorContains(t, c.Failpoints().Enable("no-such-point", "pause"), "unknown fault point")
	assert.ErrorContains(t, c.Failpoints().Enable(PointLeaderTransfer, "sleep(1.5)"), "term grammar")
	assert.ErrorContains(t, c.Failpoints().Disable(PointLeaderTransfer), "not armed")
	require.NoError(t, c.CheckWhole(ctx))
}

func TestLeaderTransferPointMovesLeadership(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	mark := c.Recorder().Len()
	require.NoError(t, c.Failpoints().Enable(PointLeaderTransfer, `2*return("follower")->off`))
	for i := 0; i < 2; i++ {
		e, err := c.Recorder().WaitKind(ctx, mark, record.KindLeaderMove, "")
		require.NoError(t, err)
		mark = e.Seq + 1
	}
	st, err := c.Failpoints().Status(PointLeaderTransfer)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, st.Hits, int64(2))
	require.NoError(t, c.Failpoints().Disable(PointLeaderTransfer))
}

func TestHealAllRestoresEverything(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 20*time.Second)
	_, err := c.Inject(ctx, Isolate{}, Leader)
	require.NoError(t, err)
	_, err = c.WaitLeader(ctx)
	require.NoError(t, err)
	_, err = c.Inject(ctx, Crash{}, AnyFollower)
	require.NoError(t, err)
	_, err = c.Inject(ctx, ClientBlackhole{}, All)
	require.NoError(t, err)
	require.NoError(t, c.HealAll(ctx))
	assert.Empty(t, c.Injections())
	cli, err := c.NewClient(clientv3.Config{})
	require.NoError(t, err)
	defer cli.Close()
	_, err = cli.Put(ctx, "after", "heal")
	require.NoError(t, err)
}

func TestClientRefuseRejectsNewConnections(t *testing.T) {
	c := StartT(t, Options{})
	ctx := ctxT(t, 15*time.Second)
	m := c.Members()[2]
	in, err := c.Inject(ctx, ClientRefuse{}, Named(m.Name()))
	require.NoError(t, err)
	cli, err := c.NewClient(clientv3.Config{Endpoints: []string{m.ClientURL()}})
	require.NoError(t, err)
	defer cli.Close()
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = cli.Get(short, "a")
	cancel()
	require.Error(t, err)
	assert.True(t, in.Fired(), "a refused connection proves the fault fired")
	require.NoError(t, in.Heal(ctx))
	_, err = cli.Get(ctx, "a")
	require.NoError(t, err)
}
