package model

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"
)

func follower(t *testing.T, c *harness.Cluster) *harness.Member {
	t.Helper()
	ms, err := c.Resolve(harness.Follower(0))
	require.NoError(t, err)
	return ms[0]
}

// The lead's recipe for "the watch starts on the pinned member, the client
// knows every member": after SetEndpoints(all) the open stream is still on
// the pinned member — cutting that member's client link silences it.
func TestPinnedClientKeepsStreamAfterWiden(t *testing.T) {
	c := harness.StartT(t, harness.Options{})
	ctx := ctxFor(t, 20*time.Second)
	rev1 := writeOnce(t, c, 1)
	pinned := follower(t, c)
	cfg, _ := legacy().Scale(fastScale)
	env := &advancer.Env{Endpoints: c.Endpoints(), Pinned: pinned.ClientURL(), Task: "t1", Recorder: c.Recorder()}
	pc, err := newPinnedClient(cfg, env)
	require.NoError(t, err)
	defer pc.Close()
	require.Equal(t, []string{pinned.ClientURL()}, pc.Endpoints())

	require.True(t, pc.needsCreatedNotify())
	// From after the first write: the follower may not have applied it yet,
	// and a watch from its current revision would deliver it.
	wch := pc.Watch(ctx, env.Key(), clientv3.WithCreatedNotify(), clientv3.WithRev(rev1+1))
	resp := <-wch
	require.True(t, resp.Created)
	pc.widenAfter(env, resp)
	assert.ElementsMatch(t, c.Endpoints(), pc.Endpoints())
	assert.False(t, pc.needsCreatedNotify())

	in, err := c.Inject(ctx, harness.ClientBlackhole{}, harness.Named(pinned.Name()))
	require.NoError(t, err)
	writeOnce(t, c, 2)
	select {
	case r := <-wch:
		t.Fatalf("watch delivered %+v through a blackholed link: its stream is not on %s", r, pinned.Name())
	case <-time.After(10 * fastElection):
	}
	require.NoError(t, in.Heal(ctx))
	// The blackhole held the bytes of the Put's event, as TCP would; after
	// the heal they arrive, and so does a new Put.
	writeOnce(t, c, 3)
	for {
		select {
		case r := <-wch:
			if len(r.Events) > 0 {
				v, err := advancer.DecodeCheckpoint(r.Events[0].Kv.Value)
				require.NoError(t, err)
				t.Logf("first value after the heal: %d", v)
				assert.Equal(t, uint64(2), v, "the held event arrives first: a blackhole loses nothing")
				return
			}
		case <-ctx.Done():
			t.Fatal("watch never delivered the Put after the heal")
		}
	}
}

// BR's own test for PR #69047, on real members: with the progress request
// skipped and the checkpoint key quiet, the wait fails with the idle-timeout
// error. Scaled by 100 so it takes a second: progress 300 ms, idle 900 ms.
func TestPR69047SkipProgressRequestReturnsIdleTimeoutOnCluster(t *testing.T) {
	c := harness.StartT(t, harness.Options{})
	ctx := ctxFor(t, 20*time.Second)
	writeOnce(t, c, 1)
	startBackgroundWrites(t, c)
	require.NoError(t, RegisterPoints(c.Failpoints()))
	require.NoError(t, c.Failpoints().Enable(PointSkipProgressRequest, "return(true)"))
	cfg, _ := pr69047().Scale(10)
	startAdvancer(t, c, cfg, c.Leader()) // startAdvancer scales by another 10
	e, err := c.Recorder().WaitKind(ctx, 0, record.KindAdvancerError, advancer.AdvancerMember)
	require.NoError(t, err)
	assert.Contains(t, e.Detail, "watching global checkpoint timed out after 900ms without etcd progress")
	st, err := c.Failpoints().Status(PointSkipProgressRequest)
	require.NoError(t, err)
	assert.True(t, st.Fired())
}

// The control: the same quiet checkpoint key without the fault point.
// Progress responses reset the idle timer, so no idle timeout occurs in 4
// idle timeouts. etcd answers RequestProgress only once its revision has
// reached the watch's start revision (storage/mvcc/watchable_store.go,
// progressIfSync), and BR watches from the read's revision + 1: without
// writes to other keys (PD always has them) the idle timer fires even on a
// healthy member. startBackgroundWrites provides them.
func TestPR69047ProgressKeepsQuietWatchAliveOnCluster(t *testing.T) {
	c := harness.StartT(t, harness.Options{})
	writeOnce(t, c, 1)
	startBackgroundWrites(t, c)
	cfg, _ := pr69047().Scale(10)
	startAdvancer(t, c, cfg, c.Leader())
	time.Sleep(4 * 900 * time.Millisecond)
	for _, e := range c.Recorder().OfKind(record.KindAdvancerError) {
		assert.NotContains(t, e.Detail, "without etcd progress")
	}
	assert.Len(t, c.Recorder().OfKind(record.KindAdvance), 1)
}

