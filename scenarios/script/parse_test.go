package script

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSteps(t *testing.T) {
	ms := time.Millisecond
	dur := func(d time.Duration) Value { return Value{Kind: KindDuration, Duration: d} }
	leader := TargetSpec{Kind: TargetLeader}
	cases := []struct {
		src  string
		want Step
	}{
		{"cluster", Step{Action: ClusterSpec{}}},
		{"cluster members=5 profile=production tick=20ms election=200ms disk=true",
			Step{Action: ClusterSpec{Members: 5, Profile: "production", Tick: 20 * ms, Election: 200 * ms, Disk: true}}},
		{"cluster members=1 disk=false", Step{Action: ClusterSpec{Members: 1}}},
		{"advancer", Step{Action: StartAdvancer{}}},
		{"advancer watch-on=follower:1 scale=2 backoff-max=3s mode=fast retries=4 ratio=0.5 name='x y'",
			Step{Action: StartAdvancer{WatchOn: TargetSpec{Kind: TargetNthFollower, Index: 1}, Scale: 2, Knobs: []Param{
				{"backoff-max", dur(3 * time.Second)},
				{"mode", Value{Kind: KindWord, Text: "fast"}},
				{"retries", Value{Kind: KindInt, Int: 4}},
				{"ratio", Value{Kind: KindFloat, Float: 0.5}},
				{"name", Value{Kind: KindString, Text: "x y"}},
			}}}},
		{"writer every=20ms", Step{Action: StartWriter{Every: 20 * ms}}},
		{"writer every=1.5s via=m2", Step{Action: StartWriter{Every: 1500 * ms, Via: TargetSpec{Kind: TargetMember, Index: 2}}}},
		{"fault disk-stall target=leader", Step{Action: Inject{Kind: "disk-stall", Target: leader}}},
		{"fault peer-delay target=all delay=50ms jitter=10ms for=2s as=slow",
			Step{Action: Inject{Kind: "peer-delay", Target: TargetSpec{Kind: TargetAll}, For: 2 * time.Second, As: "slow",
				Params: []Param{{"delay", dur(50 * ms)}, {"jitter", dur(10 * ms)}}}}},
		{"fault crash target=quorum", Step{Action: Inject{Kind: "crash", Target: TargetSpec{Kind: TargetQuorum}}}},
		{"failpoint a/b sleep(100)", Step{Action: Failpoint{Name: "a/b", Term: "sleep(100)"}}},
		{`failpoint a/b 'sleep("2s")'`, Step{Action: Failpoint{Name: "a/b", Term: `sleep("2s")`}}},
		{`failpoint a/b "sleep(\"2s\")->off"`, Step{Action: Failpoint{Name: "a/b", Term: `sleep("2s")->off`}}},
		{`failpoint a/b term='pause'`, Step{Action: Failpoint{Name: "a/b", Term: "pause"}}},
		{"failpoint a/b 3*sleep(100)->off", Step{Action: Failpoint{Name: "a/b", Term: "3*sleep(100)->off"}}},
		{"failpoint a/b off", Step{Action: Failpoint{Name: "a/b", Off: true}}},
		{"move-leader", Step{Action: MoveLeader{To: TargetSpec{Kind: TargetFollower}}}},
		{"move-leader to=pinned", Step{Action: MoveLeader{To: TargetSpec{Kind: TargetPinned}}}},
		{"crash leader", Step{Action: Lifecycle{Op: OpCrash, Target: leader}}},
		{"stop follower", Step{Action: Lifecycle{Op: OpStop, Target: TargetSpec{Kind: TargetFollower}}}},
		{"restart all", Step{Action: Lifecycle{Op: OpRestart, Target: TargetSpec{Kind: TargetAll}}}},
		{"heal", Step{Action: Heal{}}},
		{"heal all", Step{Action: Heal{}}},
		{"wait 2s", Step{Action: Wait{For: 2 * time.Second}}},
		{"wait leader-change", Step{Action: Wait{Until: WaitLeaderChange}}},
		{"wait advance within 1s", Step{Action: Wait{Until: WaitAdvance, Within: time.Second}}},
		{"wait advance within=1s", Step{Action: Wait{Until: WaitAdvance, Within: time.Second}}},
		{"expect advance within 200ms", Step{Action: Expect{What: ExpectAdvance, Duration: 200 * ms}}},
		{"expect stall for 3s", Step{Action: Expect{What: ExpectStall, Duration: 3 * time.Second}}},
		{"expect stall for=3s", Step{Action: Expect{What: ExpectStall, Duration: 3 * time.Second}}},
		{"expect leader-change within 1s", Step{Action: Expect{What: ExpectLeaderChange, Duration: time.Second}}},
		{"expect detect within=1m", Step{Action: Expect{What: ExpectDetect, Duration: time.Minute}}},
		{"expect no-stall for 1s from=200ms", Step{Action: Expect{What: ExpectNoStall, Duration: time.Second, From: 200 * ms}}},
		{"known advance within 1s bug=x [robust]",
			Step{Presets: []string{"robust"}, Action: Known{Expect: Expect{What: ExpectAdvance, Duration: time.Second}, Bug: "x"}}},
		{"known advance within 1s bug='a#1'[ pr69047 , robust ]  # spaces are fine",
			Step{Presets: []string{"pr69047", "robust"}, Action: Known{Expect: Expect{What: ExpectAdvance, Duration: time.Second}, Bug: "a#1"}}},
		{"known stall for 2s bug=x [legacy]", Step{Presets: []string{"legacy"}, Action: Known{Expect: Expect{What: ExpectStall, Duration: 2 * time.Second}, Bug: "x"}}},
		{"advancer watch-on=m1 endpoints=pinned", Step{Action: StartAdvancer{WatchOn: TargetSpec{Kind: TargetMember, Index: 1}, Endpoints: EndpointsPinned}}},
		{"repeat 5 every=300ms move-leader to=m1",
			Step{Action: Repeat{Count: 5, Every: 300 * ms, Steps: []Step{{Action: MoveLeader{To: TargetSpec{Kind: TargetMember, Index: 1}}}}}}},
		{"repeat 2 fault x target=leader every=5ms",
			Step{Action: Repeat{Count: 2, Steps: []Step{
				{Action: Inject{Kind: "x", Target: leader, Params: []Param{{"every", dur(5 * ms)}}}}}}}},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			s := parse(t, c.src)
			require.Len(t, s.Steps, 1)
			assert.Equal(t, c.want, stripSteps(s.Steps)[0])
		})
	}
}

