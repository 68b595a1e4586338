// Package clients runs real etcd clients through leaderfault's catalog.
//
// Each client has an adapter that makes it an advancer: it watches the
// checkpoint key through the client's own watch machinery, with the
// client's own defaults, and reports every value the client delivers. The
// adapters live in modules of their own so the library's go.mod stays
// lean and each client keeps, where Go's version selection allows, the
// versions its own go.mod asks for:
//
//   - apiserver/ (in process): k8s.io/apiserver v0.37.2, the etcd3 store
//     and the watch cache; its etcd client moves from v3.7.0 to
//     leaderfault's v3.7.3 and gRPC from v1.82.1 to v1.83.2.
//   - vitess/ (exec): vitess.io/vitess v0.24.4, go/vt/topo/etcd2topo, on
//     its own etcd client v3.6.10 and gRPC v1.80.0.
//   - gozero/ (exec): github.com/zeromicro/go-zero v1.10.3, core/discov,
//     on its own etcd client v3.5.21.
//
// This module holds what the exec adapters need to be judged (their
// catalog tests, which build the binaries) and the table generator
// (cmd/clients-table) that turns the JSON reports of make clients into
// docs/clients.md. execproto/ is the exec protocol's client side, a module
// with no dependencies that the exec adapters share.
package clients
