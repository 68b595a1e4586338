package runner

import (
	"context"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"
)

// startTrafficSampler samples, from the advancer's start to the run's end,
// what the members' client proxies (the advancer's links alone: the writer
// and the harness use others) have counted: ten samples per election
// timeout, the window the rates are judged over.
func (r *run) startTrafficSampler() {
	every := r.c.Profile().Election / 10
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			r.sampleTraffic()
			select {
			case <-r.bgCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

func (r *run) sampleTraffic() {
	per := r.c.ClientTraffic()
	sum := harness.SumTraffic(per...)
	s := check.TrafficSample{At: r.rec.Now(), Conns: sum.ConnsAccepted, Watches: sum.OpenStreams[harness.MethodWatch], Methods: sum.Calls}
	for _, t := range per {
		s.ConnsOpen = max(s.ConnsOpen, t.ConnsOpen)
	}
	for _, n := range sum.Calls {
		s.Calls += n
	}
	r.mu.Lock()
	r.traffic = append(r.traffic, s)
	r.mu.Unlock()
}

// steadyElections bounds, in election timeouts, how long a run waits for
// the advancer's traffic to settle before its first fault.
const steadyElections = 10

// awaitSteadyTraffic waits until the advancer holds what it holds in its
// steady state: the most Watch streams, and the most connections to a
// member, it held in the last election timeout equal those of the one
// before. A client builds up after its first advances (the apiserver's
// storage opens a second Watch stream about a second after its first; PD's
// health checker dials every member), and a fault that meets it half built
// tests its start, not its recovery; the leak requirement measures from
// this level too. A client that never settles goes after steadyElections,
// with a note.
func (r *run) awaitSteadyTraffic(ctx context.Context) {
	e := r.c.Profile().Election
	deadline := time.Now().Add(steadyElections * e)
	tick := time.NewTicker(e / 10)
	defer tick.Stop()
	for {
		r.mu.Lock()
		samples := r.traffic
		r.mu.Unlock()
		if steady(samples, e) {
			return
		}
		if time.Now().After(deadline) {
			r.rec.Add(record.KindNote, advancer.AdvancerMember, "the advancer's Watch streams and connections did not settle within %d election timeouts; the faults go ahead", steadyElections)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// steady reports whether the samples' last election timeout held as many
// Watch streams and connections at most as the one before it.
func steady(samples []check.TrafficSample, e time.Duration) bool {
	if len(samples) == 0 {
		return false
	}
	end := samples[len(samples)-1].At
	if end-samples[0].At < 2*e {
		return false
	}
	var last, prev check.TrafficSample
	for _, s := range samples {
		w := &prev
		switch {
		case s.At > end-e:
			w = &last
		case s.At <= end-2*e:
			continue
		}
		w.Watches, w.ConnsOpen = max(w.Watches, s.Watches), max(w.ConnsOpen, s.ConnsOpen)
	}
	return last.Watches == prev.Watches && last.ConnsOpen == prev.ConnsOpen
}

// judgeTraffic adds the traffic figures to the result and its failures:
// no retry storm and no leak are requirements of every run.
func (r *run) judgeTraffic(firstFault time.Duration) {
	r.mu.Lock()
	samples := r.traffic
	r.mu.Unlock()
	if len(samples) == 0 {
		return
	}
	t := check.JudgeTraffic(samples, firstFault, r.c.Profile().Election)
	// A client-link fault holds at the proxy what the client sent while it
	// lasted, its close of an abandoned stream included, and the leak
	// window (the run's last seconds) can reach back into it: the proxy's
	// count is then not the client's, and leaks are not judged.
	r.mu.Lock()
	for _, ni := range r.injections {
		if strings.HasPrefix(ni.in.Fault.Kind(), "client-") && t.Judged {
			t.Judged = false
			r.res.Notes = append(r.res.Notes, "leaks not judged: a client-link fault holds at the proxy what the client sent during it")
		}
	}
	r.mu.Unlock()
	r.res.Traffic = &t
	r.res.Failures = append(r.res.Failures, t.Failures()...)
}