func TestParseKeepsPositionsAndText(t *testing.T) {
	src := "# header comment\n\n  crash leader   # why\r\nrepeat 2 every=1s wait 1s\nrepeat 3 {\n\twait 2s\n}\n"
	s := parse(t, src)
	require.Len(t, s.Steps, 3)
	assert.Equal(t, 3, s.Steps[0].Line)
	assert.Equal(t, "crash leader", s.Steps[0].Text)
	assert.Equal(t, "crash", s.Steps[0].Verb())

	inline := s.Steps[1].Action.(Repeat)
	assert.Equal(t, "repeat 2 every=1s wait 1s", s.Steps[1].Text)
	assert.Equal(t, Step{Line: 4, Text: "wait 1s", Action: Wait{For: time.Second}}, inline.Steps[0])

	block := s.Steps[2]
	assert.Equal(t, 5, block.Line)
	assert.Equal(t, "repeat 3 {", block.Text)
	assert.Equal(t, []Step{{Line: 6, Text: "wait 2s", Action: Wait{For: 2 * time.Second}}}, block.Action.(Repeat).Steps)
}

func TestParseHeader(t *testing.T) {
	s := parse(t, "scenario storm \"five transfers\"\nseed -7\ncrash leader\n")
	assert.Equal(t, "storm", s.Name)
	assert.Equal(t, "five transfers", s.Description)
	require.NotNil(t, s.Seed)
	assert.Equal(t, int64(-7), *s.Seed)
	assert.Equal(t, "t.scn", s.File)

	s, err := Parse("dir/leader-crash.scn", []byte("crash leader"))
	require.NoError(t, err)
	assert.Equal(t, "leader-crash", s.Name, "name defaults to the file name")
	assert.Empty(t, s.Description)
	assert.Nil(t, s.Seed)

	s = parse(t, `scenario "name with spaces"`)
	assert.Equal(t, "name with spaces", s.Name)
}

func TestParseRepeatBlockWithTags(t *testing.T) {
	s := parse(t, `
repeat 3 every=1s {
    fault client-reset target=pinned   # comment inside
    known no-stall for 200ms bug=x [robust]
}`)
	require.Len(t, s.Steps, 1)
	st := s.Steps[0]
	r := st.Action.(Repeat)
	assert.Equal(t, 3, r.Count)
	assert.Equal(t, time.Second, r.Every)
	require.Len(t, r.Steps, 2)
	assert.Equal(t, []string{"robust"}, r.Steps[1].Presets)
}

func TestParseMemberIndexesFollowTheCluster(t *testing.T) {
	parse(t, "cluster members=5\ncrash m4\nstop follower:3")
	parse(t, "crash m4", Option(nil)) // no cluster line: checked against MaxMembers
	assert.Equal(t, `t.scn:2: crash: no member "m3": the cluster has 3 members, not 4; expected m0 to m2`,
		parseErr(t, "cluster members=3\ncrash m3"))
	assert.Equal(t, `t.scn:2: crash: "follower:2": the cluster has 2 followers, not 3; expected follower:0 to follower:1`,
		parseErr(t, "cluster members=3\ncrash follower:2"))
}

func TestParseFile(t *testing.T) {
	s, err := ParseFile("testdata/leader-disk-stall.scn")
	require.NoError(t, err)
	assert.Equal(t, "leader-disk-stall", s.Name)
	assert.Equal(t, "testdata/leader-disk-stall.scn", s.File)

	_, err = ParseFile("testdata/missing.scn")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "testdata/missing.scn")
}
