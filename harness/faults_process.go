package harness

import (
	"context"
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
