package check

import (
	"strings"
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
		tr := JudgeTraffic(s, 5*time.Second, time.Second)
		assert.InDelta(t, 10, tr.PeakCalls, 0.5)
		assert.Zero(t, tr.PeakConns)
		require.True(t, tr.Judged)
		assert.Empty(t, tr.Failures())
	})
	t.Run("a storm during the fault", func(t *testing.T) {
		s := steady(0, 5*time.Second, 0, 3, 1, 0, 1, 3)
		last := s[len(s)-1]
		s = append(s, steady(5*time.Second, 3*time.Second, last.Calls, last.Conns, 300, 5, 1, 3)...) // 3000 calls/s, 50 conns/s
		tr := JudgeTraffic(s, 5*time.Second, time.Second)
		assert.InDelta(t, 3000, tr.PeakCalls, 150)
		assert.InDelta(t, 50, tr.PeakConns, 3)
		f := tr.Failures()
		require.Len(t, f, 2)
		assert.Contains(t, f[0], "retry storm: 3000 gRPC calls to etcd in the 1s before")
		assert.Contains(t, f[1], "retry storm: 50 new connections to etcd in the 1s before")
	})
	t.Run("exactly at the bounds", func(t *testing.T) {
		s := steady(0, 3*time.Second, 0, 0, MaxCalls/10, MaxConns/10, 1, 1)
		assert.Empty(t, JudgeTraffic(s, time.Second, time.Second).Failures())
	})
	t.Run("a leak", func(t *testing.T) {
		s := steady(0, 5*time.Second, 0, 3, 1, 0, 1, 3)
		last := s[len(s)-1]
		s = append(s, steady(5*time.Second, 5*time.Second, last.Calls, last.Conns, 1, 0, 4, 9)...)
		f := JudgeTraffic(s, 5*time.Second, time.Second).Failures()
		require.Len(t, f, 2)
		assert.Equal(t, "leak: 4 Watch streams open through the run's last 2s, 1 at most before the first fault", f[0])
		assert.Equal(t, "leak: 9 connections open to one member through the run's last 2s, 3 at most to any member before the first fault", f[1])
	})
	t.Run("a stream replaced for a moment is no leak", func(t *testing.T) {
		s := steady(0, 10*time.Second, 0, 3, 1, 0, 1, 3)
		s[len(s)-3].Watches = 2 // the new stream opens before the old one closes
		assert.Empty(t, JudgeTraffic(s, 5*time.Second, time.Second).Failures())
	})
	t.Run("no fault: rates only", func(t *testing.T) {
		tr := JudgeTraffic(steady(0, 3*time.Second, 0, 0, 1, 0, 1, 1), 0, time.Second)
		assert.False(t, tr.Judged)
		assert.Empty(t, tr.Failures())
	})
	t.Run("the storm's calls by method", func(t *testing.T) {
		s := []TrafficSample{
			{At: 0, Calls: 10, Methods: map[string]int{"/etcdserverpb.KV/Range": 8, "/etcdserverpb.Watch/Watch": 2}},
			{At: time.Second, Calls: 2010, Methods: map[string]int{"/etcdserverpb.KV/Range": 1908, "/etcdserverpb.Watch/Watch": 102}},
		}
		tr := JudgeTraffic(s, 0, time.Second)
		assert.Equal(t, "Range×1900 Watch×100", tr.PeakMethods)
		require.Len(t, tr.Failures(), 1)
		assert.True(t, strings.HasSuffix(tr.Failures()[0], "(at most 1000 per election timeout): Range×1900 Watch×100"), tr.Failures()[0])
	})
	t.Run("the window is the election timeout", func(t *testing.T) {
		var s []TrafficSample // 100 calls every 10ms: 1000 per 100ms, 10000 a second
		for i := range 50 {
			s = append(s, TrafficSample{At: time.Duration(i) * 10 * ms, Calls: 100 * i})
		}
		tr := JudgeTraffic(s, 0, 100*ms)
		assert.InDelta(t, 1000, tr.PeakCalls, 10)
		assert.Empty(t, tr.Failures(), "at the fast profile, 1000 calls per 100ms is the bound")
	})
	t.Run("shorter than a window", func(t *testing.T) {
		tr := JudgeTraffic(steady(0, 500*ms, 0, 0, 50, 50, 0, 0), 0, time.Second)
		assert.Zero(t, tr.PeakCalls)
	})
}

func TestUntimedDropsTrafficFailures(t *testing.T) {
	fs := []string{"retry storm: 300 gRPC calls to etcd in the 1s before 8.0s (at most 100 per election timeout)",
		"invariant: backwards: …", "leak: 2 Watch streams open through the run's last 2s, 1 at most before the first fault"}
	assert.Equal(t, []string{"invariant: backwards: …"}, Untimed(fs))
	for _, f := range JudgeTraffic(steady(0, 3*time.Second, 0, 0, 50, 50, 0, 0), 0, time.Second).Failures() {
		assert.True(t, Timed(f), f)
	}
}
