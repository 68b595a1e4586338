// Package report turns scenario results into the reports people and CI read:
// the stable JSON document ({"runs": [...]}), aggregates across repeats and
// sweep settings (p50/p99/max of each measured figure), the terminal tables
// and timelines the CLI prints, and a self-contained HTML page (a lane per
// member, the advancer and the writer; fault spans, leaders as each member
// sees them, stalls; a recovery plot for sweeps).
//
// A Report is built from runner.Result values (Result.Report) or read back
// from JSON (Read), merged across CI shards (Merge) and rendered. Everything
// here reads the record of runs that already happened: this package never
// starts a cluster or runs a scenario (package runner does), and it does
// not parse command lines (cmd/leaderfault does).
package report
