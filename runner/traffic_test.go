package runner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/leaderfault/leaderfault/check"
)

// A client is steady when its last election timeout held as many Watch
// streams and connections at most as the one before: not while it builds
// up, and not before two election timeouts were sampled.
func TestSteadyTraffic(t *testing.T) {
	e := time.Second
	samples := func(levels ...[2]int) []check.TrafficSample {
		var out []check.TrafficSample
		for i, l := range levels {
			out = append(out, check.TrafficSample{At: time.Duration(i) * 100 * time.Millisecond, Watches: l[0], ConnsOpen: l[1]})
		}
		return out
	}
	rep := func(n int, l [2]int) [][2]int {
		out := make([][2]int, n)
		for i := range out {
			out[i] = l
		}
		return out
	}
	assert.False(t, steady(nil, e))
	assert.False(t, steady(samples(rep(15, [2]int{1, 2})...), e), "1.4s sampled: too short")
	assert.True(t, steady(samples(rep(21, [2]int{1, 2})...), e))
	grows := append(rep(12, [2]int{1, 2}), rep(9, [2]int{2, 2})...)
	assert.False(t, steady(samples(grows...), e), "a second stream opened in the last election timeout")
	settled := append(rep(12, [2]int{1, 2}), rep(21, [2]int{2, 2})...)
	assert.True(t, steady(samples(settled...), e))
	var perWait [][2]int // BR's waiter: a stream per wait, open and closed every 200ms
	for i := range 30 {
		perWait = append(perWait, [2]int{i / 2 % 2, 3})
	}
	assert.True(t, steady(samples(perWait...), e), "the most held, not the level at an instant")
}
