// Package script is the scenario language of leaderfault: it parses a
// scenario file into a plain list of typed steps (Script, Step and one struct
// per verb) and formats steps back to canonical text.
//
// It is not the runner: nothing here starts a cluster, injects a fault or
// judges an expectation. The runner consumes a Script and supplies what only
// it knows — its fault catalog, failpoint names and advancer presets — as
// options, so that typos fail at parse time with the file and line.
//
// # Lines
//
// A scenario is one step a line. "#" starts a comment, on a line of its own or
// after a step; blank lines and indentation are ignored. A line reads
//
//	verb [positional arguments] [key=value ...] [tags]
//
// with no spaces around "=". Every error names the file and line, what was
// wrong and what was expected:
//
//	leader-disk-stall.scn:7: unknown fault "disk-delya" (did you mean disk-delay?); known: disk-delay, disk-stall, ...
//
// # Values
//
// Durations are Go durations (500ms, 1.5s, 2m); integers and floats are
// plain (3, 0.5). Text is a bare word, a "Go string" with Go escapes, or a
// 'raw string' without escapes — handy for failpoint terms, which contain
// double quotes: 'sleep("2s")' is "sleep(\"2s\")".
//
// # Targets
//
// Steps that act on members name a target, resolved when the step runs:
//
//	leader        the current leader
//	follower      any follower (chosen from the seed)
//	follower:1    the second follower, counting from 0 in member order
//	m2            the member named m2 (members are m0, m1, ...)
//	all           every member
//	quorum        a majority: the running followers in member order, then the leader
//	pinned        the member the advancer was told to watch on (watch-on);
//	              an advancer that ignores it may watch elsewhere
//	watched       the member whose stream really serves the advancer's
//	              watch, as its client proxy sees it when the step runs
//
// # Requirements and known deviations
//
// Every step runs the same for every advancer: the faults, their timing and
// the requirements. An expect line is a requirement every advancer must
// meet; expectations are judged in the background while the script goes
// on, so they never change how long a fault lasts.
//
// A known line states how some presets (its tags, the only tags a script
// may carry) are known to deviate from the requirements measured from the
// same reference point, and why:
//
//	fault disk-stall target=leader
//	expect advance within 500ms
//	known stall for 1s bug="pingcap/tidb#69048"   [legacy,pr69047]
//	wait 1s
//	heal
//
// For a preset with a known line, a missed requirement of that phase
// (other than leader-change, which is the cluster's doing) is a known bug
// reproduced when the known line holds, and a failure when it does not; a
// preset that meets every requirement of the phase has not reproduced its
// known bug, which the verdict says. bug= is required: the issue or reason
// the deviation stands for. rate=N% (1 to 99) states that it shows in about
// N% of runs only; a runner judges such a line over repeated runs, never by
// one. Tags name presets ([legacy,pr69047]), never exclude them;
// WithPresets checks the names.
//
// # Header
//
// Optional, before the first step, once each. Without a scenario line the
// name is the file name without its extension. Without a seed line the
// runner picks a seed and prints it; a printed seed replays the same run.
//
//	scenario leader-disk-stall "the leader's disk hangs, leadership moves"
//	seed 42
//
// # Setup: cluster, advancer, writer
//
// At most one of each; the cluster line comes before any other
// step. Keys left out keep the runner's defaults (3 members, fast profile).
//
//	cluster members=3 profile=fast tick=10ms election=100ms disk=true
//
// members is 1, 3 or 5; profile is fast (tick 10ms, election 100ms) or
// production (100ms, 1s); tick and election override the profile (whole
// milliseconds, election at least 5 ticks); disk=true puts the members' data
// on the fault-injecting filesystem, which disk faults need. Every duration
// in a script is in the cluster's time; a runner may run the script in a
// slower time base (Script.Stretch, "run --time production"), which
// multiplies the cluster's timing and every duration of the script alike.
//
//	advancer watch-on=leader endpoints=all scale=10 backoff-max=3s
//
// watch-on is the member the advancer's watch starts on; endpoints is what
// its client may know: all members (the default) or only the pinned
// watch-on member — the same for presets and plug-ins; scale divides the
// preset's production timings (scale=10 runs them against the fast
// profile); any other key is a preset knob override (WithKnobs checks the
// names).
//
//	writer every=20ms via=leader
//
// The checkpoint writer stores a new checkpoint every interval, through the
// given member (any endpoint by default).
//
// # Faults
//
//	fault disk-stall target=leader
//	fault peer-delay target=follower:0 delay=50ms jitter=10ms for=2s as=slow
//
// The kind comes from the runner's catalog (WithFaults validates kinds and
// their parameters); target is required; for=D heals the fault by itself
// after D; as=name names it for heal. Other keys are the kind's parameters.
//
//	heal            heal every active fault
//	heal all        the same
//	heal slow       heal faults named slow, or of kind slow
//
// # Failpoints
//
//	failpoint writer/delay-upload 'sleep("2s")'
//	failpoint writer/delay-upload pause
//	failpoint writer/delay-upload off
//
// The term is a pingcap/failpoint term (see the failpoints package), bare or
// quoted, checked here; off disarms the point. WithFailpoints checks names.
//
// # Leadership and member lifecycle
//
//	move-leader to=m2      transfer leadership (to=follower when left out)
//	crash leader           kill without a graceful shutdown
//	stop follower:1        graceful stop
//	restart m0             start a crashed or stopped member again
//
// # Waits
//
//	wait 2s                          let time pass, e.g. for a stall to develop
//	wait leader-change within 1s     until a new leader (within: the deadline)
//	wait advance                     until the advancer advances (runner's deadline)
//
// # Expectations
//
// Each measures from the latest reference point — a fault, failpoint
// (arming it or "off"), move-leader, crash, stop, restart or heal step
// (Step.Reference) — and is judged and its measured figure reported, pass or
// fail:
//
//	expect advance within 500ms      from the reference point to the first advance
//	                                 whose value was written after it
//	expect stall for 3s              no advance for 3s, starting within 10 election
//	                                 timeouts of the reference point (a bug's shape;
//	                                 mostly used on known lines)
//	expect no-stall for 1s           for 1s, no upload stays unseen longer than two
//	                                 election timeouts (from=D: the window starts D
//	                                 after the reference point)
//	expect leader-change within 1s   a new leader, agreed by a quorum
//	expect detect within 1s          the advancer reports an error or restarts its watch
//
// "within=D" and "for=D" are accepted as well. Two expectations of the same
// kind from the same reference point are an error: the second could only
// repeat the first's result (a wait between them does not move the
// reference point).
//
// # Repeat
//
// A storm repeats steps. One step on one line, or several in a block:
//
//	repeat 5 every=300ms move-leader to=follower
//
//	repeat 3 {
//	    fault client-reset target=pinned
//	    wait 200ms
//	}
//
// With every=D an iteration starts every D; without it iterations run back to
// back. Blocks do not nest, and setup lines (cluster, advancer, writer) cannot
// be repeated.
//
// # Go API
//
// Parse and ParseFile return a *Script or an ErrorList. Script.ForPreset
// gives the steps one preset runs, with repeats kept (not unrolled) and
// filtered inside. Script.Format and Step.String render canonical text; a
// formatted script parses back to the same steps.
package script
