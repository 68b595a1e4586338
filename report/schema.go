package report

// The JSON schema. Field names are part of the contract with CI scripts and
// dashboards: add fields, never rename or remove them, and bump SchemaVersion
// only for a change an old reader would misread.

// SchemaVersion is the version of the JSON document this package writes.
// Version 2: verdicts known-bug and not-reproduced, and "why".
const SchemaVersion = 2

// Report is one JSON document: every run, and for a sweep its settings.
type Report struct {
	Schema  int    `json:"schema"`            // SchemaVersion
	Command string `json:"command,omitempty"` // the command line that produced it
	Created string `json:"created,omitempty"` // RFC 3339, when it was written
	// Shards lists the shards ("i/n") whose runs are in Runs; empty: all.
	Shards []string `json:"shards,omitempty"`
	Runs   []Run    `json:"runs"`
	// Sweep describes the sweep that produced the runs; nil for "run".
	Sweep *Sweep `json:"sweep,omitempty"`
	// Aggregates summarize the runs per (scenario, advancer, knobs): one
	// entry per sweep setting and scenario, or per scenario and preset.
	// They are derived from Runs; readers may recompute them (Summarize).
	Aggregates []Aggregate `json:"aggregates"`
}

// Run is one scenario run against one advancer.
type Run struct {
	// Job is the run's position in the full plan of its command (before
	// sharding); merged shards are ordered by it.
	Job         int    `json:"job"`
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	// File is the scenario file for scenarios given by path; empty for the
	// built-in catalog.
	File     string `json:"file,omitempty"`
	Advancer string `json:"advancer"`
	// Knobs are the advancer knob overrides of a sweep setting.
	Knobs  map[string]string `json:"knobs,omitempty"`
	Repeat int               `json:"repeat"` // 1-based
	Seed   int64             `json:"seed"`
	// Scale divides the advancer's production durations (10: production
	// constants at the fast profile).
	Scale      float64 `json:"scale"`
	Profile    string  `json:"profile"`
	TickMs     float64 `json:"tick_ms"`
	ElectionMs float64 `json:"election_ms"`
	// StallThresholdMs is the threshold the run's stalls were measured with
	// (check.Settings); absent in older reports, which measured with
	// check.StallThreshold at ElectionMs.
	StallThresholdMs float64 `json:"stall_threshold_ms,omitempty"`
	// Stretch is the factor the scenario's durations and the cluster's
	// timing were multiplied by ("run --time production": 10 for a
	// fast-profile scenario); absent: as written.
	Stretch float64 `json:"stretch,omitempty"`
	// Etcd is the etcd server version the run used (v3.7.3, or v3.5.35 on
	// the etcd35 build); absent in reports written before it was recorded.
	Etcd string `json:"etcd,omitempty"`
	// EtcdProcesses: the members ran as child processes of release Etcd,
	// each the release's own etcd binary; absent: in the runner's process.
	EtcdProcesses bool `json:"etcd_processes,omitempty"`

	// Verdict is pass (every requirement met), FAIL (a requirement missed,
	// not in a known way), known-bug (a preset's known bug reproduced:
	// requirements missed exactly as its known lines say), not-reproduced
	// (a preset met requirements it is known to miss), INVALID (a fault
	// never fired, the writer stopped) or skipped.
	Verdict string `json:"verdict"`
	// Why says what decided the verdict: the requirement missed and its
	// figure, or the known bug reproduced or not.
	Why string `json:"why,omitempty"`
	// Bugs are the bugs (known lines' bug=) a known-bug or not-reproduced
	// verdict is about.
	Bugs []string `json:"bugs,omitempty"`
	// Sometimes is set on not-reproduced when every known line that did not
	// show states a rate below 100%: such a run is expected now and then.
	Sometimes bool `json:"sometimes,omitempty"`
	Passed    bool `json:"passed"` // the verdict is pass: valid, and every requirement met
	Valid     bool `json:"valid"`  // every fault and fault point the script armed took effect
	// Skipped is why the run could not run here (e.g. no FUSE).
	Skipped  string   `json:"skipped,omitempty"`
	Invalid  []string `json:"invalid,omitempty"`
	Failures []string `json:"failures,omitempty"`
	Notes    []string `json:"notes,omitempty"`

	Expectations []Expectation `json:"expectations"`
	// RecoveryMs is the runner's recovery: from the first reference point until
	// the advancer is caught up for good (the end of the last stall,
	// check.Stalls, or the first advance of a value written after the fault
	// when there was no stall); null when it never recovered.
	RecoveryMs *float64 `json:"recovery_ms"`
	// ResumedMs is from the last reference point (a step with "reference"
	// set in the timeline: typically the heal) to the first advance whose
	// value was written after it; null when it never resumed. It is the
	// reconnect time that backoff knobs decide.
	ResumedMs *float64 `json:"resumed_ms"`
	// StalledAfterHealMs is how long the advancer stayed stalled (behind
	// the quorum, check.Stalls) after the last reference point: the
	// stall that outlasts its fault; null when it was still stalled at the
	// end of the run (check.StalledAfterHeal).
	StalledAfterHealMs *float64 `json:"stalled_after_heal_ms"`
	DurationMs         float64  `json:"duration_ms"`
	// Admission is how the run was admitted to the machine; absent in
	// reports written before it was recorded.
	Admission *Admission `json:"admission,omitempty"`
	// Traffic is the advancer's traffic to etcd at its client proxies;
	// absent in reports written before it was measured.
	Traffic  *Traffic `json:"traffic,omitempty"`
	Counts   Counts   `json:"counts"`
	Timeline []Event  `json:"timeline"`
}

