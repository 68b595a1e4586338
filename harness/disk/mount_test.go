package disk

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/failpoints"
)

func TestWriteFsyncThroughMount(t *testing.T) {
	m, hits := mountT(t)
	f, err := os.Create(filepath.Join(m.Mountpoint(), "data"))
	require.NoError(t, err)
	defer f.Close()

	start := time.Now()
	for i := range 100 {
		_, err := fmt.Fprintf(f, "record %03d\n", i)
		require.NoError(t, err)
		require.NoError(t, f.Sync())
	}
	t.Logf("100 write+fsync pairs through the mount: %v", time.Since(start))

	got, err := os.ReadFile(filepath.Join(m.Backing(), "data"))
	require.NoError(t, err)
	assert.Equal(t, 100*len("record 000\n"), len(got))
	assert.True(t, bytes.HasSuffix(got, []byte("record 099\n")))
	assert.Zero(t, hits.count(SiteWrite)+hits.count(SiteFsync), "no term armed, no hits")
}

func TestFsyncSleep(t *testing.T) {
	m, hits := mountT(t)
	f, err := os.Create(filepath.Join(m.Mountpoint(), "wal"))
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteString("entry")
	require.NoError(t, err)

	require.NoError(t, m.Enable(SiteFsync, "sleep(200)"))
	start := time.Now()
	require.NoError(t, f.Sync())
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "fsync under sleep(200)")
	require.NoError(t, hits.await(waitCtx(t), SiteFsync, 1))

	require.NoError(t, m.Disable(SiteFsync))
	before := hits.count(SiteFsync)
	require.NoError(t, f.Sync())
	assert.Equal(t, before, hits.count(SiteFsync), "no hit after Disable")
	assert.Zero(t, hits.count(SiteWrite), "write site never armed")
}

func TestFdatasyncAndDirectoryFsyncAreFsyncSite(t *testing.T) {
	m, hits := mountT(t)
	f, err := os.Create(filepath.Join(m.Mountpoint(), "db"))
	require.NoError(t, err)
	defer f.Close()
	dir, err := os.Open(m.Mountpoint())
	require.NoError(t, err)
	defer dir.Close()

	require.NoError(t, m.Enable(SiteFsync, "print"))
	require.NoError(t, syscall.Fdatasync(int(f.Fd())))
	require.NoError(t, hits.await(waitCtx(t), SiteFsync, 1))
	require.NoError(t, dir.Sync())
	require.NoError(t, hits.await(waitCtx(t), SiteFsync, 2))
}

func TestWritePauseStallsUntilDisable(t *testing.T) {
	m, hits := mountT(t)
	f, err := os.Create(filepath.Join(m.Mountpoint(), "paused"))
	require.NoError(t, err)
	defer f.Close()

	require.NoError(t, m.Enable(SiteWrite, "pause"))
	written := make(chan error, 1)
	go func() {
		_, err := f.WriteString("late")
		written <- err
	}()
	// The hit is reported before the write blocks, so the stall is visible.
	require.NoError(t, hits.await(waitCtx(t), SiteWrite, 1))
	select {
	case err := <-written:
		t.Fatalf("write finished under pause (err %v)", err)
	default:
	}

	require.NoError(t, m.Disable(SiteWrite))
	select {
	case err := <-written:
		require.NoError(t, err)
	case <-waitCtx(t).Done():
		t.Fatal("write still stalled after Disable")
	}
	got, err := os.ReadFile(filepath.Join(m.Backing(), "paused"))
	require.NoError(t, err)
	assert.Equal(t, "late", string(got))
}

func TestCloseReleasesStalledWrite(t *testing.T) {
	SkipUnlessUsable(t)
	hits := newHitCounter()
	m, err := Mount(waitCtx(t), t.TempDir(), t.TempDir(), hits.add)
	require.NoError(t, err)
	f, err := os.Create(filepath.Join(m.Mountpoint(), "paused"))
	require.NoError(t, err)
	require.NoError(t, m.Enable(SiteWrite, "pause"))
	written := make(chan error, 1)
	go func() {
		_, err := f.WriteString("x")
		written <- err
	}()
	require.NoError(t, hits.await(waitCtx(t), SiteWrite, 1))

	// The file is still open: the server releases the write, then has to
	// detach the busy mount.
	require.NoError(t, m.Close())
	select {
	case <-written: // done or failed; either way not stalled
	case <-waitCtx(t).Done():
		t.Fatal("write still stalled after Close")
	}
	_ = f.Close()
	mounted, err := isMounted(m.Mountpoint())
	require.NoError(t, err)
	assert.False(t, mounted)
	assert.NoError(t, m.Close(), "second Close")
	assert.Error(t, m.Enable(SiteWrite, "pause"), "Enable after Close")
}

