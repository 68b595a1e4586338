package harness

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/etcdserver/api/membership"
	"go.uber.org/zap"

	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/harness/release"
	"github.com/leaderfault/leaderfault/record"
)

// Cluster is an embedded etcd cluster with fault injection. Create it with
// Start or StartT; Close releases everything it made.
type Cluster struct {
	opts  Options
	rec   *record.Recorder
	fps   *failpoints.Registry
	dir   string // one temp dir holding every data dir and mount
	token string
	// members is the membership, in the order of the members it replaced
	// (Replace puts a new member in the old one's place); never changed in
	// place, so a reader's copy stays whole. retired holds the members
	// replaced since, for Close.
	members atomic.Pointer[[]*Member]
	retired []*Member // guarded by mu
	made    int       // members ever made: the next one's index; guarded by mu

	replacing sync.Mutex // one Replace at a time
	logs      *logBuffer
	etcdBin   string // the release's etcd binary with Options.Release

	mu      sync.Mutex
	changed signal // notified on any leader or member change
	rng     *rand.Rand
	faults  *faultSet

	// watchChanged is notified when a Watch stream on a client proxy
	// opens, closes or delivers a response.
	watchChanged signal

	tb             testing.TB // set by StartT: HealAll is registered as its cleanup
	healRegistered bool

	reaperc chan *reaper    // the reaper, which removes dir if this process dies without Close
	life    context.Context // ends when Close starts: background work of faults stops
	endLife context.CancelFunc

	stopTransfer context.CancelFunc
	transferDone chan struct{}
	closeOnce    sync.Once
	closeErr     error
}

// StartT starts a cluster for a test and registers its Close as a cleanup.
// Etcd's warnings are written to the test log when the test fails.
func StartT(tb testing.TB, opts Options) *Cluster {
	tb.Helper()
	if opts.Logf == nil {
		opts.Logf = tb.Logf
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		tb.Fatalf("harness: %v", err)
	}
	c.mu.Lock()
	c.tb = tb
	c.mu.Unlock()
	tb.Cleanup(func() {
		if tb.Failed() {
			c.dumpLogs()
		}
		if err := c.Close(); err != nil {
			tb.Errorf("harness: close: %v", err)
		}
	})
	return c
}

// Start starts a cluster and returns when it is ready: every member serves,
// all agree on one leader, and every member's membership lists every member
// with its name and client URL (so a serializable MemberList against any
// member returns them all). On error nothing is left behind.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	opts, err = opts.withDefaults()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "leaderfault-")
	if err != nil {
		return nil, fmt.Errorf("harness: temp dir: %w", err)
	}
	c := &Cluster{
		opts: opts, rec: opts.Recorder, fps: opts.Failpoints, dir: dir,
		token: "leaderfault-" + filepath.Base(dir),
		logs:  &logBuffer{max: 2000},
		rng:   rand.New(rand.NewSource(opts.Seed)),
	}
	c.faults = newFaultSet(c)
	c.life, c.endLife = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if opts.Release != "" {
		if c.etcdBin, err = release.Binary(ctx, opts.Release); err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
	}
	// Start the reaper alongside the members: fork+exec of a large test
	// binary costs a few milliseconds that a start need not wait for.
	reaperc := make(chan *reaper, 1)
	go func() {
		r, rerr := startReaper(dir)
		if rerr != nil {
			c.rec.Add(record.KindNote, "", "no reaper for %s (a killed process would leave it): %v", dir, rerr)
		}
		reaperc <- r
	}()
	c.reaperc = reaperc
	for i := 0; i < opts.Members; i++ {
		m, err := c.newMember(i)
		if err != nil {
			return nil, err
		}
		ms := append(slices.Clone(c.live()), m)
		c.members.Store(&ms)
		c.made++
	}
	for _, m := range c.live() {
		urls, _ := types.NewURLs([]string{m.PeerURL()})
		m.id = membership.NewMember(m.name, urls, c.token, nil).ID
	}
	if opts.Disk {
		if err := c.mountDisks(ctx); err != nil {
			return nil, err
		}
	}
	if err := c.registerPoints(); err != nil {
		return nil, err
	}
	// Start every member at once: while a member is not serving yet its peer
	// proxy resets connections, so the others' bootstrap probes fail fast
	// instead of waiting out etcd's 1 s bootstrap timeout.
	errs := make([]error, len(c.live()))
	var wg sync.WaitGroup
	for i, m := range c.live() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.start(true)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, m := range c.live() {
		c.rec.Add(record.KindMemberStart, m.name, "client %s peer %s data %s", m.ClientURL(), m.PeerURL(), m.dataDir)
		if err := m.waitReady(ctx); err != nil {
			return nil, err
		}
	}
	if err := c.waitAllFollow(ctx); err != nil {
		return nil, err
	}
	if err := c.waitMembership(ctx); err != nil {
		return nil, err
	}
	l, err := c.WaitLeader(ctx)
	if err != nil {
		return nil, err
	}
	c.rec.Add(record.KindClusterReady, "", "%d members, profile %s, etcd %s, leader %s", len(c.live()), opts.Profile.Name, c.EtcdDescription(), l.name)
	c.startTransferLoop()
	return c, nil
}

