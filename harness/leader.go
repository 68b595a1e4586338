package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/harness/record"
)

// PointLeaderTransfer is the fault point the harness evaluates on every raft
// tick; when it returns a value, leadership moves: "follower" or "any" moves it
// to a random other member (seeded), a member name moves it there. Storms use
// terms such as 5*return("follower") or 10%return("any").
const PointLeaderTransfer = "leader-transfer"

// Leader returns the leader every running member agrees on, or nil.
func (c *Cluster) Leader() *Member {
	l, _ := c.agreedLeader()
	return l
}

// LeaderViews describes who each member thinks leads, e.g. "m0→m1@3 m1→m1@3 m2:crashed".
func (c *Cluster) LeaderViews() string {
	_, s := c.agreedLeader()
	return s
}

func (c *Cluster) agreedLeader() (*Member, string) {
	var lead *Member
	agreed, any := true, false
	var views []string
	for _, m := range c.members {
		if !m.Running() {
			views = append(views, m.name+":"+string(m.State()))
			continue
		}
		l, term := m.SeenLeader()
		if l == nil {
			views = append(views, m.name+"→none")
			agreed = false
			continue
		}
		views = append(views, fmt.Sprintf("%s→%s@%d", m.name, l.name, term))
		if any && l != lead {
			agreed = false
		}
		lead, any = l, true
	}
	s := strings.Join(views, " ")
	if !agreed || lead == nil || !lead.Running() {
		return nil, s
	}
	if self, _ := lead.SeenLeader(); self != lead {
		return nil, s
	}
	return lead, s
}

// WaitLeader waits until every running member agrees on one leader.
func (c *Cluster) WaitLeader(ctx context.Context) (*Member, error) {
	var l *Member
	err := c.await(ctx, "an agreed leader", func() (bool, string) {
		var s string
		l, s = c.agreedLeader()
		return l != nil, s
	})
	return l, err
}

// WaitNewLeader waits until every running member agrees on a leader other than
// old (nil old means any leader).
func (c *Cluster) WaitNewLeader(ctx context.Context, old *Member) (*Member, error) {
	var l *Member
	err := c.await(ctx, fmt.Sprintf("a leader other than %v", old), func() (bool, string) {
		var s string
		l, s = c.agreedLeader()
		return l != nil && l != old, s
	})
	return l, err
}

// MoveLeader transfers leadership to the member to and waits until every
// running member agrees on it.
func (c *Cluster) MoveLeader(ctx context.Context, to *Member) error {
	if to == nil || to.c != c {
		return fmt.Errorf("move leader: member %v is not in this cluster", to)
	}
	if !to.Running() {
		return fmt.Errorf("move leader to %s: %w", to.name, ErrNotRunning)
	}
	from, err := c.WaitLeader(ctx)
	if err != nil {
		return fmt.Errorf("move leader: %w", err)
	}
	if from == to {
		return nil
	}
	s := from.Server()
	if s == nil {
		return fmt.Errorf("move leader: leader %s stopped", from.name)
	}
	start := time.Now()
	if err := s.MoveLeader(ctx, uint64(from.id), uint64(to.id)); err != nil {
		return fmt.Errorf("move leader %s→%s: %w", from.name, to.name, err)
	}
	err = c.await(ctx, "leader "+to.name, func() (bool, string) {
		l, s := c.agreedLeader()
		return l == to, s
	})
	if err != nil {
		return fmt.Errorf("move leader %s→%s: %w", from.name, to.name, err)
	}
	c.rec.Add(record.KindLeaderMove, to.name, "from %s in %v", from.name, time.Since(start).Round(time.Microsecond))
	return nil
}

func (c *Cluster) registerPoints() error {
	return c.fps.Register(failpoints.Point{
		Name:        PointLeaderTransfer,
		Description: `evaluated every raft tick; return("follower"|"any"|"<member>") moves leadership`,
	})
}

func (c *Cluster) unregisterPoints() {
	c.fps.Unregister(PointLeaderTransfer)
	for _, m := range c.members {
		for _, site := range diskSites {
			c.fps.Unregister(diskPointName(m.name, site))
		}
	}
}

// startTransferLoop evaluates PointLeaderTransfer once per tick.
func (c *Cluster) startTransferLoop() {
	ctx, cancel := context.WithCancel(context.Background())
	c.stopTransfer = cancel
	c.transferDone = make(chan struct{})
	go func() {
		defer close(c.transferDone)
		t := time.NewTicker(c.opts.Profile.Tick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			v, active := c.fps.Eval(PointLeaderTransfer)
			if !active {
				continue
			}
			target, _ := v.(string)
			if err := c.transferTo(ctx, target); err != nil {
				c.rec.Add(record.KindNote, "", "%s: %v", PointLeaderTransfer, err)
			}
		}
	}()
}

func (c *Cluster) transferTo(ctx context.Context, target string) error {
	lead := c.Leader()
	if lead == nil {
		return fmt.Errorf("no agreed leader to move")
	}
	var to *Member
	switch target {
	case "follower", "any", "":
		var cands []*Member
		for _, m := range c.members {
			if m != lead && m.Running() {
				cands = append(cands, m)
			}
		}
		if len(cands) == 0 {
			return fmt.Errorf("no running follower")
		}
		to = cands[c.randIntn(len(cands))]
	default:
		m, err := c.Member(target)
		if err != nil {
			return err
		}
		to = m
	}
	ctx, cancel := context.WithTimeout(ctx, 5*c.opts.Profile.Election)
	defer cancel()
	return c.MoveLeader(ctx, to)
}
