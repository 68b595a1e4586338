package harness

import (
	"context"
	"fmt"

	"github.com/leaderfault/leaderfault/record"
)

// Crash hard-stops the member (no leadership transfer) and restarts it on heal.
type Crash struct{}

// Kind implements Fault.
func (Crash) Kind() string { return "crash" }

// Apply implements Fault.
func (Crash) Apply(_ context.Context, _ *Cluster, m *Member, fired func()) (Effect, error) {
	if err := m.Crash(); err != nil {
		return nil, err
	}
	fired()
	return restartOnHeal(m), nil
}

// Stop stops the member gracefully (a leader transfers leadership first) and
// restarts it on heal.
type Stop struct{}

// Kind implements Fault.
func (Stop) Kind() string { return "stop" }

// Apply implements Fault.
func (Stop) Apply(_ context.Context, _ *Cluster, m *Member, fired func()) (Effect, error) {
	if err := m.Stop(); err != nil {
		return nil, err
	}
	fired()
	return restartOnHeal(m), nil
}

func restartOnHeal(m *Member) Effect {
	return effectFunc(func(ctx context.Context) error {
		if m.Running() { // restarted by hand meanwhile
			return nil
		}
		return m.Restart(ctx)
	})
}

// Pause stops the member's process with SIGSTOP until healed (SIGCONT): it
// keeps its sockets and its place in the cluster, nothing errors, nothing
// answers — the fault of etcd-io/etcd#8980 and Jepsen's pause. Its peers
// elect a new leader after an election timeout; clients connected to it wait
// on a link that neither breaks nor speaks. It needs members that run as
// processes (Options.Release): an in-process member shares its process with
// everything else. It has fired once the kernel reports the process stopped.
type Pause struct{}

// Kind implements Fault.
func (Pause) Kind() string { return "pause" }

// Apply implements Fault.
func (Pause) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	p, ok := m.server().(*process)
	if !ok {
		if !m.Running() {
			return nil, fmt.Errorf("%s: %w", m.name, ErrNotRunning)
		}
		return nil, fmt.Errorf("pause needs members that run as processes (a cluster release, --etcd X.Y.Z); %s runs in this process, which SIGSTOP would stop whole", m.name)
	}
	if err := p.pause(ctx); err != nil {
		_ = p.resume()
		return nil, fmt.Errorf("pause %s: %w", m.name, err)
	}
	c.rec.Add(record.KindNote, m.name, "SIGSTOP: process %d stopped", p.cmd.Process.Pid)
	fired()
	return effectFunc(func(context.Context) error {
		if err := p.resume(); err != nil {
			return fmt.Errorf("resume %s: %w", m.name, err)
		}
		c.rec.Add(record.KindNote, m.name, "SIGCONT: process %d continued", p.cmd.Process.Pid)
		return nil
	}), nil
}

// Replace replaces the member (Cluster.Replace): it is stopped hard and
// removed from the membership, and a new member joins at new URLs on an empty
// data dir. It has fired when the new member serves, follows the leader and
// every membership lists it. Heal undoes nothing: a replaced member does not
// come back. A Replace that fails half-way leaves what it did (a member
// removed, or added and not serving): a membership change cannot be taken
// back.
type Replace struct{}

// Kind implements Fault.
func (Replace) Kind() string { return "replace" }

// Apply implements Fault.
func (Replace) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	if _, err := c.Replace(ctx, m); err != nil {
		return nil, err
	}
	fired()
	return effectFunc(func(context.Context) error { return nil }), nil
}
