// Package scenarios runs scenario scripts: it parses them against the built-in
// fault catalog (Faults), runs their steps against a fresh harness cluster and
// the chosen advancer (a preset by name, or any advancer.Advancer), records
// everything, and has package check judge the record.
//
// The steps run the same for every advancer: faults last as long as the
// script says, because expectations are judged in the background and never
// hold the script. An expect line is a requirement every advancer must
// meet; a known line states how a named preset is known to deviate. A run
// (Run) produces a Result with its verdict (check.Judge): pass (every
// requirement met), FAIL, known-bug (a preset missed requirements exactly as
// its known lines say), not-reproduced (a preset met requirements it is
// known to miss), INVALID (a fault never took effect, or the writer stored
// nothing to judge by) or skipped. A plug-in, and any run with
// Options.RequirementsOnly, gets no known lines: it passes or fails.
//
// The Result also holds each expectation with its measured figure (always
// reported: a figure not reached in time is measured again from the full
// record at the end), the implicit requirement that the advancer is caught
// up by the end of the run, the timeline, the seed, the advancer scale and
// the cluster profile. In every run a stalled-watch watchdog compares the
// advancer's newest observed revision with the writer's newest
// quorum-acknowledged one and records "stalled" and "caught-up" events.
//
// The language itself lives in package script; the built-in catalog in
// scenarios/catalog (embedded there); the measurements and verdicts in
// package check. This package does not render reports (package report) or
// parse command lines (cmd/leaderfault).
package scenarios
