// Package runner runs scenario scripts: it parses them against the built-in
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
// Every expectation is measured by package check from the record alone
// (check.MeasureExpect); the runner only waits until the record can decide
// it, and measures everything again on the whole record at the end, so a
// saved report judged again (report.Rejudge) reaches the same verdict. The
// Result holds each expectation with its measured figure, the implicit
// requirement that the advancer is caught up by the end of the run, the
// timeline, the seed, the advancer scale and the cluster profile. A
// watchdog shows stalls live as "stalled" and "caught-up" events.
//
// The scenarios themselves live under scenarios/: the language in package
// scenarios/script, the built-in catalog in scenarios/catalog (embedded
// there), the incident tier in scenarios/incident; the measurements and verdicts in
// package check. This package does not render reports (package report) or
// parse command lines (cmd/leaderfault).
package runner