func TestCountedTermReportsOnlyItsHits(t *testing.T) {
	m, hits := mountT(t)
	f, err := os.Create(filepath.Join(m.Mountpoint(), "counted"))
	require.NoError(t, err)
	defer f.Close()

	require.NoError(t, m.Enable(SiteFsync, "2*sleep(1)->off"))
	for range 5 {
		require.NoError(t, f.Sync())
	}
	require.NoError(t, m.Disable(SiteFsync)) // the acknowledgement follows every hit line
	assert.Equal(t, 2, hits.count(SiteFsync))
}

func TestEnableRejectsBadInput(t *testing.T) {
	m, _ := mountT(t)
	for _, tc := range []struct {
		site Site
		term string
		want string
	}{
		{SiteFsync, "sleep(", failpoints.Grammar},
		{SiteFsync, "slep(100)", `unknown action "slep"`},
		{SiteWrite, "return(true)", "return has no meaning for disk IO"},
		{"flush", "pause", "unknown disk site \"flush\"; known: write, fsync, read, open"},
	} {
		err := m.Enable(tc.site, tc.term)
		if assert.Error(t, err, "%s=%s", tc.site, tc.term) {
			assert.Contains(t, err.Error(), tc.want)
		}
	}
	assert.ErrorContains(t, m.Disable("flush"), "unknown disk site")
	assert.NoError(t, m.Disable(SiteRead), "disabling an unarmed site")
}

func TestMountRejectsNestedDirs(t *testing.T) {
	SkipUnlessUsable(t)
	backing := t.TempDir()
	inside := filepath.Join(backing, "mnt")
	require.NoError(t, os.Mkdir(inside, 0o755))
	_, err := Mount(context.Background(), backing, inside, nil)
	assert.ErrorContains(t, err, "must not contain each other")
	_, err = Mount(context.Background(), inside, backing, nil)
	assert.ErrorContains(t, err, "must not contain each other")
	_, err = Mount(context.Background(), filepath.Join(backing, "missing"), t.TempDir(), nil)
	assert.ErrorContains(t, err, "backing directory")
}

func TestMountHonoursContext(t *testing.T) {
	SkipUnlessUsable(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	mnt := t.TempDir()
	_, err := Mount(ctx, t.TempDir(), mnt, nil)
	require.ErrorIs(t, err, context.Canceled)
	mounted, err := isMounted(mnt)
	require.NoError(t, err)
	assert.False(t, mounted)
}

func TestReadAndOpenSites(t *testing.T) {
	m, hits := mountT(t)
	require.NoError(t, os.WriteFile(filepath.Join(m.Backing(), "cold"), []byte("from the backing dir"), 0o644))

	require.NoError(t, m.Enable(SiteOpen, "print"))
	require.NoError(t, m.Enable(SiteRead, "print"))
	got, err := os.ReadFile(filepath.Join(m.Mountpoint(), "cold")) // never cached: reaches the server
	require.NoError(t, err)
	assert.Equal(t, "from the backing dir", string(got))
	require.NoError(t, m.Disable(SiteRead))
	assert.Equal(t, 1, hits.count(SiteOpen))
	assert.Positive(t, hits.count(SiteRead))
}

func TestKilledServer(t *testing.T) {
	SkipUnlessUsable(t)
	m, err := Mount(waitCtx(t), t.TempDir(), t.TempDir(), nil)
	require.NoError(t, err)
	f, err := os.Create(filepath.Join(m.Mountpoint(), "orphan"))
	require.NoError(t, err)
	defer f.Close()

	require.NoError(t, m.cmd.Process.Kill())
	<-m.exited
	// IO on the dead server's mount fails instead of hanging.
	_, err = f.WriteString("x")
	assert.ErrorIs(t, err, syscall.ENOTCONN)
	assert.ErrorContains(t, m.Enable(SiteWrite, "pause"), "server is gone")

	err = m.Close()
	assert.ErrorContains(t, err, "server left the mount behind; detaching it")
	mounted, merr := isMounted(m.Mountpoint())
	require.NoError(t, merr)
	assert.False(t, mounted, "Close detached the dead server's mount")
}
