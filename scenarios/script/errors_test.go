package script

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		// lexical
		{"crash = leader", `t.scn:1: "=" without a key; expected key=value with no spaces around "="`},
		{"crash m1=", `t.scn:1: missing value after "m1="; expected m1=<value> with no space after "="`},
		{"crash a=b=c", `t.scn:1: unexpected "=" after "a=b"; expected one key=value per word`},
		{"crash 1x=2", `t.scn:1: bad key "1x"; expected a key like every or backoff-max (a letter, then letters, digits, '-', '_' or '.')`},
		{`crash leader"x"`, `t.scn:1: missing space after "leader"; expected a space between words`},
		{`crash "open`, `t.scn:1: unterminated string "open; expected a closing " on the same line`},
		{`crash 'open`, `t.scn:1: unterminated string 'open; expected a closing ' on the same line`},
		{`crash "bad\q"`, `t.scn:1: bad string "bad\q"; expected Go escapes such as \" \\ \n, or a 'raw string'`},
		{"crash le\x01ader", `t.scn:1: unexpected control character U+0001; expected printable text`},
		{"crash \xff", `t.scn:1: line is not valid UTF-8; expected UTF-8 text`},
		// tags
		{"crash leader []", `t.scn:1: empty tag []; expected [preset], [preset,preset] or [!preset] (every preset except)`},
		{"crash leader [a,,b]", `t.scn:1: empty preset name in [a,,b]; expected [preset], [preset,preset] or [!preset] (every preset except)`},
		{"crash leader [a,!b]", `t.scn:1: "!" inside [a,!b]; expected "!" once, first: [!a,b] means every preset except a and b`},
		{"crash leader [a,a]", `t.scn:1: preset "a" twice in [a,a]; expected each preset once`},
		{"crash leader [robust", `t.scn:1: unclosed "["; expected tags like [legacy], [pr69047,robust] or [!legacy]`},
		{"crash leader robust]", `t.scn:1: "]" without "["; expected tags like [legacy] or [!legacy]`},
		{"crash leader [robust] m1", `t.scn:1: tags [robust] before the end of the line; expected tags last, after every argument`},
		{"[robust]", `t.scn:1: tags without a step; expected a step such as expect advance within 1s before it`},
		// verbs
		{"fualt disk-stall target=leader", `t.scn:1: unknown verb "fualt" (did you mean fault?); expected one of: advancer, cluster, crash, expect, failpoint, fault, heal, known, move-leader, repeat, restart, stop, wait, writer, scenario, seed`},
		{`"crash" leader`, "t.scn:1: line starts with `\"crash\"`; expected a verb: advancer, cluster, crash, expect, failpoint, fault, heal, known, move-leader, repeat, restart, stop, wait, writer, scenario, seed"},
		// header
		{"scenario a b", `t.scn:1: scenario: description "b" is not quoted; expected scenario <name> ["<one-line description>"]`},
		{"scenario a [x]", `t.scn:1: scenario applies to the whole script; expected no tags or block`},
		{"crash leader\nscenario a", `t.scn:2: scenario after the first step (line 1); expected header lines (scenario, seed) first`},
		{"seed 1\nscenario a", `t.scn:2: scenario after seed (line 1); expected the scenario line first`},
		{"seed 1\nseed 2", `t.scn:2: seed given twice (first at line 1); expected one seed line`},
		{"seed x", `t.scn:1: seed: "x" is not an integer; expected seed <integer>`},
		{"seed 99999999999999999999", `t.scn:1: seed: integer 99999999999999999999 out of range; expected a 64-bit integer`},
		// cluster
		{"cluster members=4", `t.scn:1: cluster: "members=4"; expected members=1, members=3 or members=5`},
		{"cluster profile=slow", `t.scn:1: cluster: "profile=slow"; expected profile=fast (tick 10ms, election 100ms) or profile=production (100ms, 1s)`},
		{"cluster tick=1500us", `t.scn:1: cluster: "tick=1500us"; expected whole milliseconds (etcd counts tick in ms)`},
		{"cluster tick=50ms election=100ms", `t.scn:1: cluster: election=100ms is less than 5 ticks of 50ms; expected election >= 250ms (etcd requires 5 ticks)`},
		{"cluster election=60s", `t.scn:1: cluster: "election=60s"; expected at most 50s (etcd's limit)`},
		{"cluster disk=yes", `t.scn:1: cluster: "disk=yes"; expected disk=true or disk=false`},
		{"cluster nodes=3", `t.scn:1: cluster: unknown key "nodes"; expected members=, profile=, tick=, election=, disk=, processes=, data=`},
		{"cluster\ncluster", `t.scn:2: cluster given twice (first at line 1); expected one cluster line`},
		{"crash leader\ncluster", `t.scn:2: cluster after other steps (line 1); expected the cluster line before any other step`},
		// advancer, writer
		{"advancer watch-on=all", `t.scn:1: advancer: "all" names several members; expected one: leader, follower, follower:<n>, m<n> or pinned`},
		{"advancer scale=0", `t.scn:1: advancer: "scale=0"; expected a number above zero, like scale=0.5 or scale=10`},
		{"advancer leader", `t.scn:1: advancer: unexpected "leader"; expected advancer [watch-on=<target>] [endpoints=all|pinned] [scale=<number>] [<knob>=<value> ...]`},
		{"writer", `t.scn:1: writer: missing every=; expected writer every=<duration> [via=<target>]`},
		{"writer every=20", `t.scn:1: writer: "every=20" has no unit; expected a Go duration like 20ms or 20s`},
		{"writer every=20sec", `t.scn:1: writer: "every=20sec": unknown unit "sec"; expected a Go duration like 500ms, 1.5s or 2m`},
		{"writer every=-1s", `t.scn:1: writer: "every=-1s"; expected a duration above zero`},
		{"writer every=1s every=2s", `t.scn:1: writer: "every=1s" and "every=2s"; expected every= once`},
		// faults, heal
		{"fault disk-stall", `t.scn:1: fault: missing target=; expected fault <kind> target=<target> [<param>=<value> ...] [for=<duration>] [as=<name>]`},
		{"fault disk-stall target=leadr", `t.scn:1: fault: unknown target "leadr"; expected leader, follower, follower:<n>, m<n>, all, quorum, pinned or watched`},
		{"fault disk-stall target=leader for=0s", `t.scn:1: fault: "for=0s"; expected a duration above zero`},
		{`fault "disk-stall" target=leader`, "t.scn:1: fault: `\"disk-stall\"` is quoted; expected a bare fault kind"},
		{"fault a target=m0 as=x\nfault b target=m1 as=x", `t.scn:2: fault: as=x already names the fault at line 1; expected a new name`},
		{"heal disk-stall", `t.scn:1: heal: "disk-stall": no fault before this line; expected heal or heal all`},
		{"fault disk-stall target=leader as=s\nheal disk-stal", `t.scn:2: heal: "disk-stal" matches no earlier fault's kind or as= name (did you mean disk-stall?); expected all, disk-stall, s`},
		// failpoints
		{"failpoint x slep(1)", `t.scn:1: failpoint: bad term "slep(1)" at offset 0: unknown action "slep"; expected off, return, sleep, pause or print`},
		{"failpoint x sleep", `t.scn:1: failpoint: bad term "sleep" at offset 0: sleep needs milliseconds or a duration: sleep(500) or sleep("2s"); expected a pingcap/failpoint term like sleep(500), 'sleep("2s")', pause or 50%return(true)`},
		{"failpoint x", `t.scn:1: failpoint: missing argument; expected failpoint <name> <term>, or failpoint <name> off`},
		// leadership, lifecycle
		{"move-leader to=leader", `t.scn:1: move-leader: to=leader; expected a member that is not the leader, such as follower, follower:0 or m1`},
		{"crash", `t.scn:1: crash: missing argument; expected crash <target>`},
		{"crash leader=1", `t.scn:1: crash: unexpected "leader=1"; expected crash <target>`},
		{"crash m1 m2", `t.scn:1: crash: unexpected "m2" after "m1"; expected crash <target>`},
		{"crash m01", `t.scn:1: crash: bad member name "m01"; expected m0, m1, ... without leading zeros`},
		{"crash m5", `t.scn:1: crash: no member "m5": clusters have at most 5 members; expected m0 to m4`},
		{"cluster members=1\ncrash follower:0", `t.scn:2: crash: "follower:0": a 1-member cluster has no followers; expected leader or m0`},
		// waits, expectations
		{"wait 5", `t.scn:1: wait: "5" has no unit; expected a Go duration like 5ms or 5s`},
		{"wait soon", `t.scn:1: wait: "soon" is neither a duration nor an event; expected wait <duration>, or wait leader-change|advance [within <duration>]`},
		{"wait advance in 1s", `t.scn:1: wait: "in" where "within <duration>" belongs; expected wait <duration>, or wait leader-change|advance [within <duration>]`},
		{"expect advance", `t.scn:1: expect: missing "within <duration>"; expected expect advance|leader-change|detect within <duration>, or expect stall|no-stall for <duration> [from=<duration>]`},
		{"expect stall within 1s", `t.scn:1: expect: "within" where "for <duration>" belongs; expected expect advance|leader-change|detect within <duration>, or expect stall|no-stall for <duration> [from=<duration>]`},
		{"expect advnce within 1s", `t.scn:1: expect: unknown expectation "advnce" (did you mean advance?); expected expect advance|leader-change|detect within <duration>, or expect stall|no-stall for <duration> [from=<duration>]`},
		{"expect advance within 1s extra", `t.scn:1: expect: unexpected "extra" after "1s"; expected expect advance|leader-change|detect within <duration>, or expect stall|no-stall for <duration> [from=<duration>]`},
		// repeat
		{"repeat 0 wait 1s", `t.scn:1: repeat: count "0" is not a whole number from 1 to 10000; expected repeat <n> [every=<duration>] { ... }, or repeat <n> [every=<duration>] <step>`},
		{"repeat 3 every=1s", `t.scn:1: repeat: nothing to repeat; expected repeat <n> [every=<duration>] { ... }, or repeat <n> [every=<duration>] <step>`},
		{"repeat 3 times=2 wait 1s", `t.scn:1: repeat: unknown key "times"; expected every=<duration> before the repeated step`},
		{"repeat 3 cluster", `t.scn:1: repeat: cluster cannot be repeated; expected it before the repeat (repeatable: crash, expect, failpoint, fault, heal, known, move-leader, restart, stop, wait)`},
		{"repeat 3 repeat 2 wait 1s", `t.scn:1: repeat: repeat inside a repeat; expected one level of repeat`},
		{"repeat 3 wait 5", `t.scn:1: repeat: wait: "5" has no unit; expected a Go duration like 5ms or 5s`},
		{"repeat 3 {\n}", `t.scn:1: empty repeat block; expected at least one step between "{" and "}"`},
		{"repeat 3 {\n  repeat 2 {\n    wait 1s\n  }\n}", `t.scn:2: repeat inside the repeat block of line 1; expected one level of repeat, or "}" closing that block first`},
		{"repeat 3 {\nwait 1s", `t.scn:1: repeat block is never closed; expected "}" on a line of its own`},
		{"wait 1s\n}", `t.scn:2: "}" without an open block; expected "repeat <n> {" before it`},
		{"repeat 3 {\nwait 1s\n} x", `t.scn:3: "x" after "}"; expected "}" alone on its line`},
		{"repeat 3 { wait 1s }", `t.scn:1: "{" before the end of the line; expected "{" last: repeat <n> {`},
		{"crash leader {\n}", `t.scn:1: only repeat opens a block with "{"; expected repeat <n> {`},
		{"repeat 2 {\nseed 1\n}", `t.scn:2: seed inside a repeat block; expected it at the top of the script`},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			assert.Equal(t, c.want, parseErr(t, c.src))
		})
	}
}