// legacy's watch sits on a member that stops making progress (isolated
// follower: it knows no leader, but a plain watch never errors). The writer
// keeps uploading through the majority; legacy sees none of it until the heal.
func TestLegacyStaysBlockedOnMemberWithoutProgress(t *testing.T) {
	c := harness.StartT(t, harness.Options{})
	ctx := ctxFor(t, 30*time.Second)
	rec := c.Recorder()
	writeOnce(t, c, 1)
	f := follower(t, c)
	startAdvancer(t, c, legacy(), f)
	_, err := rec.Wait(ctx, 0, func(e record.Event) bool {
		return e.Kind == record.KindAdvancerInfo && strings.Contains(e.Detail, "first watch open on "+f.ClientURL())
	})
	require.NoError(t, err)

	in, err := c.Inject(ctx, harness.Isolate{}, harness.Named(f.Name()))
	require.NoError(t, err)
	stopWriter := startWriter(t, c)
	mark := rec.Len()
	// 30 election timeouts of uploads.
	lastWrite, err := rec.Wait(ctx, mark, func(e record.Event) bool { return e.Kind == record.KindWrite && e.At >= in.At+30*fastElection })
	require.NoError(t, err)
	for _, e := range rec.OfKind(record.KindAdvance) {
		assert.Equal(t, uint64(1), e.Value, "legacy advanced while its member was isolated")
	}
	t.Logf("legacy blocked for %v while the writer reached %d", lastWrite.At-in.At, lastWrite.Value)

	require.NoError(t, in.Heal(ctx))
	_, err = waitAdvance(ctx, rec, mark, lastWrite.Value)
	require.NoError(t, err, "legacy must catch up once its member is healed")
	stopWriter()
	assert.Empty(t, check.Invariants(rec.Events()))
}

// robust, watching the leader, against one-way faults of the leader: it
// hears but cannot speak (mute), or speaks but cannot hear (deaf). Every
// upload must be observed within 5 election timeouts.
func TestRobustRecoversFromOneWayLeaderFault(t *testing.T) {
	for _, fault := range []harness.Fault{harness.Mute{}, harness.Deaf{}} {
		t.Run(fault.Kind(), func(t *testing.T) {
			c := harness.StartT(t, harness.Options{})
			testRobustRecovers(t, c, fault, harness.Leader)
		})
	}
}

func testRobustRecovers(t *testing.T, c *harness.Cluster, fault harness.Fault, target harness.Target) {
	ctx := ctxFor(t, 30*time.Second)
	rec := c.Recorder()
	writeOnce(t, c, 1)
	startAdvancer(t, c, robust(), c.Leader())
	_, err := rec.Wait(ctx, 0, func(e record.Event) bool {
		return e.Kind == record.KindAdvancerInfo && strings.HasPrefix(e.Detail, "watch #1 on "+c.Leader().ClientURL())
	})
	require.NoError(t, err)
	stopWriter := startWriter(t, c)
	_, err = rec.Wait(ctx, 0, func(e record.Event) bool { return e.Kind == record.KindAdvance && e.Value >= 20 })
	require.NoError(t, err)

	in, err := c.Inject(ctx, fault, target)
	require.NoError(t, err)
	// Run the fault for 30 election timeouts, then heal.
	w, err := rec.Wait(ctx, rec.Len(), func(e record.Event) bool { return e.Kind == record.KindWrite && e.At >= in.At+30*fastElection })
	require.NoError(t, err)
	_, err = waitAdvance(ctx, rec, 0, w.Value)
	require.NoError(t, err)
	require.NoError(t, in.Heal(ctx))
	stopWriter()
	writes := rec.OfKind(record.KindWrite)
	_, err = waitAdvance(ctx, rec, 0, writes[len(writes)-1].Value)
	require.NoError(t, err, "robust must observe the last upload")

	// Every upload of the run counts, including those made just before the
	// fault that the faulty member never delivered.
	ev := rec.Events()
	end := check.End(ev)
	after := check.Lags(ev, in.At, end)
	require.NotEmpty(t, after)
	worst, _ := check.MaxLag(ev, 0, end)
	t.Logf("%s: %d uploads during the fault, first at +%v; worst lag of all uploads %v (value %d written at %.1fms)",
		fault.Kind(), len(after), after[0].Write.At-in.At, worst.For, worst.Write.Value, float64(worst.Write.At.Microseconds())/1000)
	for _, e := range rec.Events() {
		switch e.Kind {
		case record.KindAdvancerError, record.KindAdvancerInfo, record.KindFaultArmed, record.KindFaultHealed, record.KindLeader:
			t.Log(e.String())
		}
	}
	assert.True(t, worst.Seen)
	assert.LessOrEqual(t, worst.For, 5*fastElection, "an upload waited longer than 5 election timeouts to be observed")
	assert.Empty(t, check.Invariants(rec.Events()))
	if t.Failed() {
		t.Log(rec.Timeline())
	}
}

// robust, watching the leader, when the leader's disk hangs (the IO hang of
// pingcap/tidb#69048): every upload observed within 5 election timeouts.
func TestRobustRecoversFromLeaderDiskStall(t *testing.T) {
	harness.SkipWithoutDisk(t)
	c := harness.StartT(t, harness.Options{Disk: true})
	testRobustRecovers(t, c, harness.DiskStall{}, harness.Leader)
}
