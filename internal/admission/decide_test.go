package admission

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// healthy is a state in which one more run may go: every signal far below
// a 500 ms budget.
func healthy() state {
	return state{
		budget: 500 * time.Millisecond, measured: time.Minute, warm: true, sinceLast: time.Second, cpus: 2,
		headroom: Headroom{DelayP99: time.Millisecond, DelayMax: 3 * time.Millisecond, IdleCores: 1.2, MemAvailable: 8 << 30, Runs: 5, Starting: 1},
	}
}

func TestDecide(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*state)
		ok     bool
		why    string
	}{
		{"every signal healthy", func(*state) {}, true, "headroom"},
		{"the first run goes on a quiet probe, CPU or memory short", func(s *state) {
			s.headroom = Headroom{DelayP99: 10 * time.Millisecond, DelayMax: 50 * time.Millisecond, IdleCores: 0, MemAvailable: 1}
			s.warm, s.measured = false, FirstLook
		}, true, "no other run"},
		{"the first run waits for a first look", func(s *state) { s.headroom.Runs, s.measured = 0, FirstLook-1 }, false, "measuring"},
		{"the first run waits out a loud probe", func(s *state) {
			s.headroom = Headroom{DelayP99: 11 * time.Millisecond}
			s.waited = FirstRunPatience - 1
		}, false, "probe delay p99 11.0ms over 10.0ms"},
		{"the first run goes after FirstRunPatience", func(s *state) {
			s.headroom = Headroom{DelayP99: time.Second, DelayMax: time.Second}
			s.waited = FirstRunPatience
		}, true, "no other run, and waited 2s"},
		{"not measured long enough", func(s *state) { s.warm = false }, false, "measuring"},
		{"too many starting", func(s *state) { s.headroom.Starting = 4 }, false, "4 runs starting"},
		{"too many going", func(s *state) { s.headroom.Runs = 2 * MaxRunsPerCore }, false, "16 runs going (at most 8 per core)"},
		{"one under the most going", func(s *state) { s.headroom.Runs = 2*MaxRunsPerCore - 1 }, true, "headroom"},
		{"admitted a moment ago", func(s *state) { s.sinceLast = 30 * time.Millisecond }, false, "the last admission was 30ms ago"},
		{"p99 over budget/50", func(s *state) { s.headroom.DelayP99 = 11 * time.Millisecond }, false, "probe delay p99 11.0ms over 10.0ms"},
		{"p99 at budget/50", func(s *state) { s.headroom.DelayP99 = 10 * time.Millisecond }, true, "headroom"},
		{"max over budget/10", func(s *state) { s.headroom.DelayMax = 51 * time.Millisecond }, false, "probe delay max 51.0ms over 50.0ms"},
		{"the tightest budget decides", func(s *state) { s.budget = 100 * time.Millisecond; s.headroom.DelayP99 = 3 * time.Millisecond }, false, "over 2.0ms"},
		{"CPU nearly saturated", func(s *state) { s.headroom.IdleCores = 0.3; s.headroom.DelayP99 = 3 * time.Millisecond },
			false, "0.30 cores idle, under 0.50, and the probe not quiet (p99 3.0ms"},
		{"CPU saturated, the probe's max loud", func(s *state) { s.headroom.IdleCores = 0; s.headroom.DelayMax = 13 * time.Millisecond }, false, "0.00 cores idle"},
		{"CPU saturated by work the runs preempt", func(s *state) {
			s.headroom.IdleCores = 0
			s.headroom.DelayP99, s.headroom.DelayMax = 2500*time.Microsecond, 12500*time.Microsecond
		}, true, "headroom"},
		{"idle CPU unknown", func(s *state) { s.headroom.IdleCores = -1 }, true, "headroom"},
		{"memory short", func(s *state) { s.headroom.MemAvailable = 512 << 20 }, false, "512 MiB available, under 1024"},
		{"memory unknown", func(s *state) { s.headroom.MemAvailable = 0 }, true, "headroom"},
		{"a fixed cap ignores the signals", func(s *state) { s.cap = 8; s.headroom.DelayP99 = time.Second }, true, "5 of at most 8 runs"},
		{"a fixed cap reached", func(s *state) { s.cap = 5 }, false, "5 runs, at most 5"},
	} {
		s := healthy()
		c.change(&s)
		ok, why := decide(s)
		assert.Equal(t, c.ok, ok, c.name)
		assert.Contains(t, why, c.why, c.name)
	}
}

func TestHeadroomString(t *testing.T) {
	h := Headroom{DelayP99: 1500 * time.Microsecond, DelayMax: 12 * time.Millisecond, IdleCores: 0.75, MemAvailable: 3 << 30, Runs: 7, Starting: 2}
	assert.Equal(t, "probe delay p99 1.5ms max 12.0ms, 0.75 cores idle, 3072 MiB available, 7 runs (2 starting)", h.String())
	h.IdleCores, h.MemAvailable = -1, 0
	assert.Equal(t, "probe delay p99 1.5ms max 12.0ms, 7 runs (2 starting)", h.String())
}

func TestParseStat(t *testing.T) {
	r, err := parseStat([]byte(`cpu  100 5 50 800 20 1 2 3 7 0
cpu0 50 2 25 400 10 0 1 1 3 0
cpu1 50 3 25 400 10 1 1 2 4 0
intr 12345
`))
	assert.NoError(t, err)
	assert.Equal(t, uint64(820), r.idle, "idle and iowait")
	assert.Equal(t, uint64(981), r.total, "user..steal; guest is inside user")
	assert.Equal(t, 2, r.cpus)
	_, err = parseStat([]byte("intr 1\n"))
	assert.ErrorContains(t, err, "no cpu lines")
}

func TestParseLease(t *testing.T) {
	at := time.Unix(1_700_000_000, 123)
	name := leaseName(true, at, 500*time.Millisecond, 42, 7)
	l, ok := parseLease(name)
	assert.True(t, ok, name)
	assert.Equal(t, leaseFile{starting: true, at: at, budget: 500 * time.Millisecond}, l)
	l, ok = parseLease(leaseName(false, at, time.Second, 42, 8))
	assert.True(t, ok)
	assert.False(t, l.starting)
	for _, bad := range []string{"lock", "wait-1-2-3", "new-" + name, "run-x-1-2-3"} {
		_, ok := parseLease(bad)
		assert.False(t, ok, bad)
	}
}
