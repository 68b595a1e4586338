package model

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/advancer"
)

// pdHealthChecker is tikv/pd's etcd client health checker
// (pkg/utils/etcdutil/health_checker.go, docs/facts.md §10): two loops on the
// guarded client's lifetime, one period apart.
//
//   - syncer (update): list the members through the guarded client
//     (require-leader, not linearizable) and keep one single-endpoint client
//     per member's client URL; a member unhealthy for HealthResetAfter gets
//     its client's endpoints reset, one unhealthy for 30 × that is dropped.
//   - inspector (patrol): probe every member's client with a require-leader
//     Get of "health" (DefaultRequestTimeout), keep the healthy ones in the
//     fastest 1/10-of-the-timeout latency bucket, hold back an endpoint that
//     was evicted until it is picked pdPickedCountThreshold patrols in a row,
//     and SetEndpoints(picked) on the guarded client when that changes its
//     set. With nothing healthy for HealthResetAfter, reset the guarded
//     client's endpoints (SetEndpoints() then the old ones) so gRPC redials
//     instead of waiting out its backoff.
//
// A probe that lands on a member that cannot serve a linearizable read in
// time marks it unhealthy; the guarded client then stops using it, and a
// watch stream on the sub-connection SetEndpoints removes is closed, which
// clientv3 resumes on another member.
type pdHealthChecker struct {
	cfg    Config
	env    *advancer.Env
	client *clientv3.Client // the guarded client

	// newClient makes a member's probe client (PD's newClient with the
	// same options).
	newClient func(ep string) (*clientv3.Client, error)

	mu sync.Mutex
	// members: endpoint → its probe client and last healthy probe start.
	members map[string]*pdMemberClient
	// evicted: endpoint → how many patrols in a row picked it since it was
	// evicted.
	evicted map[string]int
	// unhealthy remembers which endpoints the last patrol found unhealthy,
	// only so that the record shows changes, not every probe.
	unhealthy map[string]bool
}

type pdMemberClient struct {
	*clientv3.Client
	lastHealth time.Time
}

func newPDHealthChecker(cfg Config, env *advancer.Env, client *clientv3.Client) *pdHealthChecker {
	return &pdHealthChecker{
		cfg:    cfg,
		env:    env,
		client: client,
		newClient: func(ep string) (*clientv3.Client, error) {
			return clientv3.New(cfg.clientConfig([]string{ep}, env.Log()))
		},
		members:   map[string]*pdMemberClient{},
		evicted:   map[string]int{},
		unhealthy: map[string]bool{},
	}
}

func (h *pdHealthChecker) requestTimeout() time.Duration { return h.cfg.RequestTimeouts[0] }

// start runs the syncer and the inspector until ctx ends or stop is called;
// stop waits for both and closes the probe clients. The inspector patrols
// once as soon as ready is closed, then every HealthInterval (see
// pdAdvancer for why).
func (h *pdHealthChecker) start(ctx context.Context, ready <-chan struct{}) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	synced := make(chan struct{})
	wg.Go(func() { h.syncer(ctx, synced) })
	wg.Go(func() { h.inspector(ctx, ready, synced) })
	return func() {
		cancel()
		wg.Wait()
		h.close()
	}
}

// syncer closes synced after its first update, found members or not.
func (h *pdHealthChecker) syncer(ctx context.Context, synced chan<- struct{}) {
	h.update(ctx)
	close(synced)
	ticker := time.NewTicker(h.cfg.HealthInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			h.update(ctx)
		}
	}
}

// inspector's early first patrol waits for the syncer's first update too:
// before it the patrol has no member to probe and would leave the client
// on its one endpoint for a whole HealthInterval (in PD the first patrol
// comes a HealthInterval after the start, long after the first sync).
func (h *pdHealthChecker) inspector(ctx context.Context, ready, synced <-chan struct{}) {
	lastAvailable := time.Now()
	for _, ch := range []<-chan struct{}{ready, synced} {
		select {
		case <-ctx.Done():
			return
		case <-ch:
		}
	}
	lastAvailable = h.inspect(ctx, lastAvailable)
	ticker := time.NewTicker(h.cfg.HealthInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			lastAvailable = h.inspect(ctx, lastAvailable)
		}
	}
}