// Admission is how a run was admitted to the machine (runs go side by side
// while the machine's measured headroom stays far below their budgets): how
// long it waited, which is not part of its duration, and what was measured
// at that moment.
type Admission struct {
	WaitMs float64 `json:"wait_ms"`
	// Reason is what let it go: "headroom", "no other run", or the fixed
	// cap (LEADERFAULT_RUN_SLOTS).
	Reason string `json:"reason"`
	// Held is the last reason it was held back; empty when it went at once.
	Held string `json:"held,omitempty"`
	// BudgetMs is the tightest budget of the runs going, which the
	// thresholds are shares of.
	BudgetMs float64 `json:"budget_ms"`
	// DelayP99Ms and DelayMaxMs are the scheduling delay of a probe
	// goroutine over the second before.
	DelayP99Ms float64 `json:"delay_p99_ms"`
	DelayMaxMs float64 `json:"delay_max_ms"`
	// IdleCores is the idle CPU over the second before, in cores; absent
	// when unknown.
	IdleCores *float64 `json:"idle_cores,omitempty"`
	// MemAvailableMiB is the memory available without swapping; absent
	// when unknown.
	MemAvailableMiB uint64 `json:"mem_available_mib,omitempty"`
	// Runs and Starting are the runs going machine-wide when it was
	// admitted, and how many of them were still starting their cluster.
	Runs     int `json:"runs"`
	Starting int `json:"starting"`
}

// Traffic is the advancer's traffic to etcd, counted at its client proxies,
// that the requirements "no retry storm" and "no leak" judge
// (check.MaxCalls, check.MaxConns, check.LeakWindow).
type Traffic struct {
	// WindowMs is the window counts are taken over: the run's election
	// timeout. PeakCalls and PeakConns are the most gRPC calls started and
	// connections accepted in one window; the _at_ms fields are the
	// windows' ends.
	WindowMs      float64 `json:"window_ms"`
	PeakCalls     float64 `json:"peak_calls"`
	PeakCallsAtMs float64 `json:"peak_calls_at_ms"`
	// PeakMethods is PeakCalls by gRPC method, the most first
	// ("Range×900 Watch×12").
	PeakMethods   string  `json:"peak_methods,omitempty"`
	PeakConns     float64 `json:"peak_conns"`
	PeakConnsAtMs float64 `json:"peak_conns_at_ms"`
	// The Watch streams, and the connections to the member with the most,
	// the advancer held: the most in the window before the first fault, the
	// least in the window at the end of the run; absent without a fault.
	WatchesBefore *int `json:"watches_before,omitempty"`
	WatchesAfter  *int `json:"watches_after,omitempty"`
	ConnsBefore   *int `json:"conns_before,omitempty"`
	ConnsAfter    *int `json:"conns_after,omitempty"`
}

