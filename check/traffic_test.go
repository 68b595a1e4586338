package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// steady is samples every 100ms for d, callsPerTick calls and connsPerTick
// connections each, holding watches and open connections.
func steady(from, d time.Duration, calls, conns, callsPerTick, connsPerTick, watches, open int) []TrafficSample {
	var out []TrafficSample
	for at := from; at < from+d; at += 100 * time.Millisecond {
		calls += callsPerTick
		conns += connsPerTick
		out = append(out, TrafficSample{At: at, Calls: calls, Conns: conns, Watches: watches, ConnsOpen: open})
	}
	return out
}

func TestJudgeTraffic(t *testing.T) {
	ms := time.Millisecond
	t.Run("a careful advancer", func(t *testing.T) {
		s := steady(0, 10*time.Second, 0, 3, 1, 0, 1, 3) // 10 calls/s, one watch, three connections
		tr := JudgeTraffic(s, 5*time.Second)
		assert.InDelta(t, 10, tr.PeakCalls, 0.5)
		assert.Zero(t, tr.PeakConns)
		require.True(t, tr.Judged)
		assert.Empty(t, tr.Failures())
	})
	t.Run("a storm during the fault", func(t *testing.T) {
		s := steady(0, 5*time.Second, 0, 3, 1, 0, 1, 3)
		last := s[len(s)-1]
		s = append(s, steady(5*time.Second, 3*time.Second, last.Calls, last.Conns, 30, 5, 1, 3)...) // 300 calls/s, 50 conns/s
		tr := JudgeTraffic(s, 5*time.Second)
		assert.InDelta(t, 300, tr.PeakCalls, 15)
		assert.InDelta(t, 50, tr.PeakConns, 3)
		f := tr.Failures()
		require.Len(t, f, 2)
		assert.Contains(t, f[0], "retry storm: 300 gRPC calls/s")
		assert.Contains(t, f[1], "retry storm: 50 new connections/s")
	})
	t.Run("exactly at the bounds", func(t *testing.T) {
		s := steady(0, 3*time.Second, 0, 0, MaxCallRate/10, MaxConnRate/10, 1, 1)
		assert.Empty(t, JudgeTraffic(s, time.Second).Failures())
	})
	t.Run("a leak", func(t *testing.T) {
		s := steady(0, 5*time.Second, 0, 3, 1, 0, 1, 3)
		last := s[len(s)-1]
		s = append(s, steady(5*time.Second, 5*time.Second, last.Calls, last.Conns, 1, 0, 4, 9)...)
		f := JudgeTraffic(s, 5*time.Second).Failures()
		require.Len(t, f, 2)
		assert.Equal(t, "leak: 4 Watch streams open through the run's last 2s, 1 at most before the first fault", f[0])
		assert.Equal(t, "leak: 9 connections open through the run's last 2s, 3 at most before the first fault", f[1])
	})
	t.Run("a stream replaced for a moment is no leak", func(t *testing.T) {
		s := steady(0, 10*time.Second, 0, 3, 1, 0, 1, 3)
		s[len(s)-3].Watches = 2 // the new stream opens before the old one closes
		assert.Empty(t, JudgeTraffic(s, 5*time.Second).Failures())
	})
	t.Run("no fault: rates only", func(t *testing.T) {
		tr := JudgeTraffic(steady(0, 3*time.Second, 0, 0, 1, 0, 1, 1), 0)
		assert.False(t, tr.Judged)
		assert.Empty(t, tr.Failures())
	})
	t.Run("shorter than a window", func(t *testing.T) {
		tr := JudgeTraffic(steady(0, 500*ms, 0, 0, 50, 50, 0, 0), 0)
		assert.Zero(t, tr.PeakCalls)
	})
}
