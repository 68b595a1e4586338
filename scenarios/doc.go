// Package scenarios runs scenario scripts: it parses them against the built-in
// fault catalog (Faults), runs their steps against a fresh harness cluster and
// the chosen advancer (a preset by name, or any advancer.Advancer), records
// everything, and judges the expectations.
//
// A run (Run) produces a Result: each expectation with pass/fail and its
// measured figure (always reported: a figure not reached in time is measured
// again from the full record at the end), the timeline, the seed, the
// advancer scale and the cluster profile, validity (every fault fired, the
// writer stored checkpoints to judge by) and the advancer invariants. In every run a
// stalled-watch watchdog compares the advancer's newest observed revision with
// the writer's newest quorum-acknowledged one and records "stalled" and
// "caught-up" events.
//
// The language itself lives in package script; the built-in catalog in
// scenarios/catalog (embedded there). This package does not
// render reports (package report) or parse command lines (cmd/leaderfault).
package scenarios
