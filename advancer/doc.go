// Package advancer is the "advancer under test": models of TiDB BR's
// log-backup checkpoint waiter, the upstream that feeds it, and the rules
// every waiter is judged by.
//
//   - Advancer is the plug-in interface: Run(ctx, *Env) waits for the global
//     checkpoint key (/tidb/br-stream/checkpoint/<task>/central_global) to
//     advance and reports each advance and error through the Env. The
//     scenario runner drives any implementation, ours or a user's, the same way.
//   - Config holds every knob that matters for recovery (client, gRPC backoff
//     and keepalive, watch options, timeouts); knobs are settable by name
//     (Config.Set), so scripts and the CLI can vary them, and scalable
//     (Config.Scale) so production constants run at the fast etcd profile.
//   - Presets: "legacy" (BR before PR #69047), "pr69047" (exactly that PR) and
//     "robust" (leaderfault's own design, documented in robust.go). New turns
//     a Config into an Advancer.
//   - Exec runs an advancer in another process (BR's real waiter, a client in
//     another language, a stock etcdctl) over a JSON line protocol on its
//     standard streams (protocol.go, docs/exec-protocol.md).
//   - Writer uploads increasing checkpoints through healthy members during
//     every fault, and records its own failures so they are not blamed on the
//     advancer.
//   - Fault points (Points, RegisterPoints) let scenarios skip progress
//     requests, drop watch responses, fail reads and delay uploads.
//
// It is not a client of BR itself and does not start clusters (package
// harness does), inject faults, or judge what an advancer did: package check does, from the
// record (invariants, recovery, stalls).
package advancer
