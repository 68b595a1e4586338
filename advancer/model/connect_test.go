package model

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/connectivity"

	"github.com/leaderfault/leaderfault/harness"
)

// firstConnectAttempt dials member m (whose client link is blackholed: TCP
// connects, no HTTP/2 handshake ever arrives) with cfg's client settings and
// returns how long gRPC's first connection attempt lasted: from the channel
// turning Connecting to it turning TransientFailure. Event-driven: it follows
// the channel's state changes, bounded by ctx.
func firstConnectAttempt(ctx context.Context, t *testing.T, cfg Config, m *harness.Member) time.Duration {
	t.Helper()
	// WithBlock would make the v3.5 client's New wait for the attempt itself.
	cfg.DialBlock = false
	cli, err := clientv3.New(cfg.clientConfig([]string{m.ClientURL()}, nil))
	require.NoError(t, err)
	defer cli.Close()
	conn := cli.ActiveConnection()
	conn.Connect()
	var connecting time.Time
	for {
		s := conn.GetState()
		switch {
		case s == connectivity.Connecting && connecting.IsZero():
			connecting = time.Now()
		case s == connectivity.TransientFailure && !connecting.IsZero():
			return time.Since(connecting)
		case s == connectivity.Ready:
			require.Fail(t, "connected through a blackholed link", "state %v", s)
		}
		if !conn.WaitForStateChange(ctx, s) {
			require.Fail(t, "connection attempt never ended", "still %v after the test's deadline; the blackholed link should make it time out", s)
		}
	}
}

// After PR #69047 BR's WithConnectParams leaves MinConnectTimeout at 0, so a
// connection attempt into a blackholed link gives up when the current
// backoff delay runs out (the first: BaseDelay, without jitter), not after
// gRPC's 20 s minimum that legacy keeps (docs/facts.md §3.9). Scaled by 10:
// 100 ms against 2 s.
func TestConnectAttemptDeadlineIsBackoffDelayWithoutMinConnectTimeout(t *testing.T) {
	c := harness.StartT(t, harness.Options{})
	ctx := ctxFor(t, 20*time.Second)
	m := follower(t, c)
	in, err := c.Inject(ctx, harness.ClientBlackhole{}, harness.Named(m.Name()))
	require.NoError(t, err)
	defer func() { assert.NoError(t, in.Heal(ctx)) }()

	pr, _ := pr69047().Scale(fastScale)
	leg, _ := legacy().Scale(fastScale)
	require.Zero(t, pr.MinConnectTimeout)
	require.Equal(t, 100*time.Millisecond, pr.BackoffBase)
	require.Equal(t, 2*time.Second, leg.MinConnectTimeout)

	dPR := firstConnectAttempt(ctx, t, pr, m)
	dLegacy := firstConnectAttempt(ctx, t, leg, m)
	t.Logf("first connection attempt into a blackhole: pr69047 %v (deadline = backoff base %v), legacy %v (min-connect-timeout %v)",
		dPR, pr.BackoffBase, dLegacy, leg.MinConnectTimeout)
	// The state change is seen a little after the attempt starts and ends;
	// the bounds leave that room and still tell the two rules apart by 10x.
	assert.GreaterOrEqual(t, dPR, pr.BackoffBase-20*time.Millisecond, "pr69047 attempt ended before its deadline")
	assert.Less(t, dPR, leg.MinConnectTimeout/2, fmt.Sprintf("pr69047 attempt lasted %v: the 20 s rule, not the backoff delay", dPR))
	assert.GreaterOrEqual(t, dLegacy, leg.MinConnectTimeout-20*time.Millisecond, "legacy attempt must get gRPC's minimum connect timeout")
}
