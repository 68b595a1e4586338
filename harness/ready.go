package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/server/v3/etcdserver"
	"go.etcd.io/etcd/server/v3/etcdserver/api/membership"
)

// A member's ReadyNotify closes once its own published attributes (name,
// client URLs) are applied on itself. The other members apply that entry
// when they next learn the commit index, so right after every member is
// "ready" one of them may still list another without a name or client URLs,
// and a serializable MemberList against it says so. Ready here therefore
// also means that every running member's own membership lists every member.

// waitAllFollow waits until every running member sees the same leader, which
// sees itself as leader.
func (c *Cluster) waitAllFollow(ctx context.Context) error {
	return c.await(ctx, "every member to agree on one leader", func() (bool, string) {
		var lead *Member
		for _, m := range c.members {
			if !m.Running() {
				continue
			}
			l, _ := m.SeenLeader()
			if l == nil || (lead != nil && l != lead) {
				return false, c.LeaderViews()
			}
			lead = l
		}
		if lead == nil || !lead.Running() {
			return false, c.LeaderViews()
		}
		self, _ := lead.SeenLeader()
		return self == lead, c.LeaderViews()
	})
}

// waitFollows waits until a quorum agrees on a leader and m sees it too.
func (c *Cluster) waitFollows(ctx context.Context, m *Member) error {
	return c.await(ctx, m.name+" to follow the agreed leader", func() (bool, string) {
		l, s := c.agreedLeader()
		seen, _ := m.SeenLeader()
		return l != nil && seen == l, s
	})
}

// waitMembership waits until every running member's membership lists every
// member with its name and client URL. Each member's view is read in
// process: it is what a serializable MemberList against the member returns
// (etcdserver's MemberList reads the same s.cluster.Members()), without a
// client connection that a client-link fault could hold up. A member whose
// view was whole once since it started is not read again: it stays whole,
// and reading it takes the membership lock, which an apply stuck behind a
// stalled disk may hold.
func (c *Cluster) waitMembership(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(c.members))
	for i, m := range c.members {
		m.mu.Lock()
		done := m.etcd == nil || m.listsAll
		m.mu.Unlock()
		if done {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.waitKnowsAll(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// waitKnowsAll waits until m's membership lists every member of the cluster.
// A view already whole returns at once. Otherwise a linearizable read barrier
// (ReadIndex) returns once m has applied everything committed when the
// leader confirmed it; every attribute publish that a ReadyNotify has seen
// applied is among that. Should the view still lack someone (a publish not
// yet committed), the barrier is repeated once per raft tick until ctx ends.
func (m *Member) waitKnowsAll(ctx context.Context) error {
	for {
		s := m.Server()
		if s == nil {
			return fmt.Errorf("%s: %w", m.name, ErrNotRunning)
		}
		lacks := m.c.unlisted(s)
		if len(lacks) == 0 {
			m.markListsAll(s)
			return nil
		}
		err := s.LinearizableReadNotify(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("%s's membership lacks %s (no name or client URL): %w",
				m.name, strings.Join(lacks, ", "), ctx.Err())
		}
		if err == nil && len(m.c.unlisted(s)) == 0 {
			m.markListsAll(s)
			return nil
		}
		t := time.NewTimer(m.c.opts.Profile.Tick)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
}

// unlisted names the members that s's membership lacks or lists without
// their name or client URL.
func (c *Cluster) unlisted(s *etcdserver.EtcdServer) []string {
	known := s.Cluster().Members()
	var out []string
	for _, want := range c.members {
		i := slices.IndexFunc(known, func(k *membership.Member) bool { return k.ID == want.id })
		if i < 0 || known[i].Name != want.name || !slices.Contains(known[i].ClientURLs, want.ClientURL()) {
			out = append(out, want.name)
		}
	}
	return out
}

// markListsAll notes that the member, as started with server s, lists every
// member.
func (m *Member) markListsAll(s *etcdserver.EtcdServer) {
	m.mu.Lock()
	if m.etcd != nil && m.etcd.Server == s {
		m.listsAll = true
	}
	m.mu.Unlock()
}
