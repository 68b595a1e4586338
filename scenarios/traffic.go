package scenarios

import (
	"time"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/harness"
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
	s := check.TrafficSample{At: r.rec.Now(), Conns: sum.ConnsAccepted, Watches: sum.OpenStreams[harness.MethodWatch]}
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
	r.res.Traffic = &t
	r.res.Failures = append(r.res.Failures, t.Failures()...)
}
