package harness

import (
	"context"
	"fmt"
	"sort"
)

// Target chooses members for a fault. It is resolved at the moment of
// injection, and the resolution is recorded.
type Target struct {
	kind string // leader, follower, member, all, quorum, watched, all-watched, connected
	n    int    // follower: nth (from 0) or -1 for a random one
	name string // member
}

// Targets.
var (
	// Leader is the member every running member agrees leads.
	Leader = Target{kind: "leader"}
	// AnyFollower is a running non-leader chosen with the cluster's seed.
	AnyFollower = Target{kind: "follower", n: -1}
	// All is every running member.
	All = Target{kind: "all"}
	// Quorum is a majority of the members: the running followers in member
	// order, then the leader.
	Quorum = Target{kind: "quorum"}
	// Watched is the member serving the watch of the client under test (in
	// a scenario, the advancer): of the members whose client proxy carries
	// an open gRPC Watch stream, the most current one (Cluster.WatchStreams
	// gives the order). One member, so that a fault meant for "the
	// advancer's member" keeps its meaning when a client spreads its
	// streams (stalling two of three members' disks would be a quorum loss).
	// A client with no Watch stream open (a poller, or one between two
	// per-wait streams once ResolveAgreed has waited for one) is watched
	// where its calls are answered: the running member whose proxy last
	// delivered DATA to it. Resolving fails, saying what the proxies saw,
	// when no running member has delivered anything.
	// Cluster.WaitWatched waits until the watch is known and current.
	Watched = Target{kind: "watched"}
	// AllWatched is every member whose client proxy carries an open Watch
	// stream, most current first.
	AllWatched = Target{kind: "all-watched"}
	// Connected is every member whose client proxy holds an open connection
	// of the client under test, in member order: the client links it really
	// uses, for client-link faults (a fault on a link the client never
	// dialled would never fire).
	Connected = Target{kind: "connected"}
)

// Follower is the nth running follower in member order, from 0.
func Follower(n int) Target { return Target{kind: "follower", n: n} }

// Named is the member with the given name.
func Named(name string) Target { return Target{kind: "member", name: name} }

func (t Target) String() string {
	switch t.kind {
	case "follower":
		if t.n >= 0 {
			return fmt.Sprintf("follower:%d", t.n)
		}
		return "follower"
	case "member":
		return t.name
	case "":
		return "leader"
	}
	return t.kind
}

// leaderWaitElections bounds, in election timeouts, how long ResolveAgreed
// waits for the members to agree on a leader. Right after a leader change
// the members' views differ for a moment (one still votes, one already
// follows); a role resolved then would fail for the cluster's timing, not
// the caller's.
const leaderWaitElections = 10

// ResolveAgreed is Resolve for a target resolved as a step acts: a role
// (leader, follower, quorum) first waits, up to 10 election timeouts, until
// the members agree on a leader; Watched and AllWatched wait as long for an
// open Watch stream (a client that opens a stream per wait, as clientv3 does
// when its last watcher on a stream goes, has none for a moment between
// waits), unless the client is a poller (answered reads, never a Watch
// stream); then it resolves as Resolve does, with its errors. Inject resolves
// this way.
func (c *Cluster) ResolveAgreed(ctx context.Context, t Target) ([]*Member, error) {
	switch t.kind {
	case "watched", "all-watched":
		wctx, cancel := context.WithTimeout(ctx, leaderWaitElections*c.Profile().Election)
		c.awaitWatchStream(wctx) // none in time: Resolve says what was seen
		cancel()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	case "leader", "", "follower", "quorum":
		if c.Leader() == nil {
			wctx, cancel := context.WithTimeout(ctx, leaderWaitElections*c.Profile().Election)
			_, _ = c.WaitLeader(wctx) // no agreement in time: Resolve says so
			cancel()
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	return c.Resolve(t)
}

// Resolve returns the members t selects now. Named members must be running;
// role targets only consider running members; Watched, AllWatched and
// Connected resolve from what the client proxies see now.
func (c *Cluster) Resolve(t Target) ([]*Member, error) {
	var running, followers []*Member
	lead := c.Leader()
	for _, m := range c.live() {
		if m.Running() {
			running = append(running, m)
			if m != lead {
				followers = append(followers, m)
			}
		}
	}
	switch t.kind {
	case "leader", "":
		if lead == nil {
			return nil, fmt.Errorf("target leader: no agreed leader (%s)", c.LeaderViews())
		}
		return []*Member{lead}, nil
	case "follower":
		if lead == nil {
			return nil, fmt.Errorf("target %v: no agreed leader, so no followers (%s)", t, c.LeaderViews())
		}
		if len(followers) == 0 {
			return nil, fmt.Errorf("target %v: no running follower", t)
		}
		if t.n < 0 {
			return []*Member{followers[c.randIntn(len(followers))]}, nil
		}
		if t.n >= len(followers) {
			return nil, fmt.Errorf("target %v: only %d running followers", t, len(followers))
		}
		return []*Member{followers[t.n]}, nil
	case "watched":
		return c.resolveWatched(t, false)
	case "all-watched":
		return c.resolveWatched(t, true)
	case "connected":
		return c.resolveConnected(t)
	case "all":
		if len(running) == 0 {
			return nil, fmt.Errorf("target all: no running member")
		}
		return running, nil
	case "quorum":
		need := len(c.live())/2 + 1
		sel := append([]*Member(nil), followers...)
		sort.Slice(sel, func(i, j int) bool { return sel[i].index < sel[j].index })
		if lead != nil {
			sel = append(sel, lead)
		}
		if len(sel) < need {
			return nil, fmt.Errorf("target quorum: need %d running members, have %d", need, len(sel))
		}
		return sel[:need], nil
	case "member":
		m, err := c.Member(t.name)
		if err != nil {
			return nil, err
		}
		if !m.Running() {
			return nil, fmt.Errorf("target %s: %w (%s)", m.name, ErrNotRunning, m.State())
		}
		return []*Member{m}, nil
	}
	return nil, fmt.Errorf("bad target %v", t)
}