// Expectation is one judged expectation of a run: a requirement (an expect
// line; line 0 is the implicit "caught up by the end of the run"), or a
// preset's known deviation (known).
type Expectation struct {
	Line   int    `json:"line"`
	Text   string `json:"text"`
	Passed bool   `json:"passed"` // it held
	// What, WithinMs and FromMs are the expectation as the checker measures
	// it (check.Expect): what it waits for, its bound and, for no-stall, the
	// window's start after the reference point. Absent in reports written
	// before they were recorded, which then cannot be judged again.
	What     string  `json:"what,omitempty"`
	WithinMs float64 `json:"within_ms,omitempty"`
	FromMs   float64 `json:"from_ms,omitempty"`
	// Ref is the line of the reference point it measures from (0: the start
	// of the run).
	Ref   int    `json:"ref"`
	Known bool   `json:"known,omitempty"`
	Bug   string `json:"bug,omitempty"`  // known lines: the bug or reason
	Rate  int    `json:"rate,omitempty"` // known lines: percent of runs it shows in, when not every run
	// Shown is, for a known line with a rate in a valid run, whether its
	// deviation showed (its phase missed a requirement within the line's
	// bound: true) or not (the phase met every requirement: false); the
	// count over repeats is judged against Rate (RateTest). Absent for
	// every other line, and for a rate line missed beyond its bound (the
	// run FAILs).
	Shown *bool `json:"shown,omitempty"`
	// MeasuredMs is the measured figure; null when the awaited event never
	// happened during the run.
	MeasuredMs *float64 `json:"measured_ms"`
	Detail     string   `json:"detail,omitempty"`
}

// Event is one line of a run's timeline.
type Event struct {
	TMs      float64 `json:"t_ms"` // since the run's recorder started
	Kind     string  `json:"kind"`
	Member   string  `json:"member"` // m0.., "advancer", "writer", "watchdog" or ""
	Detail   string  `json:"detail"`
	Leader   string  `json:"leader,omitempty"` // leader events: the leader as Member sees it
	Term     uint64  `json:"term,omitempty"`
	Value    uint64  `json:"value,omitempty"`    // checkpoint writes and advances
	Revision int64   `json:"revision,omitempty"` // checkpoint writes and advances
	// Line and Verb are a step's or an expectation's script line and verb;
	// Detail then holds the step's text.
	Line int    `json:"line,omitempty"`
	Verb string `json:"verb,omitempty"`
	// Reference marks a step that expectations after it measure from.
	Reference bool `json:"reference,omitempty"`
	// Held is an expectation's verdict (expect events).
	Held bool `json:"held,omitempty"`
	// Fault is the injection's number on fault events; Name is the fault's
	// kind on those, the fault point's name on failpoint events; Fired is,
	// on fault-healed, whether it took effect on every member.
	Fault int    `json:"fault,omitempty"`
	Name  string `json:"name,omitempty"`
	Fired bool   `json:"fired,omitempty"`
	// IssuedMs is, on a checkpoint write, when its upload was sent (t_ms is
	// when a quorum acknowledged it).
	IssuedMs *float64 `json:"issued_ms,omitempty"`
	// SinceMs is, for a stalled event, when the upload the advancer stopped
	// seeing was written: the stall began then.
	SinceMs *float64 `json:"since_ms,omitempty"`
}

// Counts are figures read off a run's timeline. The record has no event per
// gRPC reconnect attempt or per request, so those are not counted; advancer
// errors (failed waits and watch restarts) are the closest figure.
type Counts struct {
	Writes         int `json:"writes"`          // checkpoint uploads
	Advances       int `json:"advances"`        // advances the advancer observed
	AdvancerErrors int `json:"advancer_errors"` // errors and watch restarts it reported
	LeaderChanges  int `json:"leader_changes"`  // members newly seeing themselves lead
	Stalls         int `json:"stalls"`          // stalls (check.Stalls at the run's threshold)
	// StalledMs is the total time the advancer was stalled; LongestStallMs
	// the longest stall. A stall still open at the end counts until the
	// last event.
	StalledMs      float64 `json:"stalled_ms"`
	LongestStallMs float64 `json:"longest_stall_ms"`
}

// Sweep is the plan of a sweep: the knob values crossed with the scenarios.
type Sweep struct {
	Advancer  string   `json:"advancer"`
	Scenarios []string `json:"scenarios"`
	Vary      []Vary   `json:"vary"`
	Repeat    int      `json:"repeat"`
}

// Vary is one --vary flag: a knob and its values, in the order given.
type Vary struct {
	Knob   string   `json:"knob"`
	Values []string `json:"values"`
}

