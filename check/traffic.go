package check

import (
	"fmt"
	"time"
)

// The advancer's traffic to etcd, as its client proxies count it, is judged
// on two requirements every run has, whatever the scenario:
//
//   - no retry storm: over any one-second window, at most MaxCallRate gRPC
//     calls and MaxConnRate new connections (etcd-io/etcd#9578: a retry
//     loop without backoff took over 150% CPU; cilium/cilium#42977: a
//     relist loop on "no leader" starved etcd's network);
//   - no leak: the Watch streams and connections the advancer holds at the
//     end of the run are no more than it held before the first fault
//     (m3db/m3#2984: a watch whose context was never cancelled).
//
// The bounds are ten times what a careful design needs in the catalog: one
// watch, a progress request and a quorum read or two a second, one call per
// upload (the writer uploads every 200 ms), a poller at 10 reads a second;
// and gRPC's reconnect backoff (1 s base) makes at most one connection
// attempt per endpoint a second: 5 a second on 5 members, a few more while
// a health checker probes each member on a client of its own.
const (
	MaxCallRate = 100 // gRPC calls started per second
	MaxConnRate = 20  // connections accepted per second
)

// TrafficSample is what the advancer's client proxies had counted at one
// moment (totals over every member).
type TrafficSample struct {
	At        time.Duration // since the run's start
	Calls     int           // gRPC calls started so far
	Conns     int           // connections accepted so far
	Watches   int           // Watch streams open now
	ConnsOpen int           // connections open now
}

// Traffic is what the samples say about the two requirements.
type Traffic struct {
	// PeakCalls and PeakConns are the highest rates over a one-second
	// window, per second; PeakCallsAt and PeakConnsAt are the windows' ends.
	PeakCalls, PeakConns     float64
	PeakCallsAt, PeakConnsAt time.Duration
	// Before is the most the advancer held in the window before the first
	// fault; After the least it held in the window at the end of the run.
	// Judged only when Before is known (a run with a fault step).
	Before, After TrafficSample
	Judged        bool
}

// LeakWindow is how long the windows before the first fault and at the
// end of the run are: a level held through it is a level, not a call in
// flight or a stream being replaced.
const LeakWindow = 2 * time.Second

// JudgeTraffic reads samples (in time order, taken every ~100 ms from the
// advancer's start) with the first fault at firstFault (0: none).
func JudgeTraffic(samples []TrafficSample, firstFault time.Duration) Traffic {
	var t Traffic
	j := 0
	for i := range samples {
		for j < len(samples) && samples[j].At-samples[i].At < time.Second {
			j++
		}
		if j == len(samples) {
			break
		}
		span := (samples[j].At - samples[i].At).Seconds()
		if r := float64(samples[j].Calls-samples[i].Calls) / span; r > t.PeakCalls {
			t.PeakCalls, t.PeakCallsAt = r, samples[j].At
		}
		if r := float64(samples[j].Conns-samples[i].Conns) / span; r > t.PeakConns {
			t.PeakConns, t.PeakConnsAt = r, samples[j].At
		}
	}
	if firstFault <= 0 || len(samples) == 0 {
		return t
	}
	var before []TrafficSample
	for _, s := range samples {
		if s.At < firstFault && s.At >= firstFault-LeakWindow {
			before = append(before, s)
		}
	}
	end := samples[len(samples)-1].At
	var after []TrafficSample
	for _, s := range samples {
		if s.At >= end-LeakWindow && s.At > firstFault {
			after = append(after, s)
		}
	}
	if len(before) == 0 || len(after) == 0 {
		return t
	}
	t.Judged = true
	t.Before, t.After = before[0], after[0]
	for _, s := range before {
		t.Before.Watches = max(t.Before.Watches, s.Watches)
		t.Before.ConnsOpen = max(t.Before.ConnsOpen, s.ConnsOpen)
	}
	for _, s := range after {
		t.After.Watches = min(t.After.Watches, s.Watches)
		t.After.ConnsOpen = min(t.After.ConnsOpen, s.ConnsOpen)
	}
	return t
}

// Failures says which of the two requirements the traffic broke, one
// message each.
func (t Traffic) Failures() []string {
	var out []string
	if t.PeakCalls > MaxCallRate {
		out = append(out, fmt.Sprintf("retry storm: %.0f gRPC calls/s to etcd in the second before %s (at most %d/s)", t.PeakCalls, fmtAt(t.PeakCallsAt), MaxCallRate))
	}
	if t.PeakConns > MaxConnRate {
		out = append(out, fmt.Sprintf("retry storm: %.0f new connections/s to etcd in the second before %s (at most %d/s)", t.PeakConns, fmtAt(t.PeakConnsAt), MaxConnRate))
	}
	if t.Judged && t.After.Watches > t.Before.Watches {
		out = append(out, fmt.Sprintf("leak: %d Watch streams open through the run's last %v, %d at most before the first fault", t.After.Watches, LeakWindow, t.Before.Watches))
	}
	if t.Judged && t.After.ConnsOpen > t.Before.ConnsOpen {
		out = append(out, fmt.Sprintf("leak: %d connections open through the run's last %v, %d at most before the first fault", t.After.ConnsOpen, LeakWindow, t.Before.ConnsOpen))
	}
	return out
}

// String is one line for a run's summary.
func (t Traffic) String() string {
	s := fmt.Sprintf("peak %.0f calls/s (before %s), %.0f connections/s (before %s)", t.PeakCalls, fmtAt(t.PeakCallsAt), t.PeakConns, fmtAt(t.PeakConnsAt))
	if t.Judged {
		s += fmt.Sprintf("; held %d Watch streams and %d connections before the first fault, %d and %d at the end",
			t.Before.Watches, t.Before.ConnsOpen, t.After.Watches, t.After.ConnsOpen)
	}
	return s
}

func fmtAt(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