// inspect is one tick of the inspector; it returns the new lastAvailable.
func (h *pdHealthChecker) inspect(ctx context.Context, lastAvailable time.Time) time.Time {
	lastEps, picked, changed := h.patrol(ctx)
	if ctx.Err() != nil {
		return lastAvailable
	}
	if len(picked) == 0 {
		if since := time.Since(lastAvailable); since > h.cfg.HealthResetAfter {
			h.env.Note("health: no healthy endpoint for %v, resetting endpoints %v", since.Round(time.Millisecond), lastEps)
			resetClientEndpoints(h.client, lastEps...)
		}
		return lastAvailable
	}
	if changed {
		h.client.SetEndpoints(picked...)
		h.env.Note("health: update endpoints %v -> %v", lastEps, picked)
	}
	return time.Now()
}

// resetClientEndpoints is PD's: empty the endpoint list, then set it again,
// which closes the sub-connections and dials anew.
func resetClientEndpoints(c *clientv3.Client, eps ...string) {
	c.SetEndpoints()
	c.SetEndpoints(eps...)
}

type pdProbe struct {
	ep   string
	took time.Duration
}

// patrol probes every member client at once and returns the guarded
// client's endpoints, the ones to use, and whether they differ as sets.
func (h *pdHealthChecker) patrol(ctx context.Context) (lastEps, picked []string, changed bool) {
	h.mu.Lock()
	clients := make(map[string]*pdMemberClient, len(h.members))
	for ep, mc := range h.members {
		clients[ep] = mc
	}
	h.mu.Unlock()
	probes := make(chan pdProbe, len(clients))
	var wg sync.WaitGroup
	for ep, mc := range clients {
		wg.Go(func() {
			start := time.Now()
			healthy := pdIsHealthy(ctx, mc.Client, h.requestTimeout())
			took := time.Since(start)
			h.noteHealth(ep, healthy, took)
			if !healthy {
				return
			}
			h.mu.Lock()
			if cur, ok := h.members[ep]; ok && cur.Client == mc.Client {
				cur.lastHealth = start
			}
			h.mu.Unlock()
			probes <- pdProbe{ep, took}
		})
	}
	wg.Wait()
	close(probes)
	var all []pdProbe
	for p := range probes {
		all = append(all, p)
	}
	lastEps = h.client.Endpoints()
	picked = pickEps(all, h.requestTimeout())
	if len(picked) > 0 {
		h.mu.Lock()
		h.updateEvicted(lastEps, picked)
		picked = h.filterEps(picked)
		h.mu.Unlock()
	}
	return lastEps, picked, !sameEndpoints(lastEps, picked)
}

func (h *pdHealthChecker) noteHealth(ep string, healthy bool, took time.Duration) {
	h.mu.Lock()
	was := h.unhealthy[ep]
	h.unhealthy[ep] = !healthy
	h.mu.Unlock()
	switch {
	case !healthy && !was:
		h.env.Note("health: %s unhealthy (probe took %v)", ep, took.Round(time.Millisecond))
	case healthy && was:
		h.env.Note("health: %s healthy again (probe took %v)", ep, took.Round(time.Millisecond))
	}
}

// pdIsHealthy is etcdutil.IsHealthy: a require-leader Get of the health key
// within timeout; permission denied counts as healthy (it went through
// consensus).
func pdIsHealthy(ctx context.Context, c *clientv3.Client, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), timeout)
	defer cancel()
	_, err := c.Get(ctx, pdHealthyKey)
	return err == nil || errors.Is(err, rpctypes.ErrPermissionDenied)
}

// pickEps keeps the probes in the first non-empty latency bucket: the probe
// timeout split into pdLatencyBuckets buckets (PD: 1 s buckets up to 10 s).
func pickEps(probes []pdProbe, timeout time.Duration) []string {
	bucket := timeout / pdLatencyBuckets
	var picked []string
	for i := range pdLatencyBuckets {
		lo, hi := bucket*time.Duration(i), bucket*time.Duration(i+1)
		for _, p := range probes {
			if lo <= p.took && p.took < hi {
				picked = append(picked, p.ep)
			}
		}
		if len(picked) > 0 {
			break
		}
	}
	return picked
}

