package script

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReferenceSteps(t *testing.T) {
	s := parse(t, `
fault disk-stall target=leader
failpoint leader-transfer pause
failpoint leader-transfer off
move-leader
crash leader
stop m1
restart m1
heal
wait 1s
expect advance within 1s
repeat 2 crash follower
`)
	var refs []string
	for _, st := range s.Steps {
		if st.Reference() {
			refs = append(refs, st.Verb())
		}
	}
	assert.Equal(t, []string{"fault", "failpoint", "failpoint", "move-leader", "crash", "stop", "restart", "heal"}, refs,
		"a repeat is not a reference point itself; its steps are, each time they run")
}

func TestRepeatedExpectationIsRejected(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"a wait does not move the reference point",
			"fault disk-stall target=follower:1\nexpect advance within 500ms\nwait 1s\nexpect advance within 500ms",
			"t.scn:4: expect advance repeats line 2: both measure from line 1 (fault disk-stall target=follower:1), so this one can only repeat that result; " +
				"expected a reference step (fault, failpoint, move-leader, crash, stop, restart or heal) between them, or one expectation (expect no-stall for D judges a whole window)"},
		{"before any fault",
			"expect advance within 1s\nexpect advance within 2s",
			"t.scn:2: expect advance repeats line 1: both measure from the start of the run, so this one"},
		{"a tag shared by both", "crash leader\nknown stall for 1s bug=x [legacy,pr69047]\nknown stall for 2s bug=y [pr69047]",
			"t.scn:3: known stall repeats line 2"},
		{"inside a repeat block", "crash leader\nexpect detect within 1s\nrepeat 2 {\n  wait 1s\n  expect detect within 1s\n}",
			"t.scn:5: expect detect repeats line 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t.scn", []byte(c.src))
			assert.ErrorContains(t, err, c.want)
		})
	}
}

func TestDistinctExpectationsAreAccepted(t *testing.T) {
	parse(t, `
fault disk-stall target=leader
expect leader-change within 1s
expect advance within 500ms
known stall for 1s bug=x      [legacy,pr69047]
known advance within 1s bug=x [legacy]
expect no-stall for 1s
failpoint leader-transfer off
expect advance within 500ms
heal
expect advance within 500ms
`)
}
