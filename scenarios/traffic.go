package scenarios

import (
	"time"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/harness"
)

// trafficEvery is how often the advancer's traffic is sampled at its client
// proxies: ten samples to the one-second window the rates are judged over.
const trafficEvery = 100 * time.Millisecond

// startTrafficSampler samples, from the advancer's start to the run's end,
// what the members' client proxies (the advancer's links alone: the writer
// and the harness use others) have counted.
func (r *run) startTrafficSampler() {
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		tick := time.NewTicker(trafficEvery)
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
	sum := harness.SumTraffic(r.c.ClientTraffic()...)
	s := check.TrafficSample{At: r.rec.Now(), Conns: sum.ConnsAccepted, ConnsOpen: sum.ConnsOpen,
		Watches: sum.OpenStreams[harness.MethodWatch]}
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
	t := check.JudgeTraffic(samples, firstFault)
	r.res.Traffic = &t
	r.res.Failures = append(r.res.Failures, t.Failures()...)
}
