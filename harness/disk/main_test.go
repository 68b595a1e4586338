package disk

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// helperEnv makes the test binary a parent that mounts, reports the server's
// pid on stdout and waits to be killed (see TestKilledParent).
const (
	helperEnv      = "LEADERFAULT_DISK_TEST_HELPER"
	helperBacking  = "LEADERFAULT_DISK_TEST_BACKING"
	helperMount    = "LEADERFAULT_DISK_TEST_MOUNT"
	helperIdle     = "idle"
	helperStalled  = "stalled" // a write of the helper's is paused when it is killed
	stalledFile    = "stalled-write"
	testWaitBudget = 10 * time.Second
)

func TestMain(m *testing.M) {
	// The disk server itself never gets here: this package's init serves and exits.
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	goleak.VerifyTestMain(m)
}

func runHelper(mode string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	hits := newHitCounter()
	ctx, cancel := context.WithTimeout(context.Background(), testWaitBudget)
	defer cancel()
	m, err := Mount(ctx, os.Getenv(helperBacking), os.Getenv(helperMount), hits.add)
	if err != nil {
		return fail(err)
	}
	if mode == helperStalled {
		if err := m.Enable(SiteWrite, "pause"); err != nil {
			return fail(err)
		}
		f, err := os.Create(filepath.Join(m.Mountpoint(), stalledFile))
		if err != nil {
			return fail(err)
		}
		go f.Write([]byte("never written")) //nolint:errcheck // stalls until the process dies
		if err := hits.await(ctx, SiteWrite, 1); err != nil {
			return fail(err)
		}
	}
	fmt.Printf("ready %d\n", m.cmd.Process.Pid)
	_, _ = io.Copy(io.Discard, os.Stdin) // until killed, or the test drops stdin
	return 0
}

// hitCounter collects onHit calls; await waits for them without sleeping.
type hitCounter struct {
	mu      sync.Mutex
	counts  map[Site]int
	changed chan struct{} // closed and replaced on every hit
}

func newHitCounter() *hitCounter {
	return &hitCounter{counts: map[Site]int{}, changed: make(chan struct{})}
}

func (h *hitCounter) add(s Site) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[s]++
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *hitCounter) count(s Site) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[s]
}

// await waits until site has at least n hits.
func (h *hitCounter) await(ctx context.Context, s Site, n int) error {
	for {
		h.mu.Lock()
		got, changed := h.counts[s], h.changed
		h.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d hits on %s, have %d: %w", n, s, got, ctx.Err())
		}
	}
}

// mountT mounts a fresh backing directory for a test and closes it at cleanup,
// checking that nothing of the mount is left.
func mountT(t *testing.T) (*Mounted, *hitCounter) {
	t.Helper()
	SkipUnlessUsable(t)
	backing, mnt := t.TempDir(), t.TempDir()
	hits := newHitCounter()
	ctx, cancel := context.WithTimeout(context.Background(), testWaitBudget)
	defer cancel()
	m, err := Mount(ctx, backing, mnt, hits.add)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, m.Close())
		mounted, err := isMounted(m.Mountpoint())
		require.NoError(t, err)
		require.False(t, mounted, "mount %s left after Close", m.Mountpoint())
	})
	return m, hits
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testWaitBudget)
	t.Cleanup(cancel)
	return ctx
}
