package model

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"

	"github.com/leaderfault/leaderfault/advancer"
)

// The constants are docs/facts.md §10 (tikv/pd pkg/utils/etcdutil), written
// out again on purpose: a preset that drifts from PD's source fails here.
func TestPresetPDMatchesReference(t *testing.T) {
	c, err := Preset(PresetPD)
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	assert.Equal(t, DesignPD, c.Design)
	// newClient: DialTimeout defaultEtcdClientTimeout 3 s, keepalive
	// defaultDialKeepAliveTime 10 s / defaultDialKeepAliveTimeout 3 s, no
	// auto-sync, no dial options (gRPC's default backoff).
	assert.Equal(t, 3*time.Second, c.DialTimeout)
	assert.Zero(t, c.AutoSyncInterval)
	assert.Equal(t, 10*time.Second, c.KeepAliveTime)
	assert.Equal(t, 3*time.Second, c.KeepAliveTimeout)
	assert.False(t, c.PermitWithoutStream)
	l := legacy()
	assert.Equal(t, l.BackoffBase, c.BackoffBase)
	assert.Equal(t, l.BackoffMultiplier, c.BackoffMultiplier)
	assert.Equal(t, l.BackoffJitter, c.BackoffJitter)
	assert.Equal(t, l.BackoffMax, c.BackoffMax)
	assert.Equal(t, l.MinConnectTimeout, c.MinConnectTimeout)
	// LoopWatcher.watch: require-leader + progress notify, RequestProgress
	// every RequestProgressInterval 1 s, rebuild after WatchChTimeoutDuration
	// 10 s, CheckStream 3 s, DefaultRequestTimeout 10 s, retry 1 s.
	assert.True(t, c.RequireLeader)
	assert.True(t, c.ProgressNotify)
	assert.Equal(t, time.Second, c.ProgressInterval)
	assert.Equal(t, 10*time.Second, c.IdleTimeout)
	assert.Equal(t, Durations{10 * time.Second}, c.RequestTimeouts)
	assert.Equal(t, Durations{3 * time.Second}, c.WatchCreateTimeouts)
	assert.Equal(t, time.Second, c.RetryInterval)
	// Health checker: tickerInterval defaultDialKeepAliveTime 10 s,
	// etcdServerDisconnectedTimeout 1 min.
	assert.Equal(t, 10*time.Second, c.HealthInterval)
	assert.Equal(t, time.Minute, c.HealthResetAfter)
}

// At the fast profile every PD duration is divided by 10, and the one that
// cannot be (keepalive, raised by gRPC to 10 s) is named in the notes.
func TestPresetPDScalesToFastProfile(t *testing.T) {
	fast, notes := pd().Scale(fastScale)
	require.NoError(t, fast.Validate())
	assert.Equal(t, 100*time.Millisecond, fast.ProgressInterval)
	assert.Equal(t, time.Second, fast.IdleTimeout)
	assert.Equal(t, Durations{time.Second}, fast.RequestTimeouts)
	assert.Equal(t, Durations{300 * time.Millisecond}, fast.WatchCreateTimeouts)
	assert.Equal(t, time.Second, fast.HealthInterval)
	assert.Equal(t, 6*time.Second, fast.HealthResetAfter)
	assert.Equal(t, 100*time.Millisecond, fast.BackoffBase)
	assert.Equal(t, 12*time.Second, fast.BackoffMax)
	require.Len(t, notes, 1)
	assert.Contains(t, notes[0], "keepalive-time 1s (scaled from 10s)")
	// The original is untouched.
	assert.Equal(t, Durations{10 * time.Second}, pd().RequestTimeouts)
}

func TestValidatePDNamesWhatIsMissing(t *testing.T) {
	c := pd()
	c.IdleTimeout = 0
	c.RequestTimeouts = nil
	c.HealthInterval = 0
	c.RetryInterval = 0
	err := c.Validate()
	require.Error(t, err)
	for _, want := range []string{"idle-timeout", "request-timeouts", "health-interval", "retry-interval"} {
		assert.ErrorContains(t, err, want)
	}
	c = pd()
	c.WatchCreateTimeouts = Durations{time.Second, 2 * time.Second}
	assert.ErrorContains(t, c.Validate(), "one watch-create-timeouts entry")
	c = pd()
	require.NoError(t, c.Set("design", "pd"))
	require.NoError(t, c.Set("health-reset-after", "30s"))
	assert.Equal(t, 30*time.Second, c.HealthResetAfter)
	assert.NoError(t, c.Validate())
}

