package check

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The advancer's traffic to etcd, as its client proxies count it, is judged
// on two requirements every run has, whatever the scenario:
//
//   - no retry storm: in any window of one election timeout (1 s at
//     production time), at most MaxCalls gRPC calls and MaxConns new
//     connections (etcd-io/etcd#9578: a retry
//     loop without backoff took over 150% CPU; cilium/cilium#42977: a
//     relist loop on "no leader" starved etcd's network);
//   - no leak: the Watch streams, and the connections to any one member,
//     the advancer holds through the run's last LeakWindow election timeouts
//     are no more than the most it held in as long before the first fault
//     (m3db/m3#2984: a watch whose context was never cancelled). Connections
//     count per member: a client that reaches more members after a fault
//     than before it (gRPC connects to an endpoint when it first needs it)
//     leaks nothing; one that holds two connections to a member where it
//     held one leaks a client.
//
// Windows are in election timeouts so that a run at the fast profile, where
// a preset's every period is divided by 10, is held to the same bounds per
// unit of its time.
//
// The bounds, per election timeout (1 s at production time):
//   - calls: clientv3's retry interceptor re-sends a failed unary call every
//     25 ms (±10%), 40 times a second per request in flight, by design; PD
//     with a probe per member, its watch loop and its member list in flight
//     through a quorum loss reached 116 in a second. A retry without any
//     wait (etcd-io/etcd#9578) makes thousands: 1000 sits between.
//   - connections: gRPC's reconnect backoff (1 s base) makes at most one
//     attempt per endpoint a second, 5 on 5 members, a few more while a
//     health checker dials each member on a client of its own; 20 is four
//     times that. A client made anew for each retry makes dozens.
const (
	MaxCalls = 1000 // gRPC calls started per election timeout
	MaxConns = 20   // connections accepted per election timeout
)

// TrafficSample is what the advancer's client proxies had counted at one
// moment (totals over every member).
type TrafficSample struct {
	At        time.Duration  // since the run's start
	Calls     int            // gRPC calls started so far
	Methods   map[string]int // Calls by gRPC method (":path"), when known
	Conns     int            // connections accepted so far
	Watches   int            // Watch streams open now
	ConnsOpen int            // connections open now, to the member with the most
}

// Traffic is what the samples say about the two requirements.
type Traffic struct {
	// Unit is the window the rates are counted over: the run's election
	// timeout. PeakCalls and PeakConns are the highest counts in one such
	// window; PeakCallsAt and PeakConnsAt are the windows' ends.
	Unit                     time.Duration
	PeakCalls, PeakConns     float64
	PeakCallsAt, PeakConnsAt time.Duration
	// PeakMethods is the calls of the PeakCalls window by method, the most
	// first ("Range×900 Watch×12"); empty when the samples have no methods.
	PeakMethods string
	// Before is the most the advancer held in the window before the first
	// fault; After the least it held in the window at the end of the run.
	// Judged only when Before is known (a run with a fault step).
	Before, After TrafficSample
	Judged        bool
}

// LeakWindow is how long, in election timeouts, the windows before the
// first fault and at the end of the run are: a level held through it is a
// level, not a call in flight or a stream being replaced.
const LeakWindow = 2

