package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/harness/disk"
	"github.com/leaderfault/leaderfault/record"
)

// PointLeaderTransfer is the fault point the harness evaluates on every raft
// tick; when it returns a value, leadership moves: "follower" or "any" moves it
// to a random other member (seeded), a member name moves it there. Storms use
// terms such as 5*return("follower") or 10%return("any").
const PointLeaderTransfer = "leader-transfer"

// Leader returns the leader a quorum agrees on, or nil: a running member
// that sees itself as leader and that a majority of all members (itself
// included) see as leader. A deposed leader that still believes it leads, cut
// off from the others, is not it.
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
	votes := map[*Member]int{}
	var views []string
	for _, m := range c.live() {
		if !m.Running() {
			views = append(views, m.name+":"+string(m.State()))
			continue
		}
		l, term := m.SeenLeader()
		if l == nil {
			views = append(views, m.name+"→none")
			continue
		}
		views = append(views, fmt.Sprintf("%s→%s@%d", m.name, l.name, term))
		votes[l]++
	}
	s := strings.Join(views, " ")
	quorum := len(c.live())/2 + 1
	for l, n := range votes {
		if n < quorum || !l.Running() {
			continue
		}
		if self, _ := l.SeenLeader(); self == l {
			return l, s
		}
	}
	return nil, s
}

// WaitLeader waits until a quorum agrees on one leader (see Leader).
func (c *Cluster) WaitLeader(ctx context.Context) (*Member, error) {
	var l *Member
	err := c.await(ctx, "an agreed leader", func() (bool, string) {
		var s string
		l, s = c.agreedLeader()
		return l != nil, s
	})
	return l, err
}

// WaitNewLeader waits until a quorum agrees on a leader other than old (nil
// old means any leader).
func (c *Cluster) WaitNewLeader(ctx context.Context, old *Member) (*Member, error) {
	var l *Member
	err := c.await(ctx, fmt.Sprintf("a leader other than %v", old), func() (bool, string) {
		var s string
		l, s = c.agreedLeader()
		return l != nil && l != old, s
	})
	return l, err
}

// MoveLeader transfers leadership to the member to and waits until a quorum
// agrees on it. A transfer can lose a race with an ordinary election (a
// member whose election timer fires first, seen on a loaded machine); then
// the transfer is retried from whoever leads, a few times.
func (c *Cluster) MoveLeader(ctx context.Context, to *Member) error {
	if to == nil || to.c != c {
		return fmt.Errorf("move leader: member %v is not in this cluster", to)
	}
	if !to.Running() {
		return fmt.Errorf("move leader to %s: %w", to.name, ErrNotRunning)
	}
	start := time.Now()
	const attempts = 5
	var last error
	for i := 0; i < attempts; i++ {
		from, err := c.WaitLeader(ctx)
		if err != nil {
			return fmt.Errorf("move leader: %w", err)
		}
		if from == to {
			if i > 0 {
				c.rec.Add(record.KindLeaderMove, to.name, "in %v (%d attempts)", time.Since(start).Round(time.Microsecond), i)
			}
			return nil
		}
		s := from.server()
		if s == nil {
			last = fmt.Errorf("leader %s stopped", from.name)
			continue
		}
		// etcd's MoveLeader waits until the transferee leads, however long:
		// a transfer that lost the race to another member would hold it
		// until ctx ends (forever under a CLI's context). A few election
		// timeouts bound the attempt; the next one starts from whoever won.
		mctx, cancel := context.WithTimeout(ctx, 5*c.opts.Profile.Election)
		err = s.moveLeader(mctx, from.id, to.id)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("move leader %s→%s: %w", from.name, to.name, err)
			}
			last = fmt.Errorf("move leader %s→%s: %w", from.name, to.name, err)
			continue
		}
		// Wait for the new leader to be agreed, whoever it is; a few
		// election timeouts bound one attempt.
		wctx, cancel := context.WithTimeout(ctx, 5*c.opts.Profile.Election)
		var now *Member
		err = c.await(wctx, "leader "+to.name, func() (bool, string) {
			l, s := c.agreedLeader()
			now = l
			return l == to || (l != nil && l != from), s
		})
		cancel()
		if err == nil && now == to {
			c.rec.Add(record.KindLeaderMove, to.name, "from %s in %v", from.name, time.Since(start).Round(time.Microsecond))
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("move leader %s→%s: %w", from.name, to.name, ctx.Err())
		}
		if err != nil {
			last = fmt.Errorf("move leader %s→%s: %w", from.name, to.name, err)
		} else {
			last = fmt.Errorf("move leader %s→%s: %s won the election instead", from.name, to.name, now.name)
		}
	}
	return fmt.Errorf("move leader to %s: %d attempts failed; last: %w", to.name, attempts, last)
}

func (c *Cluster) registerPoints() error {
	return c.fps.Register(failpoints.Point{
		Name:        PointLeaderTransfer,
		Description: `evaluated every raft tick; return("follower"|"any"|"<member>") moves leadership`,
	})
}

func (c *Cluster) unregisterPoints() {
	c.fps.Unregister(PointLeaderTransfer)
	for _, m := range c.all() {
		for _, site := range disk.Sites() {
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
		for _, m := range c.live() {
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
