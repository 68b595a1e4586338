package disk

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkWriteFsync compares a 4 KiB write followed by fdatasync through the
// mount with the same pair on the backing directory. It reports both and their
// ratio from the same run.
func BenchmarkWriteFsync(b *testing.B) {
	SkipUnlessUsable(b)
	m, err := Mount(context.Background(), b.TempDir(), b.TempDir(), nil)
	require.NoError(b, err)
	defer func() { require.NoError(b, m.Close()) }()

	direct := timeWriteFsync(b, m.Backing(), "direct")
	fuse := timeWriteFsync(b, m.Mountpoint(), "fuse")
	b.ReportMetric(float64(direct.Nanoseconds())/float64(b.N), "direct-ns/op")
	b.ReportMetric(float64(fuse.Nanoseconds())/float64(b.N), "fuse-ns/op")
	b.ReportMetric(float64(fuse)/float64(direct), "fuse/direct")
	b.ReportMetric(0, "ns/op") // the wall time covers both runs and means nothing
}

func timeWriteFsync(b *testing.B, dir, name string) time.Duration {
	f, err := os.Create(filepath.Join(dir, name))
	require.NoError(b, err)
	defer f.Close()
	block := make([]byte, 4096)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		_, err := f.WriteAt(block, int64(i%256)*int64(len(block)))
		require.NoError(b, err)
		require.NoError(b, syscall.Fdatasync(int(f.Fd())))
	}
	return time.Since(start)
}