// JudgeTraffic reads samples (in time order, taken every tenth of unit from
// the advancer's start) with the first fault at firstFault (0: none); unit
// is the run's election timeout.
func JudgeTraffic(samples []TrafficSample, firstFault, unit time.Duration) Traffic {
	t := Traffic{Unit: unit}
	j := 0
	for i := range samples {
		for j < len(samples) && samples[j].At-samples[i].At < unit {
			j++
		}
		if j == len(samples) {
			break
		}
		per := float64(unit) / float64(samples[j].At-samples[i].At)
		if n := float64(samples[j].Calls-samples[i].Calls) * per; n > t.PeakCalls {
			t.PeakCalls, t.PeakCallsAt = n, samples[j].At
			t.PeakMethods = methodsBetween(samples[i].Methods, samples[j].Methods)
		}
		if n := float64(samples[j].Conns-samples[i].Conns) * per; n > t.PeakConns {
			t.PeakConns, t.PeakConnsAt = n, samples[j].At
		}
	}
	if firstFault <= 0 || len(samples) == 0 {
		return t
	}
	window := LeakWindow * unit
	var before []TrafficSample
	for _, s := range samples {
		if s.At < firstFault && s.At >= firstFault-window {
			before = append(before, s)
		}
	}
	end := samples[len(samples)-1].At
	var after []TrafficSample
	for _, s := range samples {
		if s.At >= end-window && s.At > firstFault {
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

// methodsBetween is the calls made between two cumulative counts, by
// method (the last path element), the most first.
func methodsBetween(from, to map[string]int) string {
	type mc struct {
		m string
		n int
	}
	var ms []mc
	for m, n := range to {
		if d := n - from[m]; d > 0 {
			ms = append(ms, mc{m[strings.LastIndex(m, "/")+1:], d})
		}
	}
	sort.Slice(ms, func(a, b int) bool { return ms[a].n > ms[b].n || ms[a].n == ms[b].n && ms[a].m < ms[b].m })
	parts := make([]string, len(ms))
	for i, x := range ms {
		parts[i] = fmt.Sprintf("%s×%d", x.m, x.n)
	}
	return strings.Join(parts, " ")
}

// Failures says which of the two requirements the traffic broke, one
// message each.
func (t Traffic) Failures() []string {
	var out []string
	if t.PeakCalls > MaxCalls {
		out = append(out, fmt.Sprintf("retry storm: %.0f gRPC calls to etcd in the %v before %s (at most %d per election timeout)%s", t.PeakCalls, t.Unit, fmtAt(t.PeakCallsAt), MaxCalls, paren(t.PeakMethods)))
	}
	if t.PeakConns > MaxConns {
		out = append(out, fmt.Sprintf("retry storm: %.0f new connections to etcd in the %v before %s (at most %d per election timeout)", t.PeakConns, t.Unit, fmtAt(t.PeakConnsAt), MaxConns))
	}
	if t.Judged && t.After.Watches > t.Before.Watches {
		out = append(out, fmt.Sprintf("leak: %d Watch streams open through the run's last %v, %d at most before the first fault", t.After.Watches, LeakWindow*t.Unit, t.Before.Watches))
	}
	if t.Judged && t.After.ConnsOpen > t.Before.ConnsOpen {
		out = append(out, fmt.Sprintf("leak: %d connections open to one member through the run's last %v, %d at most to any member before the first fault", t.After.ConnsOpen, LeakWindow*t.Unit, t.Before.ConnsOpen))
	}
	return out
}

// Timed reports whether failure is one of Traffic's: judged over windows of
// time, which, like the budgets, do not hold under the race detector.
func Timed(failure string) bool {
	return strings.HasPrefix(failure, "retry storm: ") || strings.HasPrefix(failure, "leak: ")
}

// Untimed is failures without Traffic's.
func Untimed(failures []string) []string {
	var out []string
	for _, f := range failures {
		if !Timed(f) {
			out = append(out, f)
		}
	}
	return out
}

// String is one line for a run's summary.
func (t Traffic) String() string {
	s := fmt.Sprintf("peak %.0f calls (in the %v before %s), %.0f connections (in the %v before %s)", t.PeakCalls, t.Unit, fmtAt(t.PeakCallsAt), t.PeakConns, t.Unit, fmtAt(t.PeakConnsAt))
	if t.Judged {
		s += fmt.Sprintf("; held %d Watch streams and %d connections to a member before the first fault, %d and %d at the end",
			t.Before.Watches, t.Before.ConnsOpen, t.After.Watches, t.After.ConnsOpen)
	}
	return s
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

func fmtAt(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
