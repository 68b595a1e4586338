//go:build !etcd35

package harness

import "go.etcd.io/etcd/server/v3/etcdserver"

// applyWaitCommit is a channel closed once the member has applied every entry
// it knows to be committed.
// taggedLine is the line this build tag expects the module file to provide.
const taggedLine = "3.7"

func applyWaitCommit(s *etcdserver.EtcdServer) <-chan struct{} { return s.ApplyWaitCommit() }
