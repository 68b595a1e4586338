package harness

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// socketInodes returns the inodes of this process's open sockets.
func socketInodes(t *testing.T) map[string]bool {
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	out := map[string]bool{}
	for _, e := range entries {
		link, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && strings.HasPrefix(link, "socket:[") {
			out[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	return out
}

// listeners returns the local addresses (hex, as in /proc/net/tcp*) of this
// process's listening TCP sockets.
func listeners(t *testing.T) []string {
	mine := socketInodes(t)
	var out []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 10 || fields[3] != "0A" { // 0A: LISTEN
				continue
			}
			if mine[fields[9]] {
				out = append(out, fields[1])
			}
		}
	}
	return out
}

// Every listener of a cluster — members, proxies — is on 127.0.0.1; the
// FUSE children and the reaper are driven over pipes, not sockets.
func TestEveryListenerIsLoopback(t *testing.T) {
	c := StartT(t, Options{Disk: diskIfAvailable(t)})
	ls := listeners(t)
	// 3 members × (peer + client listener) + 3 × (peer, client, upstream proxy).
	require.GreaterOrEqual(t, len(ls), 15, "listeners: %v", ls)
	for _, l := range ls {
		assert.True(t, strings.HasPrefix(l, "0100007F:"), "listener %s is not on 127.0.0.1", decodeAddr(l))
	}
	info, err := os.Stat(c.Dir())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "the cluster's temp dir is owner-only")
}

func decodeAddr(hex string) string {
	var a, b, c, d, port int
	if _, err := fmt.Sscanf(hex, "%2x%2x%2x%2x:%x", &d, &c, &b, &a, &port); err != nil {
		return hex
	}
	return fmt.Sprintf("%d.%d.%d.%d:%d", a, b, c, d, port)
}