// updateEvicted is healthChecker.updateEvictedEps: an endpoint evicted
// earlier and not picked now starts counting again from 0; an endpoint the
// client uses, that has a probe client and is not picked, is evicted; an
// evicted endpoint picked now counts one more. Called with h.mu held.
func (h *pdHealthChecker) updateEvicted(lastEps, picked []string) {
	for ep, n := range h.evicted {
		if n > 0 && !slices.Contains(picked, ep) {
			h.evicted[ep] = 0
		}
	}
	for _, ep := range lastEps {
		if slices.Contains(picked, ep) {
			continue
		}
		if _, ok := h.members[ep]; !ok {
			continue
		}
		h.evicted[ep] = 0
		h.env.Note("health: evicted %s", ep)
	}
	for _, ep := range picked {
		if n, ok := h.evicted[ep]; ok {
			h.evicted[ep] = n + 1
		}
	}
}

// filterEps is healthChecker.filterEps: drop evicted endpoints picked fewer
// than pdPickedCountThreshold times in a row (the others leave the evicted
// set); if that drops all, use the picked ones. Called with h.mu held.
func (h *pdHealthChecker) filterEps(eps []string) []string {
	var out []string
	for _, ep := range eps {
		if n, ok := h.evicted[ep]; ok {
			if n < pdPickedCountThreshold {
				continue
			}
			delete(h.evicted, ep)
			h.env.Note("health: add evicted %s back", ep)
		}
		out = append(out, ep)
	}
	if len(out) == 0 {
		return eps
	}
	return out
}

// update is healthChecker.update: sync the member list, create a probe
// client for each new member, reset one unhealthy for HealthResetAfter, drop
// one unhealthy for pdOfflineFactor × that or no longer a member.
func (h *pdHealthChecker) update(ctx context.Context) {
	eps := h.syncURLs(ctx)
	if len(eps) == 0 {
		return
	}
	offline := pdOfflineFactor * h.cfg.HealthResetAfter
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ep := range eps {
		mc, ok := h.members[ep]
		if !ok {
			cli, err := h.newClient(ep)
			if err != nil {
				h.env.Note("health: client for %s: %v", ep, err)
				continue
			}
			h.members[ep] = &pdMemberClient{Client: cli, lastHealth: time.Now()}
			continue
		}
		since := time.Since(mc.lastHealth)
		if since > offline {
			h.env.Note("health: %s might be offline (%v since last healthy), removing it", ep, since.Round(time.Millisecond))
			h.removeLocked(ep)
			continue
		}
		if since > h.cfg.HealthResetAfter {
			h.env.Note("health: %s might be disconnected (%v since last healthy), reconnecting", ep, since.Round(time.Millisecond))
			resetClientEndpoints(mc.Client, ep)
		}
	}
	for ep := range h.members {
		if !slices.Contains(eps, ep) {
			h.removeLocked(ep)
		}
	}
}

func (h *pdHealthChecker) removeLocked(ep string) {
	if mc, ok := h.members[ep]; ok {
		mc.Close()
		delete(h.members, ep)
	}
	delete(h.evicted, ep)
}

// syncURLs lists the members through the guarded client (require-leader,
// serializable, DefaultRequestTimeout, clientv3's cluster retries) and returns
// the client URLs of started voting members.
func (h *pdHealthChecker) syncURLs(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), h.requestTimeout())
	defer cancel()
	resp, err := clientv3.RetryClusterClient(h.client).MemberList(ctx, &etcdserverpb.MemberListRequest{Linearizable: false})
	if err != nil {
		if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			h.env.Note("health: list members: %v", err)
		}
		return nil
	}
	var eps []string
	for _, m := range resp.Members {
		if m.Name == "" || m.IsLearner {
			continue
		}
		eps = append(eps, m.ClientURLs...)
	}
	return eps
}

func (h *pdHealthChecker) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ep := range h.members {
		h.removeLocked(ep)
	}
}

// sameEndpoints is typeutil.AreStringSlicesEquivalent: equal as sorted lists.
func sameEndpoints(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
