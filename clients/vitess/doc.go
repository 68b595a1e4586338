// Package vitess holds the out-of-process advancer for Vitess's etcd topo
// (cmd/vitess-advancer). It is a module of its own that does not import
// leaderfault, so Vitess runs on the etcd client and gRPC its own go.mod
// asks for (etcd client v3.6.10) instead of leaderfault's v3.7.3.
package vitess
