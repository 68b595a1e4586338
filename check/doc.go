// Package check is leaderfault's checker: every figure and every judgement
// of a run is computed here, from the run's record and nothing else.
//
// The scenario runner (which judges expectations while a run goes on) and
// the reports (which read a finished or saved run) both call these
// functions, so a measurement has one definition. They are pure functions
// over []record.Event, tested on synthetic event lists.
//
// Definitions:
//
//   - A reference point is a step event with Reference set (a fault,
//     failpoint, move-leader, crash, stop, restart or heal step; the script
//     package decides which steps are). Expectations measure from the latest
//     one before them.
//   - An upload is a checkpoint write (record.KindWrite); the advancer has
//     seen it once it observed an advance to its value or a later one.
//   - A stall is a time during which an upload stays unseen for longer than
//     the stall threshold (StallThreshold: 2 election timeouts by default).
//     Stalls computes them from the uploads and advances; MaxLag measures
//     the same lag over a window. The runner's watchdog shows them live as
//     record.KindStalled events, which nothing here reads.
//   - An expectation (Expect: what it waits for, its reference point and
//     bound) is measured by MeasureExpect over the record; the runner waits
//     until the record can decide it, and a saved report is judged again by
//     the same function.
//   - Recovery is from the first reference point until the advancer is
//     caught up for good; Resumed is from the last reference point to the
//     first advance of a value written after it; StalledAfterHeal is how
//     long the advancer stayed stalled after the last reference point (the
//     stall that outlasts its fault).
//   - A known line with a rate (rate=N%) is observed by a run, not judged:
//     shown when its phase missed a requirement within the line's bound,
//     not shown when the phase met every requirement (Outcome.Rates). The
//     count shown over repeated runs is tested against N (JudgeRate).
//
// It does not wait for events (the runner does) and does not render
// anything (package report does).
package check
