package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
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
		for _, m := range c.live() {
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
// member with its name and client URL. Each member's view is its own (what a
// serializable MemberList against it returns). A member whose view was whole
// once since it started is not read again: it stays whole, and reading it
// takes the membership lock, which an apply stuck behind a stalled disk may
// hold.
func (c *Cluster) waitMembership(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(c.live()))
	for i, m := range c.live() {
		m.mu.Lock()
		done := m.srv == nil || m.listsAll
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
		s := m.server()
		if s == nil {
			return fmt.Errorf("%s: %w", m.name, ErrNotRunning)
		}
		lacks, err := m.c.unlisted(ctx, s)
		if err == nil && len(lacks) == 0 {
			m.markListsAll(s)
			return nil
		}
		err = s.barrier(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("%s's membership lacks %s (no name or client URL): %w",
				m.name, strings.Join(lacks, ", "), ctx.Err())
		}
		if err == nil {
			if lacks, err := m.c.unlisted(ctx, s); err == nil && len(lacks) == 0 {
				m.markListsAll(s)
				return nil
			}
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
func (c *Cluster) unlisted(ctx context.Context, s server) ([]string, error) {
	known, err := s.membership(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, want := range c.live() {
		i := slices.IndexFunc(known, func(k memberView) bool { return k.id == want.id })
		if i < 0 || known[i].name != want.name || !slices.Contains(known[i].clientURLs, want.ClientURL()) {
			out = append(out, want.name)
		}
	}
	return out, nil
}

// markListsAll notes that the member, as started with server s, lists every
// member.
func (m *Member) markListsAll(s server) {
	m.mu.Lock()
	if m.srv == s {
		m.listsAll = true
	}
	m.mu.Unlock()
}
