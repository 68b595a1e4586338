package admission

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Headroom is what the machine measured when a run was admitted: the
// signals the decision read, and the runs already holding a lease.
type Headroom struct {
	// DelayP99 and DelayMax are how late the probe goroutine woke from a
	// probePeriod sleep over the last probeWindow: the scheduling delay
	// every etcd, gRPC and advancer goroutine of a run meets on each hop.
	DelayP99, DelayMax time.Duration
	// IdleCores is the CPU time no process used over the last cpuWindow,
	// in cores (0.5: half of one core idle); negative when unknown (no
	// /proc/stat).
	IdleCores float64
	// MemAvailable is the kernel's estimate of memory available without
	// swapping (MemAvailable), in bytes; 0 when unknown.
	MemAvailable uint64
	// Runs and Starting count the leases held machine-wide, by every
	// process, before this admission; Starting of them have not started
	// their cluster yet.
	Runs, Starting int
}

func (h Headroom) String() string {
	s := fmt.Sprintf("probe delay p99 %s max %s", fmtDelay(h.DelayP99), fmtDelay(h.DelayMax))
	if h.IdleCores >= 0 {
		s += fmt.Sprintf(", %.2f cores idle", h.IdleCores)
	}
	if h.MemAvailable > 0 {
		s += fmt.Sprintf(", %d MiB available", h.MemAvailable>>20)
	}
	return s + fmt.Sprintf(", %d runs (%d starting)", h.Runs, h.Starting)
}

func fmtDelay(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
}

const (
	// probePeriod is how long the probe sleeps between wake-ups. Short
	// enough to fill the window with samples (200 a second), long enough to
	// cost nothing (a wake-up is a few microseconds).
	probePeriod = 5 * time.Millisecond
	// probeWindow is the recent past the probe's p99 and max cover: long
	// enough for a p99 from 200 samples, short enough that the burst of a
	// cluster start shows within a second and leaves the window a second
	// after it ended.
	probeWindow = time.Second
	// cpuEvery is how often /proc/stat and /proc/meminfo are read, and
	// cpuWindow the span idle CPU is measured over (the same second as the
	// probe's).
	cpuEvery  = 100 * time.Millisecond
	cpuWindow = time.Second
)

// probeSamples is how many wake-ups the probe keeps: one window's worth
// when none is late.
const probeSamples = int(probeWindow / probePeriod)

// monitor measures the machine while this process has runs waiting or
// running, and stops (no goroutine left) when it has none.
type monitor struct {
	mu      sync.Mutex
	users   int
	stop    chan struct{}
	stopped chan struct{}

	began   time.Time            // when the probe started
	asleep  time.Time            // when the probe's current sleep began
	delays  [probeSamples]wakeup // ring of the latest wake-ups
	ndelays int
	next    int
	cpu     []cpuReading // the readings of the last cpuWindow, oldest first
	mem     uint64
}

// wakeup is one of the probe's wake-ups: when, and how late.
type wakeup struct {
	at   time.Time
	late time.Duration
}

type cpuReading struct {
	at          time.Time
	idle, total uint64 // jiffies, all CPUs
	cpus        int
}

// acquire starts measuring unless it already runs for another user.
func (m *monitor) acquire() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users++
	if m.users > 1 {
		return
	}
	m.ndelays, m.next, m.cpu = 0, 0, nil
	m.began, m.asleep = time.Now(), time.Now()
	m.stop, m.stopped = make(chan struct{}), make(chan struct{})
	go m.loop(m.stop, m.stopped)
}

// release stops measuring when its last user is gone, and waits until the
// probe goroutine has exited.
func (m *monitor) release() {
	m.mu.Lock()
	m.users--
	if m.users > 0 {
		m.mu.Unlock()
		return
	}
	stop, stopped := m.stop, m.stopped
	m.mu.Unlock()
	close(stop)
	<-stopped
}