// newMember makes member m<i>: its proxies, not yet started.
func (c *Cluster) newMember(i int) (*Member, error) {
	name := fmt.Sprintf("m%d", i)
	seed := c.opts.Seed + int64(i)*2
	m := &Member{c: c, name: name, index: i, state: StateNew, dataDir: filepath.Join(c.dir, name)}
	var err error
	if m.peer, err = newProxy(name+"/peer", name, true, seed); err != nil {
		return nil, err
	}
	if m.client, err = newProxy(name+"/client", name, false, seed+1); err != nil {
		m.peer.close()
		return nil, err
	}
	if m.upstream, err = newProxy(name+"/upstream", name, false, 0); err != nil {
		m.peer.close()
		m.client.close()
		return nil, err
	}
	m.peer.peerName = c.nameOfHex
	m.peer.rules = c.faults.peerRule
	m.client.rules = c.faults.clientRule
	m.client.observer = newObserver(name, c.rec, c.watchChanged.Notify)
	return m, nil
}

// Close stops every member, removes every fault, mount, proxy and the temp
// dir. It is safe to call more than once.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		var errs []error
		c.endLife()
		if c.stopTransfer != nil {
			c.stopTransfer()
			<-c.transferDone
		}
		c.faults.release()
		_ = c.fps.DisableAll()
		var wg sync.WaitGroup
		for _, m := range c.all() {
			if m.Running() {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Crash-stop: a graceful stop would transfer leadership
					// to members that are themselves going away.
					_ = m.shutdown(true)
				}()
			}
		}
		wg.Wait()
		for _, m := range c.all() {
			for _, p := range m.proxies() {
				p.close()
			}
			for _, p := range m.ports {
				p.release()
			}
		}
		errs = append(errs, c.unmountDisks())
		c.unregisterPoints()
		if err := os.RemoveAll(c.dir); err != nil {
			errs = append(errs, fmt.Errorf("harness: remove %s: %w", c.dir, err))
		}
		if c.reaperc != nil {
			(<-c.reaperc).stop()
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

func (c *Cluster) dumpLogs() {
	if c.opts.Logf == nil {
		return
	}
	lines := c.logs.dump()
	c.opts.Logf("etcd warnings and errors (%d lines):\n%s", len(lines), strings.Join(lines, "\n"))
	c.opts.Logf("timeline:\n%s", c.rec.Timeline())
}

// Release is the etcd release its members run as processes, or "" when
// they run in this process (Options.Release).
func (c *Cluster) Release() string { return c.opts.Release }

// EtcdDescription says which etcd the members are and how they run:
// "3.7.3 in process" or "3.6.16 as processes".
func (c *Cluster) EtcdDescription() string {
	if c.opts.Release != "" {
		return c.opts.Release + " as processes"
	}
	return EtcdVersion() + " in process"
}

// Recorder is the cluster's event record.
func (c *Cluster) Recorder() *record.Recorder { return c.rec }

// Failpoints is the cluster's fault-point registry.
func (c *Cluster) Failpoints() *failpoints.Registry { return c.fps }

// Profile is the cluster's raft timing.
func (c *Cluster) Profile() Profile { return c.opts.Profile }

// Seed is the seed of the cluster's random choices.
func (c *Cluster) Seed() int64 { return c.opts.Seed }

// Dir is the temp dir holding the members' data; removed by Close.
func (c *Cluster) Dir() string { return c.dir }

// Members returns the members: in index order, but for those that replaced
// another (Replace), which are in its place.
func (c *Cluster) Members() []*Member { return append([]*Member(nil), c.live()...) }

// live is the membership now; the caller must not change it.
func (c *Cluster) live() []*Member {
	if p := c.members.Load(); p != nil {
		return *p
	}
	return nil
}

// all is every member ever made: the membership and those it replaced.
func (c *Cluster) all() []*Member {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(append([]*Member(nil), c.live()...), c.retired...)
}

// Member returns the member with the given name ("m1") or index ("1").
func (c *Cluster) Member(name string) (*Member, error) {
	for _, m := range c.live() {
		if m.name == name || fmt.Sprint(m.index) == name {
			return m, nil
		}
	}
	names := make([]string, len(c.live()))
	for i, m := range c.live() {
		names[i] = m.name
	}
	return nil, fmt.Errorf("unknown member %q; members: %s", name, strings.Join(names, ", "))
}

// Endpoints returns every member's client URL, through the client-link proxies.
func (c *Cluster) Endpoints() []string {
	out := make([]string, len(c.live()))
	for i, m := range c.live() {
		out[i] = m.ClientURL()
	}
	return out
}

// UpstreamEndpoints returns every member's upstream URL (see
// Member.UpstreamURL): client endpoints that client-link faults never touch.
func (c *Cluster) UpstreamEndpoints() []string {
	out := make([]string, len(c.live()))
	for i, m := range c.live() {
		out[i] = m.UpstreamURL()
	}
	return out
}

// NewClient returns a client through the proxies. Empty Endpoints means all
// members; a nil Logger means none; zero DialTimeout means 2 s.
func (c *Cluster) NewClient(cfg clientv3.Config) (*clientv3.Client, error) {
	if len(cfg.Endpoints) == 0 {
		cfg.Endpoints = c.Endpoints()
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 2 * time.Second
	}
	return clientv3.New(cfg)
}

func (c *Cluster) initialCluster() string {
	parts := make([]string, len(c.live()))
	for i, m := range c.live() {
		parts[i] = m.name + "=" + m.PeerURL()
	}
	return strings.Join(parts, ",")
}

func (c *Cluster) byID(id uint64) *Member {
	for _, m := range c.live() {
		if uint64(m.id) == id {
			return m
		}
	}
	return nil
}

func (c *Cluster) nameOf(id uint64) string {
	if id == 0 {
		return ""
	}
	if m := c.byID(id); m != nil {
		return m.name
	}
	return types.ID(id).String()
}

func (c *Cluster) nameOfHex(hex string) string {
	id, err := types.IDFromString(hex)
	if err != nil {
		return unknownPeer
	}
	if m := c.byID(uint64(id)); m != nil {
		return m.name
	}
	return unknownPeer
}

// notify wakes everyone waiting for a change of leaders or member states.
func (c *Cluster) notify() { c.changed.Notify() }

// await calls check after every change until it reports done or ctx ends.
func (c *Cluster) await(ctx context.Context, what string, check func() (bool, string)) error {
	for {
		ch := c.changed.C()
		done, state := check()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last seen: %s)", what, ctx.Err(), state)
		}
	}
}

func (c *Cluster) randIntn(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.Intn(n)
}
