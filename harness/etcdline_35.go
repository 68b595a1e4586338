//go:build etcd35

package harness

import "go.etcd.io/etcd/server/v3/etcdserver"

// applyWaitCommit: etcd v3.5 calls it ApplyWait (etcdserver/server.go); v3.6
// renamed it ApplyWaitCommit.
// taggedLine is the line this build tag expects the module file to provide.
const taggedLine = "3.5"

func applyWaitCommit(s *etcdserver.EtcdServer) <-chan struct{} { return s.ApplyWait() }
