package disk

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coldFile writes content into the backing directory, behind the mount's
// back, so the kernel has none of it cached: the first read through the mount
// reaches the server.
func coldFile(t *testing.T, m *Mounted, name, content string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(m.Backing(), name), []byte(content), 0o644))
	return filepath.Join(m.Mountpoint(), name)
}

func TestReadPauseHoldsReadUntilDisable(t *testing.T) {
	m, hits := mountT(t)
	f, err := os.Open(coldFile(t, m, "wal", "entry 1"))
	require.NoError(t, err)
	defer f.Close()

	require.NoError(t, m.Enable(SiteRead, "pause"))
	type result struct {
		data string
		err  error
	}
	read := make(chan result, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := f.ReadAt(buf, 0)
		if n > 0 {
			err = nil // io.EOF after a short read
		}
		read <- result{string(buf[:n]), err}
	}()
	require.NoError(t, hits.await(waitCtx(t), SiteRead, 1))
	select {
	case r := <-read:
		t.Fatalf("read finished under pause: %+v", r)
	default:
	}

	require.NoError(t, m.Disable(SiteRead))
	select {
	case r := <-read:
		require.NoError(t, r.err)
		assert.Equal(t, "entry 1", r.data)
	case <-waitCtx(t).Done():
		t.Fatal("read still held after Disable")
	}
}

func TestOpenPauseHoldsOpenUntilDisable(t *testing.T) {
	m, hits := mountT(t)
	path := coldFile(t, m, "snap", "x")
	require.NoError(t, m.Enable(SiteOpen, "pause"))
	opened := make(chan error, 1)
	go func() {
		f, err := os.Open(path)
		if err == nil {
			err = f.Close()
		}
		opened <- err
	}()
	require.NoError(t, hits.await(waitCtx(t), SiteOpen, 1))
	select {
	case err := <-opened:
		t.Fatalf("open finished under pause (err %v)", err)
	default:
	}
	// A stat is no open: it answers while opens hang.
	_, err := os.Stat(path)
	require.NoError(t, err)
	entries, err := os.ReadDir(m.Mountpoint())
	require.NoError(t, err)
	assert.Len(t, entries, 1)

	require.NoError(t, m.Disable(SiteOpen))
	select {
	case err := <-opened:
		require.NoError(t, err)
	case <-waitCtx(t).Done():
		t.Fatal("open still held after Disable")
	}
}

// Teardown must never leave a mount behind, also with a read held: Close
// releases it, then unmounts.
func TestCloseReleasesHeldRead(t *testing.T) {
	SkipUnlessUsable(t)
	hits := newHitCounter()
	m, err := Mount(waitCtx(t), t.TempDir(), t.TempDir(), hits.add)
	require.NoError(t, err)
	f, err := os.Open(coldFile(t, m, "wal", "entry"))
	require.NoError(t, err)
	require.NoError(t, m.Enable(SiteRead, "pause"))
	read := make(chan struct{})
	go func() {
		defer close(read)
		_, _ = f.ReadAt(make([]byte, 8), 0)
	}()
	require.NoError(t, hits.await(waitCtx(t), SiteRead, 1))

	require.NoError(t, m.Close())
	select {
	case <-read: // done or failed; either way not held
	case <-waitCtx(t).Done():
		t.Fatal("read still held after Close")
	}
	_ = f.Close()
	mounted, err := isMounted(m.Mountpoint())
	require.NoError(t, err)
	assert.False(t, mounted)
}

// A page fault of a mapped file reaches the server as a read, but is never
// held: a Go thread held inside a page fault blocks the garbage collector's
// stop-the-world, which would freeze the whole process (docs/facts.md §2.7).
// Under the same pause, a read(2) of the same kind of cold file is held.
func TestPageFaultReadsAreNeverHeld(t *testing.T) {
	// Without the GC, a regression shows as a failed wait below instead of a
	// process frozen for good.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	m, hits := mountT(t)
	const content = "bbolt page"
	f, err := os.Open(coldFile(t, m, "db", content))
	require.NoError(t, err)
	defer f.Close()
	mapped, err := syscall.Mmap(int(f.Fd()), 0, len(content), syscall.PROT_READ, syscall.MAP_SHARED)
	require.NoError(t, err)
	defer func() { require.NoError(t, syscall.Munmap(mapped)) }()

	require.NoError(t, m.Enable(SiteRead, "pause"))
	faulted := make(chan string, 1)
	go func() { faulted <- string(mapped) }() // the copy touches the page
	select {
	case got := <-faulted:
		assert.Equal(t, content, got)
	case <-waitCtx(t).Done():
		// Release it before failing: unmounting under a held fault would
		// turn it into a SIGBUS.
		require.NoError(t, m.Disable(SiteRead))
		<-faulted
		t.Fatal("page fault held by the read site")
	}
	require.NoError(t, m.Disable(SiteRead)) // its answer follows every hit line
	assert.Zero(t, hits.count(SiteRead), "a page fault counted as a held read")
}
