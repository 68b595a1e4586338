// Package advancer is the contract between leaderfault and an advancer under
// test: the Advancer interface, the Env the runner gives it, and the
// checkpoint key and codec. It holds no advancer itself:
//
//   - advancer/model: our models of TiDB BR's checkpoint waiter (before and
//     after PR #69047), tikv/pd's watcher and leaderfault's robust design,
//     their knobs and presets;
//   - advancer/external: an advancer in another process, over a JSON line
//     protocol on its standard streams (docs/exec-protocol.md);
//   - advancer/advancertest: the catalog as go test subtests for any
//     advancer;
//   - package workload: the checkpoint writer the advancer follows.
//
// An Advancer's Run waits for the global checkpoint key
// (/tidb/br-stream/checkpoint/<task>/central_global) to advance and reports
// each advance and error through the Env; the scenario runner drives any
// implementation, ours or a user's, the same way. Judging what it did is
// package check's, from the record.
package advancer
