package harness

import (
	"strings"

	"go.etcd.io/etcd/api/v3/version"
)

// The etcd line is chosen when the binary is built, not at run time: the
// default go.mod embeds etcd v3.7.3 (server and client); go.etcd35.mod with
// build tag etcd35 embeds v3.5.35 (make test-etcd35, make build).

// EtcdVersion is the etcd version this binary embeds, server and client
// alike ("3.7.3", "3.5.35").
func EtcdVersion() string { return version.Version }

// EtcdLine is the release line of EtcdVersion ("3.7", "3.5").
func EtcdLine() string {
	v := version.Version
	if i := strings.Index(v, "."); i >= 0 {
		if j := strings.Index(v[i+1:], "."); j >= 0 {
			return v[:i+1+j]
		}
	}
	return v
}
