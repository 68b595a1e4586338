package release_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/harness/release"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParse(t *testing.T) {
	for in, want := range map[string]string{"3.6.16": "3.6.16", "v3.5.15": "3.5.15", " 3.7.3 ": "3.7.3"} {
		got, err := release.Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, msg := range map[string]string{
		"3.6":     "want a version such as 3.6.16",
		"latest":  "want a version such as 3.6.16",
		"3.4.30":  "need 3.5.0 or later",
		"2.3.8":   "need 3.5.0 or later",
		"3.6.16a": "want a version such as 3.6.16",
	} {
		_, err := release.Parse(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), msg, in)
	}
}

// TestBinaryIsTheRelease builds (or finds) the release this build links and
// asks the binary its version.
func TestBinaryIsTheRelease(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	v := harness.EtcdVersion()
	bin, err := release.Binary(ctx, v)
	require.NoError(t, err)
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "etcd Version: "+v)
	again, ok := release.Built("v" + v)
	assert.True(t, ok)
	assert.Equal(t, bin, again)
}

// TestBuildErrorSaysWhy: a release the proxy does not have fails with go's
// words, and leaves no binary and no build directory behind.
func TestBuildErrorSaysWhy(t *testing.T) {
	t.Setenv("LEADERFAULT_ETCD_CACHE", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := release.Binary(ctx, "3.5.999")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "etcd 3.5.999: go get go.etcd.io/etcd/server/v3@v3.5.999")
	dir, _ := release.CacheDir()
	entries, err := os.ReadDir(filepath.Join(dir, "v3.5.999"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, "lock", strings.Join(names, " "), "only the lock file stays")
}