func (m *monitor) loop(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	t := time.NewTimer(probePeriod)
	defer t.Stop()
	lastCPU := time.Time{}
	for {
		begin := time.Now()
		if begin.Sub(lastCPU) >= cpuEvery {
			lastCPU = begin
			m.readSystem(begin)
		}
		m.mu.Lock()
		m.asleep = begin
		m.mu.Unlock()
		t.Reset(probePeriod)
		select {
		case <-stop:
			return
		case <-t.C:
		}
		now := time.Now()
		m.mu.Lock()
		m.delays[m.next] = wakeup{at: now, late: max(now.Sub(begin)-probePeriod, 0)}
		m.next = (m.next + 1) % probeSamples
		m.ndelays = min(m.ndelays+1, probeSamples)
		m.mu.Unlock()
	}
}

// readSystem reads the CPU counters and the available memory; on a system
// without /proc they stay unknown.
func (m *monitor) readSystem(now time.Time) {
	r, cpuErr := readCPU()
	mem, memErr := readMemAvailable()
	m.mu.Lock()
	defer m.mu.Unlock()
	if cpuErr == nil {
		r.at = now
		m.cpu = append(m.cpu, r)
		// Keep one reading at or before the window's start, so the window
		// is covered whole.
		for len(m.cpu) > 2 && now.Sub(m.cpu[1].at) >= cpuWindow {
			m.cpu = m.cpu[1:]
		}
	}
	if memErr == nil {
		m.mem = mem
	}
}

// headroom returns the latest measurements, and how long the probe has
// been measuring.
func (m *monitor) headroom() (Headroom, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	h := Headroom{IdleCores: -1, MemAvailable: m.mem}
	var ds []time.Duration
	for _, w := range m.delays[:m.ndelays] {
		if now.Sub(w.at) <= probeWindow {
			ds = append(ds, w.late)
		}
	}
	// A probe that has not woken yet is late already: on a starved
	// machine this is the only sample there is.
	if late := now.Sub(m.asleep) - probePeriod; late > 0 {
		ds = append(ds, late)
	}
	if len(ds) > 0 {
		slices.Sort(ds)
		h.DelayP99 = ds[int(math.Ceil(0.99*float64(len(ds))))-1]
		h.DelayMax = ds[len(ds)-1]
	}
	if n := len(m.cpu); n >= 2 {
		first, last := m.cpu[0], m.cpu[n-1]
		if dt := last.total - first.total; dt > 0 && last.at.Sub(first.at) >= cpuWindow/2 {
			h.IdleCores = float64(last.idle-first.idle) / float64(dt) * float64(last.cpus)
		}
	}
	return h, now.Sub(m.began)
}

// warm reports whether measurements taken over measured are enough to
// admit a run next to others: half a window of the probe, and the idle CPU
// where /proc/stat tells it (without it, not Linux, the probe alone
// decides).
func warm(h Headroom, measured time.Duration) bool {
	return measured >= probeWindow/2 && (h.IdleCores >= 0 || !haveProcStat)
}

var haveProcStat = func() bool { _, err := os.Stat("/proc/stat"); return err == nil }()

// readCPU reads the machine's CPU time from /proc/stat: idle (idle and
// iowait) and total jiffies over all CPUs, and how many CPUs there are.
func readCPU() (cpuReading, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuReading{}, err
	}
	return parseStat(b)
}

func parseStat(b []byte) (cpuReading, error) {
	var r cpuReading
	found := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if f[0] != "cpu" {
			r.cpus++
			continue
		}
		// user nice system idle iowait irq softirq steal (guest time is
		// already counted in user).
		if len(f) < 9 {
			return r, fmt.Errorf("/proc/stat: short cpu line %q", sc.Text())
		}
		for i, s := range f[1:9] {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return r, fmt.Errorf("/proc/stat: %q: %w", sc.Text(), err)
			}
			r.total += v
			if i == 3 || i == 4 {
				r.idle += v
			}
		}
		found = true
	}
	if !found || r.cpus == 0 {
		return r, fmt.Errorf("/proc/stat: no cpu lines")
	}
	return r, nil
}

// readMemAvailable reads MemAvailable from /proc/meminfo, in bytes.
func readMemAvailable() (uint64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/meminfo: %q: %w", line, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/meminfo: no MemAvailable")
}