// pickEps keeps the first non-empty latency bucket (timeout/10 wide): PD's
// example of 175 ms, 50 ms and 2.5 s with 1 s buckets picks the first two.
func TestPickEpsKeepsFastestBucket(t *testing.T) {
	probes := []pdProbe{{"a", 175 * time.Millisecond}, {"b", 50 * time.Millisecond}, {"c", 2500 * time.Millisecond}}
	assert.Equal(t, []string{"a", "b"}, pickEps(probes, 10*time.Second))
	assert.Equal(t, []string{"c"}, pickEps(probes[2:], 10*time.Second))
	assert.Empty(t, pickEps(nil, 10*time.Second))
	// At Scale(10) the buckets are 100 ms wide: 175 ms is already slow.
	assert.Equal(t, []string{"b"}, pickEps(probes, time.Second))
}

// An evicted endpoint comes back only after pdPickedCountThreshold picks in
// a row; a patrol that does not pick it starts the count again.
func TestEvictedEndpointNeedsThreePicksInARow(t *testing.T) {
	h := &pdHealthChecker{env: &advancer.Env{}, members: map[string]*pdMemberClient{"a": {}, "b": {}, "c": {}}, evicted: map[string]int{}}
	patrol := func(last, picked []string) []string {
		h.updateEvicted(last, picked)
		return h.filterEps(picked)
	}
	all := []string{"a", "b", "c"}
	use := patrol(all, []string{"a", "b"})
	assert.Equal(t, []string{"a", "b"}, use, "c evicted")
	use = patrol(use, all)
	assert.Equal(t, []string{"a", "b"}, use, "c picked once")
	use = patrol(use, []string{"a", "b"})
	assert.Equal(t, 0, h.evicted["c"], "a miss resets the count")
	for i := 1; i < pdPickedCountThreshold; i++ {
		use = patrol(use, all)
		assert.Equal(t, []string{"a", "b"}, use, "c picked %d times in a row", i)
	}
	use = patrol(use, all)
	assert.Equal(t, all, use, "c back after %d picks in a row", pdPickedCountThreshold)
	assert.NotContains(t, h.evicted, "c")
	// When every picked endpoint is held back, PD uses them anyway.
	h.evicted = map[string]int{"a": 0, "b": 0}
	assert.Equal(t, []string{"a", "b"}, h.filterEps([]string{"a", "b"}))
}

// pdCheckerConfig is pd at the fast profile with two changes that make the
// checker's decisions independent of machine load: 5 s probes (latency
// buckets of 500 ms, so a healthy probe on a busy machine is still in the
// first bucket) and a short reconnect backoff (a restarted member's probe
// client redials at once).
func pdCheckerConfig() Config {
	cfg, _ := pd().Scale(fastScale)
	cfg.RequestTimeouts = Durations{5 * time.Second}
	cfg.BackoffBase, cfg.BackoffMax, cfg.MinConnectTimeout = 10*time.Millisecond, 100*time.Millisecond, time.Second
	return cfg
}

// The health checker on real members: its member sync finds every member's
// client URL through a client that knows one; a patrol hands the client all
// of them; a crashed member is evicted at the next patrol; after its restart
// it is healthy again but comes back only at its third healthy patrol in a
// row.
func TestPDHealthCheckerEvictsCrashedMemberAndReadmitsIt(t *testing.T) {
	c := harness.StartT(t, harness.Options{})
	ctx := ctxFor(t, time.Minute)
	leader, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	var down *harness.Member
	for _, m := range c.Members() {
		if m != leader {
			down = m
			break
		}
	}
	cfg := pdCheckerConfig()
	env := &advancer.Env{Endpoints: c.Endpoints(), Pinned: leader.ClientURL(), Task: "t1", Recorder: c.Recorder()}
	cli, err := clientv3.New(cfg.clientConfig([]string{leader.ClientURL()}, env.Log()))
	require.NoError(t, err)
	defer cli.Close()
	h := newPDHealthChecker(cfg, env, cli)
	defer h.close()

	h.update(ctx)
	require.Len(t, h.members, 3, "member sync through a client that knows one member")
	for _, ep := range c.Endpoints() {
		assert.Contains(t, h.members, ep, "member list gives the members' advertised (proxied) client URLs")
	}
	h.inspect(ctx, time.Now())
	assert.ElementsMatch(t, c.Endpoints(), cli.Endpoints(), "first patrol: every healthy member")

	require.NoError(t, down.Crash())
	h.inspect(ctx, time.Now())
	assert.NotContains(t, cli.Endpoints(), down.ClientURL(), "crashed member evicted")
	assert.Len(t, cli.Endpoints(), 2)

	require.NoError(t, down.Restart(ctx))
	// Patrol until the restarted member answers a probe (the first pick).
	for h.evicted[down.ClientURL()] == 0 {
		require.NoError(t, ctx.Err(), "restarted member %s never answered a health probe", down)
		h.inspect(ctx, time.Now())
	}
	for i := 1; i < pdPickedCountThreshold; i++ {
		assert.NotContains(t, cli.Endpoints(), down.ClientURL(), "picked %d time(s) in a row: still held back", i)
		h.inspect(ctx, time.Now())
	}
	assert.ElementsMatch(t, c.Endpoints(), cli.Endpoints(), "back after %d healthy patrols in a row", pdPickedCountThreshold)
}