// Aggregate summarizes the runs of one (scenario, advancer, knobs) group.
type Aggregate struct {
	Scenario string            `json:"scenario"`
	Advancer string            `json:"advancer"`
	Knobs    map[string]string `json:"knobs,omitempty"`
	Runs     int               `json:"runs"`
	// The runs by verdict (they add up to Runs).
	Passed int `json:"passed"` // verdict pass: every requirement met
	Failed int `json:"failed"` // verdict FAIL: a requirement missed (not in a known way), or a failure
	// KnownBug counts known-bug runs: a preset's known bug reproduced.
	KnownBug int `json:"known_bug"`
	// NotReproduced counts not-reproduced runs: a preset met requirements
	// it is known to miss. NotReproducedSometimes counts those of them with
	// Run.Sometimes (expected now and then).
	NotReproduced          int `json:"not_reproduced"`
	NotReproducedSometimes int `json:"not_reproduced_sometimes,omitempty"`
	Invalid                int `json:"invalid"` // a fault never fired, the writer stopped
	Skipped                int `json:"skipped"`
	// Bugs is the union of the runs' Bugs, in first-seen order.
	Bugs []string `json:"bugs,omitempty"`
	// Recovery is over every run that was not skipped; runs that never
	// recovered count as infinitely slow (Stats.Never).
	Recovery Stats `json:"recovery_ms"`
	Resumed  Stats `json:"resumed_ms"` // as Recovery, of Run.ResumedMs
	// StalledAfterHeal is as Recovery, of Run.StalledAfterHealMs (still
	// stalled at the end: Never).
	StalledAfterHeal Stats `json:"stalled_after_heal_ms"`
	// StalledRuns counts runs with a stall (Counts.Stalls).
	StalledRuns    int   `json:"stalled_runs"`
	LongestStall   Stats `json:"longest_stall_ms"`
	AdvancerErrors Stats `json:"advancer_errors"`
	// Expectations has one entry per script line judged in these runs.
	Expectations []ExpectationAggregate `json:"expectations"`
	// RateFailures are the known lines whose count over these runs
	// contradicts their stated rate (RateTest.Result INCONSISTENT), one
	// message each: any makes the group FAIL, whatever its runs' verdicts.
	RateFailures []string `json:"rate_failures,omitempty"`
}

// ExpectationAggregate summarizes one expectation line across runs.
type ExpectationAggregate struct {
	Line int    `json:"line"`
	Text string `json:"text"`
	// Known, Bug and Rate are the line's (see Expectation): Held counts,
	// for a known line, the runs whose figure was within its bound —
	// including runs that met the requirement it excuses; RateTest.Shown
	// counts the runs where the deviation showed.
	Known    bool   `json:"known,omitempty"`
	Bug      string `json:"bug,omitempty"`
	Rate     int    `json:"rate,omitempty"`
	Runs     int    `json:"runs"`
	Held     int    `json:"held"`
	Measured Stats  `json:"measured_ms"`
	// RateTest is, for a known line with a rate, its count over the runs
	// against the stated rate.
	RateTest *RateTest `json:"rate_test,omitempty"`
}

// RateTest is a known line's stated rate against the runs (check.JudgeRate):
// an exact two-sided binomial test of Shown in Runs at Stated percent.
type RateTest struct {
	// Shown counts the runs in which the deviation showed, of Runs: the
	// valid runs that observed the line (Expectation.Shown).
	Shown  int `json:"shown"`
	Runs   int `json:"runs"`
	Stated int `json:"stated_pct"`
	// PValue is the probability, at the stated rate, of a count at most as
	// likely as Shown; below Alpha the rate is contradicted.
	PValue float64 `json:"p_value"`
	Alpha  float64 `json:"alpha"`
	// AcceptMin and AcceptMax are the counts the test accepts in Runs runs;
	// MinRuns is the fewest runs in which it rejects any.
	AcceptMin int `json:"accept_min"`
	AcceptMax int `json:"accept_max"`
	MinRuns   int `json:"min_runs"`
	// Result is consistent, INCONSISTENT (the group FAILs), too-few-runs
	// (no count of Runs runs could be rejected) or not-judged (a stated
	// rate outside 1-99%, in a report not written by leaderfault).
	Result string `json:"result"`
	// Message says it in one line: known line 16 "advance within 1.5s"
	// rate=30%: observed 14/20 (70%), p=0.00026 < α=5e-05.
	Message string `json:"message"`
}

// Stats are nearest-rank percentiles of a figure over N runs. A run where
// the figure never happened counts as +infinity (Never); a percentile that
// falls on one is null. With fewer than 100 runs P99 is the maximum.
type Stats struct {
	N     int      `json:"n"`
	Never int      `json:"never,omitempty"`
	P50   *float64 `json:"p50"`
	P99   *float64 `json:"p99"`
	Max   *float64 `json:"max"`
}
