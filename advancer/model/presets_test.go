package model

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The constants below are docs/facts.md §3 and §4, written out again on
// purpose: a preset that drifts from the documented BR behaviour fails here.

func TestPresetLegacyMatchesReference(t *testing.T) {
	c, err := Preset("legacy")
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	assert.Equal(t, DesignBR, c.Design)
	// §4: dial timeout 5 s, auto-sync 30 s, keepalive 10 s / 3 s, PermitWithoutStream false.
	assert.Equal(t, 5*time.Second, c.DialTimeout)
	assert.Equal(t, 30*time.Second, c.AutoSyncInterval)
	assert.Equal(t, 10*time.Second, c.KeepAliveTime)
	assert.Equal(t, 3*time.Second, c.KeepAliveTimeout)
	assert.False(t, c.PermitWithoutStream)
	assert.True(t, c.DialBlock, "§4.8: BR passes WithBlock and WithReturnConnectionError")
	// §3: gRPC default backoff base 1 s, ×1.6, jitter 0.2, max 120 s, MinConnectTimeout 20 s.
	assert.Equal(t, time.Second, c.BackoffBase)
	assert.Equal(t, 1.6, c.BackoffMultiplier)
	assert.Equal(t, 0.2, c.BackoffJitter)
	assert.Equal(t, 120*time.Second, c.BackoffMax)
	assert.Equal(t, 20*time.Second, c.MinConnectTimeout)
	assert.Equal(t, 25*time.Millisecond, c.UnaryRetryWait)
	// §4: a plain watch — no require-leader, no progress requests, no idle guard.
	assert.False(t, c.RequireLeader)
	assert.False(t, c.ProgressNotify)
	assert.Zero(t, c.ProgressInterval)
	assert.Zero(t, c.IdleTimeout)
	assert.Empty(t, c.RequestTimeouts)
	assert.Empty(t, c.WatchCreateTimeouts)
	// §4: the CRR service retries after 1 s.
	assert.Equal(t, time.Second, c.RetryInterval)
}

func TestPresetPR69047MatchesReference(t *testing.T) {
	c, err := Preset("pr69047")
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	assert.Equal(t, DesignBR, c.Design)
	// §4: MaxDelay 3 s, keepalive 10 s / 3 s with PermitWithoutStream.
	assert.Equal(t, 3*time.Second, c.BackoffMax)
	assert.Equal(t, 10*time.Second, c.KeepAliveTime)
	assert.Equal(t, 3*time.Second, c.KeepAliveTimeout)
	assert.True(t, c.PermitWithoutStream)
	// §4: WithRequireLeader + WithProgressNotify, RequestProgress every 30 s,
	// idle timeout 90 s, retry after 1 s.
	assert.True(t, c.RequireLeader)
	assert.True(t, c.ProgressNotify)
	assert.Equal(t, 30*time.Second, c.ProgressInterval)
	assert.Equal(t, 90*time.Second, c.IdleTimeout)
	assert.Equal(t, time.Second, c.RetryInterval)
	// Not in the PR: the later watch-creation and request timeouts.
	assert.Empty(t, c.RequestTimeouts)
	assert.Empty(t, c.WatchCreateTimeouts)
	// Everything else is legacy's.
	l := legacy()
	assert.Equal(t, l.DialTimeout, c.DialTimeout)
	assert.Equal(t, l.AutoSyncInterval, c.AutoSyncInterval)
	assert.Equal(t, l.BackoffBase, c.BackoffBase)
	assert.Equal(t, l.BackoffMultiplier, c.BackoffMultiplier)
	assert.Equal(t, l.BackoffJitter, c.BackoffJitter)
	assert.Equal(t, l.DialBlock, c.DialBlock)
	// §3.9, §4.3: WithConnectParams without MinConnectTimeout — each
	// connection attempt's deadline is the backoff delay, not 20 s.
	assert.Zero(t, c.MinConnectTimeout)
}

func TestPresetRobustFitsFastProfileBudget(t *testing.T) {
	c, err := Preset("robust")
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	fast, notes := c.Scale(10)
	assert.Empty(t, notes, "robust must not depend on knobs that do not scale")
	const election = 100 * time.Millisecond
	// A stale watch is replaced after at most StaleAfter + one guard interval
	// + one read; an advance is reported within one guard interval + one read.
	worst := fast.StaleAfter + fast.GuardInterval + fast.GuardReadTimeout
	assert.LessOrEqual(t, worst, 3*election, "stale-watch replacement must leave room for the election itself")
	assert.LessOrEqual(t, fast.BackoffMax, election, "reconnect backoff must not exceed one election timeout")
	assert.True(t, fast.RequireLeader)
	assert.Zero(t, fast.KeepAliveTime)
	assert.NotEmpty(t, fast.WatchCreateTimeouts)
}

func TestPresetUnknownListsKnown(t *testing.T) {
	_, err := Preset("legacyy")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"legacyy"`)
	assert.Contains(t, err.Error(), "legacy, pr69047, robust")
}

func TestPresetsAreIndependentValues(t *testing.T) {
	a, _ := Preset("robust")
	a.WatchCreateTimeouts[0] = time.Hour
	b, _ := Preset("robust")
	assert.Equal(t, time.Second, b.WatchCreateTimeouts[0])
}

func TestNewPicksDesign(t *testing.T) {
	for _, name := range Presets() {
		c, err := Preset(name)
		require.NoError(t, err)
		a := New(c)
		assert.Equal(t, name, a.Name())
		switch c.Design {
		case DesignRobust:
			assert.IsType(t, &robustAdvancer{}, a)
		case DesignPD:
			assert.IsType(t, &pdAdvancer{}, a)
		default:
			assert.IsType(t, &brAdvancer{}, a)
		}
	}
}