// With no healthy member, the checker leaves the client's endpoints alone
// until HealthResetAfter has passed since the last healthy patrol, then
// resets them (PD's escape from gRPC's reconnect backoff).
func TestPDHealthCheckerResetsEndpointsAfterNoHealthyMember(t *testing.T) {
	c := harness.StartT(t, harness.Options{Members: 1})
	ctx := ctxFor(t, time.Minute)
	m := c.Members()[0]
	cfg := pdCheckerConfig()
	cfg.RequestTimeouts = Durations{time.Second}
	env := &advancer.Env{Endpoints: c.Endpoints(), Task: "t1", Recorder: c.Recorder()}
	cli, err := clientv3.New(cfg.clientConfig(c.Endpoints(), env.Log()))
	require.NoError(t, err)
	defer cli.Close()
	h := newPDHealthChecker(cfg, env, cli)
	defer h.close()
	h.update(ctx)
	require.Len(t, h.members, 1)
	require.NoError(t, m.Crash())

	resets := func() int {
		n := 0
		for _, e := range c.Recorder().OfKind(record.KindAdvancerInfo) {
			if strings.Contains(e.Detail, "resetting endpoints") {
				n++
			}
		}
		return n
	}
	recent := time.Now()
	assert.Equal(t, recent, h.inspect(ctx, recent), "no healthy member: lastAvailable stays")
	assert.Zero(t, resets(), "within health-reset-after: no reset")
	long := time.Now().Add(-cfg.HealthResetAfter - time.Second)
	assert.Equal(t, long, h.inspect(ctx, long))
	assert.Equal(t, 1, resets(), "after health-reset-after without a healthy member: reset")
	assert.Equal(t, c.Endpoints(), cli.Endpoints(), "a reset keeps the endpoints")
}

// PD's watch on real members with a quiet key and traffic elsewhere:
// answered progress requests keep it alive (no rebuild in two
// WatchChTimeoutDurations); with its responses dropped (PD's own
// watchChanBlock failpoint does the same) the progress ticker finds the
// silence and rebuilds the watch, which then delivers the next Put.
func TestPDRebuildsWatchAfterSilence(t *testing.T) {
	c := harness.StartT(t, harness.Options{})
	ctx := ctxFor(t, 30*time.Second)
	rec := c.Recorder()
	writeOnce(t, c, 1)
	startBackgroundWrites(t, c)
	startAdvancer(t, c, pd(), c.Leader())
	_, err := waitAdvance(ctx, rec, 0, 1)
	require.NoError(t, err)
	fast, _ := pd().Scale(fastScale)
	rebuilt := func(e record.Event) bool {
		return e.Kind == record.KindAdvancerError && strings.Contains(e.Detail, "watch channel blocked")
	}
	quiet, cancel := context.WithTimeout(ctx, 2*fast.IdleTimeout)
	_, err = rec.Wait(quiet, 0, rebuilt)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "a healthy quiet watch was rebuilt")

	require.NoError(t, RegisterPoints(c.Failpoints()))
	require.NoError(t, c.Failpoints().Enable(PointDropWatchResponse, "return(true)"))
	from := rec.Len()
	e, err := rec.Wait(ctx, from, rebuilt)
	require.NoError(t, err)
	_, err = rec.Wait(ctx, from, func(x record.Event) bool {
		return x.Kind == record.KindAdvancerInfo && x.At >= e.At && strings.HasPrefix(x.Detail, "watch created from rev")
	})
	require.NoError(t, err, "a new watch after the rebuild")
	require.NoError(t, c.Failpoints().Disable(PointDropWatchResponse))
	writeOnce(t, c, 2)
	_, err = waitAdvance(ctx, rec, 0, 2)
	require.NoError(t, err)
}
