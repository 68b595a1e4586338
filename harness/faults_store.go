package harness

import (
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/harness/disk"
	"github.com/leaderfault/leaderfault/record"
)

// Compact compacts the cluster's history up to its current revision,
// physically, through the member it is applied to (as an operator, or the
// Kubernetes apiserver's compactor every 5 minutes, does). It takes effect
// when the compaction passes the newest revision the advancer has observed:
// a watch the advancer resumes from there is then cancelled with
// ErrCompacted (docs/facts.md §3.13). Healing it does nothing.
type Compact struct{}

// Kind implements Fault.
func (Compact) Kind() string { return "compact" }

// Apply implements Fault.
func (Compact) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	cli, err := m.DirectClient()
	if err != nil {
		return nil, err
	}
	resp, err := cli.Get(ctx, "compact-probe", clientv3.WithCountOnly())
	if err != nil {
		return nil, fmt.Errorf("compact: current revision: %w", err)
	}
	rev := resp.Header.Revision
	if _, err := cli.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		return nil, fmt.Errorf("compact at revision %d: %w", rev, err)
	}
	seen := newestAdvance(c.rec.Events())
	c.rec.Add(record.KindNote, m.name, "compacted the history to revision %d; the advancer last observed revision %d", rev, seen)
	if rev > seen {
		fired()
	}
	return effectFunc(func(context.Context) error { return nil }), nil
}

// newestAdvance is the revision of the newest value the advancer observed.
func newestAdvance(ev []record.Event) int64 {
	var rev int64
	var val uint64
	for _, e := range ev {
		if e.Kind == record.KindAdvance && e.Value > val {
			val, rev = e.Value, e.Revision
		}
	}
	return rev
}

// Fill writes mib MiB of live data into the cluster, as keys
// "leaderfault-fill/NNNN" of 1 MiB each through the leader, so that a later
// defragmentation has something to copy (Defrag). Writing a key that
// exists again replaces it: the live data stays mib MiB.
func (c *Cluster) Fill(ctx context.Context, mib int) error {
	l, err := c.WaitLeader(ctx)
	if err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	cli, err := l.DirectClient()
	if err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	val := string(make([]byte, 1<<20))
	for i := range mib {
		if _, err := cli.Put(ctx, fmt.Sprintf("leaderfault-fill/%04d", i), val); err != nil {
			return fmt.Errorf("fill: key %d of %d: %w", i+1, mib, err)
		}
	}
	c.rec.Add(record.KindNote, l.name, "filled the cluster with %d MiB of live data", mib)
	return nil
}

// Defrag defragments the member's backend, as an operator's `etcdctl
// defrag` or a maintenance job does. etcd holds the member's backend for the
// whole defragmentation: no entry is applied, no read answered and no watch
// event sent from that member until it ends, while raft goes on. How long
// that is depends on the live data it copies (Cluster.Fill; a cluster line's
// data=N). It has fired once the defragmentation is done; the record says how
// long it took and the database size before and after. Healing it waits for
// the defragmentation to end.
type Defrag struct {
	// Hold, when set, holds the defragmentation at the creation of its temp
	// file for this long, once it holds the backend (disk site defrag): a
	// defragmentation of at least Hold whatever the data and the machine,
	// as a large database on a slow disk takes (etcd-io/etcd#20952: 15 s
	// for 4.1 GB). It needs the cluster's Disk option.
	Hold time.Duration
}

// Kind implements Fault.
func (Defrag) Kind() string { return "defrag" }

func (f Defrag) String() string {
	if f.Hold > 0 {
		return fmt.Sprintf("defrag hold=%v", f.Hold)
	}
	return "defrag"
}

// Apply implements Fault.
func (f Defrag) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	cli, err := m.DirectClient()
	if err != nil {
		return nil, err
	}
	ep := cli.Endpoints()[0]
	before, err := cli.Status(ctx, ep)
	if err != nil {
		return nil, fmt.Errorf("defrag: status of %s: %w", m.name, err)
	}
	release := func() {}
	if f.Hold > 0 {
		if release, err = holdDefrag(c, m, f.Hold); err != nil {
			return nil, err
		}
	}
	done := make(chan error, 1)
	go func() {
		defer release()
		t0 := time.Now()
		_, err := cli.Defragment(c.life, ep)
		took := time.Since(t0)
		if err != nil {
			c.rec.Add(record.KindNote, m.name, "defragmentation failed after %v: %v", took.Round(time.Millisecond), err)
			done <- err
			return
		}
		sctx, cancel := context.WithTimeout(c.life, 5*time.Second)
		after, serr := cli.Status(sctx, ep)
		cancel()
		size := "?"
		if serr == nil {
			size = fmt.Sprintf("%.1f", float64(after.DbSize)/(1<<20))
		}
		c.rec.Add(record.KindNote, m.name, "defragmented in %v: database %.1f MiB (%.1f in use) before, %s MiB after",
			took.Round(time.Millisecond), float64(before.DbSize)/(1<<20), float64(before.DbSizeInUse)/(1<<20), size)
		fired()
		done <- nil
	}()
	return effectFunc(func(ctx context.Context) error {
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			release()
			return fmt.Errorf("defrag of %s still running: %w", m.name, ctx.Err())
		}
	}), nil
}

// holdDefrag arms m's defrag disk site with pause and, once a
// defragmentation is held there, releases it hold later. The returned
// release disarms it at once (idempotent): when the defragmentation ends,
// whatever ended it.
func holdDefrag(c *Cluster, m *Member, hold time.Duration) (release func(), err error) {
	if m.disk == nil {
		return nil, fmt.Errorf("defrag hold=%v: the member's data dir is not on a fault mount (cluster disk=true): %v", hold, DiskAvailable())
	}
	name := diskPointName(m.name, disk.SiteDefrag)
	mark := c.rec.Len()
	if err := c.fps.Enable(name, "pause"); err != nil {
		return nil, err
	}
	var once sync.Once
	held, stop := context.WithCancel(c.life)
	release = func() {
		once.Do(func() {
			stop()
			if err := c.fps.Disable(name); err != nil {
				c.rec.Add(record.KindNote, m.name, "defrag hold: %v", err)
			}
		})
	}
	go func() {
		if _, err := c.rec.Wait(held, mark, func(e record.Event) bool {
			return e.Kind == record.KindFailpointHit && e.Name == name
		}); err != nil {
			return
		}
		c.rec.Add(record.KindNote, m.name, "defragmentation holds the backend; held at its temp file for %v", hold)
		t := time.NewTimer(hold)
		defer t.Stop()
		select {
		case <-t.C:
			release()
		case <-held.Done():
		}
	}()
	return release, nil
}