func TestParseErrorsAreCollected(t *testing.T) {
	src := "cluster members=3\ncrash leadr\n\nwait 2s\nexpect advance within 2\nfualt x\n"
	_, err := Parse("storm.scn", []byte(src))
	require.Error(t, err)
	var list ErrorList
	require.True(t, errors.As(err, &list))
	require.Len(t, list, 3)
	assert.Equal(t, &Error{File: "storm.scn", Line: 2, Msg: `crash: unknown target "leadr"; expected leader, follower, follower:<n>, m<n>, all, quorum, pinned or watched`}, list[0])
	assert.Equal(t, 5, list[1].Line)
	assert.Equal(t, 6, list[2].Line)
	assert.Equal(t, list[0].Error()+"\n"+list[1].Error()+"\n"+list[2].Error(), err.Error())

	var one *Error
	require.True(t, errors.As(err, &one), "errors.As reaches each problem")
	assert.Equal(t, 2, one.Line)
}

func TestParseErrorWithoutFileName(t *testing.T) {
	_, err := Parse("", []byte("dance"))
	require.Error(t, err)
	assert.Regexp(t, `^<script>:1: unknown verb "dance"`, err.Error())
}

func TestRequirementAndKnownErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"crash leader [legacy]", `t.scn:1: tags [legacy] on crash; expected no tags: only known lines take them. Every other step is the same for every advancer, so a fault lasts as long whichever advancer runs and every advancer meets the same requirements (state a preset's known deviation with known ... [legacy])`},
		{"expect advance within 1s [robust]", `t.scn:1: tags [robust] on expect; expected no tags: only known lines take them.`},
		{"known stall for 1s bug=x", `t.scn:1: known without presets; expected the presets whose known deviation it states, last on the line: known advance|detect within`},
		{"known stall for 1s [legacy]", `t.scn:1: known: missing bug=; expected the issue or reason the deviation stands for, e.g. bug="pingcap/tidb#69048"`},
		{"known leader-change within 1s bug=x [legacy]", `t.scn:1: known: known leader-change; expected a known deviation of the advancer (advance, stall, no-stall or detect): the leader is the cluster's doing`},
		{"expect advance within 1s from=1s", `t.scn:1: expect: from= on expect advance; expected from= only on no-stall (where the window starts)`},
		{"cluster members=3\nfault disk-stall target=leader", "t.scn:2: fault: fault disk-stall without disk=true on the cluster line; expected cluster ... disk=true"},
		{"advancer backof-max=3s", `t.scn:1: advancer: unknown advancer knob "backof-max" (did you mean backoff-max?); known: backoff-max, scale-x`},
		{"known stall for 1s bug=x rate=100% [legacy]", "t.scn:1: known: rate=100%; expected the share of runs the deviation shows in, from 1% to 99% (leave rate out for every run)"},
		{"advancer endpoints=some", "t.scn:1: advancer: endpoints=some; expected endpoints=all (the advancer's client knows every member) or endpoints=pinned (only the watch-on member)"},
		{"known stall for 1s bug=x [robsut]", `t.scn:1: unknown preset "robsut" in [robsut] (did you mean robust?); known: legacy, robust`},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			_, err := Parse("t.scn", []byte(c.src), WithKnobs("backoff-max", "scale-x"), WithPresets("legacy", "robust"),
				WithFaults(FaultSpecs{"disk-stall": {NeedsDisk: true}}))
			assert.ErrorContains(t, err, c.want)
		})
	}
}
