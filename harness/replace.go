package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/types"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/record"
)

// StateRemoved is the state of a member Replace took out of the cluster.
const StateRemoved MemberState = "removed"

// Replace replaces a member the way an operator replaces a lost machine
// (etcd's runtime reconfiguration): old is stopped hard, removed from the
// membership, and a new member is added at new URLs and started on an empty
// data dir to join the running cluster (--initial-cluster-state existing).
// The new member takes the next name (m3 in a cluster of three), its own
// proxies, and its own mount with Options.Disk; it takes old's place in
// Members. old stays down for good, its proxies refusing nothing but leading
// nowhere, like an address whose machine is gone. Replace returns when the
// new member serves, follows the agreed leader and every member's membership
// lists it with its name and client URL.
func (c *Cluster) Replace(ctx context.Context, old *Member) (*Member, error) {
	c.replacing.Lock()
	defer c.replacing.Unlock()
	if !slices.Contains(c.live(), old) {
		return nil, fmt.Errorf("replace %s: not a member of the cluster", old.name)
	}
	if old.Running() {
		if err := old.Crash(); err != nil && !errors.Is(err, ErrNotRunning) {
			return nil, fmt.Errorf("replace %s: %w", old.name, err)
		}
	}
	via, err := c.reconfigVia(old)
	if err != nil {
		return nil, fmt.Errorf("replace %s: %w", old.name, err)
	}
	if err := c.untilHealthy(ctx, func() error { _, err := via.MemberRemove(ctx, uint64(old.id)); return err }); err != nil {
		return nil, fmt.Errorf("replace %s: member remove: %w", old.name, err)
	}
	old.mu.Lock()
	old.state = StateRemoved
	old.mu.Unlock()
	c.rec.Add(record.KindMemberRemove, old.name, "removed from the membership (id %s)", old.id)

	c.mu.Lock()
	index := c.made
	c.made++
	c.mu.Unlock()
	m, err := c.newMember(index)
	if err != nil {
		return nil, fmt.Errorf("replace %s: %w", old.name, err)
	}
	// Not a member yet: retired, so that Close releases it whatever happens.
	c.mu.Lock()
	c.retired = append(c.retired, m)
	c.mu.Unlock()
	if c.opts.Disk {
		if err := c.mountDisk(ctx, m); err != nil {
			return nil, fmt.Errorf("replace %s: %w", old.name, err)
		}
	}
	id, err := c.memberAdd(ctx, via, m)
	if err != nil {
		return nil, fmt.Errorf("replace %s: member add %s: %w", old.name, m.name, err)
	}
	m.id = id
	c.swap(old, m)
	if err := m.start(false); err != nil {
		return nil, fmt.Errorf("replace %s: %w", old.name, err)
	}
	c.rec.Add(record.KindMemberAdd, m.name, "replaces %s (id %s): client %s peer %s data %s", old.name, m.id, m.ClientURL(), m.PeerURL(), m.dataDir)
	if err := m.waitJoined(ctx); err != nil {
		return nil, fmt.Errorf("replace %s: %w", old.name, err)
	}
	return m, nil
}

// reconfigVia is a client of a running member other than old, for the
// membership changes: the harness's own, which bypasses the proxies.
func (c *Cluster) reconfigVia(old *Member) (*clientv3.Client, error) {
	for _, m := range c.live() {
		if m == old || !m.Running() {
			continue
		}
		if cli, err := m.DirectClient(); err == nil {
			return cli, nil
		}
	}
	return nil, errors.New("no other member is running")
}

// memberAdd adds m's peer URL to the membership through via and returns
// the ID etcd gave it.
func (c *Cluster) memberAdd(ctx context.Context, via *clientv3.Client, m *Member) (types.ID, error) {
	var id types.ID
	err := c.untilHealthy(ctx, func() error {
		resp, err := via.MemberAdd(ctx, []string{m.PeerURL()})
		if err == nil {
			id = types.ID(resp.Member.ID)
		}
		return err
	})
	return id, err
}

// untilHealthy calls change, a membership change, until etcd no longer
// refuses it as unhealthy. etcd (strict reconfiguration check, on by
// default) refuses an add or a remove until the member asked has been
// connected for 5 s (etcdserver HealthInterval) to a quorum of what the
// membership will be (docs/facts.md §11.9): in a cluster that just started,
// or just lost a member, that is a wait. Tried again every tick.
func (c *Cluster) untilHealthy(ctx context.Context, change func() error) error {
	for {
		err := change()
		if err == nil || !errors.Is(err, rpctypes.ErrUnhealthy) {
			return err
		}
		t := time.NewTimer(c.opts.Profile.Tick)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w; until then refused: %w (etcd changes the membership only once the member asked has been connected to a quorum for 5s)", ctx.Err(), err)
		}
	}
}

// swap puts m in old's place in the membership and retires old. The
// membership changed, so no member's view is known to list it any more.
func (c *Cluster) swap(old, m *Member) {
	c.mu.Lock()
	ms := slices.Clone(c.live())
	ms[slices.Index(ms, old)] = m
	c.members.Store(&ms)
	c.retired = slices.DeleteFunc(c.retired, func(x *Member) bool { return x == m })
	c.retired = append(c.retired, old)
	c.mu.Unlock()
	for _, x := range ms {
		x.mu.Lock()
		x.listsAll = false
		x.mu.Unlock()
	}
}
