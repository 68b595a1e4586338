package script

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testFaults is the fault catalog the runner plans, as a FaultSpecs.
var testFaults = FaultSpecs{
	"disk-stall":       {},
	"disk-delay":       {Params: map[string]ValueKind{"delay": KindDuration}, Required: []string{"delay"}},
	"peer-isolate":     {},
	"peer-mute":        {},
	"peer-deaf":        {},
	"peer-delay":       {Params: map[string]ValueKind{"delay": KindDuration, "jitter": KindDuration}, Required: []string{"delay"}},
	"peer-blackhole":   {},
	"client-blackhole": {},
	"client-delay":     {Params: map[string]ValueKind{"delay": KindDuration, "probability": KindFloat}},
	"client-pause":     {},
	"client-reset":     {Params: map[string]ValueKind{"mode": KindString}},
	"crash":            {},
	"stop":             {},
}

var testOptions = []Option{
	WithFaults(testFaults),
	WithFailpoints("etcdserver/beforeApply", "disk/fsync"),
	WithPresets("legacy", "pr69047", "robust"),
}

func TestFaultSpecs(t *testing.T) {
	ok := []string{
		"fault disk-stall target=leader for=1s as=s",
		"fault peer-delay target=m1 delay=50ms jitter=5ms",
		"fault client-delay target=pinned delay=1s probability=1",
		"fault client-delay target=pinned probability=0.5",
		"fault client-reset target=pinned mode=rst",
		"fault client-reset target=pinned mode='rst now'",
	}
	for _, src := range ok {
		parse(t, src, testOptions...)
	}
	bad := map[string]string{
		"fault disk-delya target=leader":                    `t.scn:1: unknown fault "disk-delya" (did you mean disk-delay?); known: client-blackhole, client-delay, client-pause, client-reset, crash, disk-delay, disk-stall, peer-blackhole, peer-deaf, peer-delay, peer-isolate, peer-mute, stop`,
		"fault disk-stall target=leader delay=1s":           `t.scn:1: fault disk-stall takes no parameters besides target=, for= and as=; got delay=1s`,
		"fault peer-delay target=leader delay=1s jiter=1ms": `t.scn:1: fault peer-delay: unknown parameter "jiter" (did you mean jitter?); expected delay=<duration> [jitter=<duration>]`,
		"fault disk-delay target=leader":                    `t.scn:1: fault disk-delay: missing delay=<duration>; expected delay=<duration>`,
		"fault disk-delay target=leader delay=fast":         `t.scn:1: fault disk-delay: delay=fast is a word; expected delay=<duration>`,
		"fault client-delay target=m0 probability=1s":       `t.scn:1: fault client-delay: probability=1s is a duration; expected probability=<float>`,
	}
	for src, want := range bad {
		assert.Equal(t, want, parseErr(t, src, testOptions...), "source %q", src)
	}
}

func TestFaultCatalogFunc(t *testing.T) {
	var seen []string
	check := FaultCatalogFunc(func(kind string, params []Param) error {
		seen = append(seen, kind)
		if kind == "nope" {
			return errors.New("no such fault\nsecond line")
		}
		return nil
	})
	parse(t, "fault yes target=leader p=1", WithFaults(check))
	assert.Equal(t, "t.scn:1: no such fault; second line", parseErr(t, "fault nope target=leader", WithFaults(check)),
		"a checker's message stays on one line")
	assert.Equal(t, []string{"yes", "nope"}, seen)
}

func TestWithFailpoints(t *testing.T) {
	parse(t, "failpoint disk/fsync sleep(10)\nfailpoint disk/fsync off", testOptions...)
	assert.Equal(t, `t.scn:1: failpoint: unknown failpoint "disk/fsnc" (did you mean disk/fsync?); known: etcdserver/beforeApply, disk/fsync`,
		parseErr(t, "failpoint disk/fsnc off", testOptions...))
	assert.Contains(t, parseErr(t, "failpoint any off", WithFailpoints()), `unknown failpoint "any"`,
		"an empty list knows no failpoint")
}

func TestWithPresets(t *testing.T) {
	parse(t, "crash leader\nknown stall for 1s bug=x [legacy,robust]\nknown detect within 1s bug=x [legacy]", testOptions...)
	assert.Equal(t, `t.scn:1: unknown preset "robsut" in [robsut] (did you mean robust?); known: legacy, pr69047, robust`,
		parseErr(t, "known stall for 1s bug=x [robsut]", testOptions...))

	assert.Contains(t, parseErr(t, "known stall for 1s bug=x [!legacy]"), "known with [!legacy]; expected the presets it describes by name")
}

func TestDidYouMean(t *testing.T) {
	known := []string{"advance", "detect", "leader-change", "stall"}
	assert.Equal(t, " (did you mean advance?)", didYouMean("advnace", known), "transposition")
	assert.Equal(t, " (did you mean stall?)", didYouMean("stal", known))
	assert.Empty(t, didYouMean("banana", known), "nothing close")
	assert.Empty(t, didYouMean("x", nil))
}

func TestValueAccessors(t *testing.T) {
	s := parse(t, "advancer d=2s i=3 f=0.5 b=true w=x s='y'")
	adv := s.Steps[0].Action.(StartAdvancer)
	get := func(k string) Value {
		v, ok := adv.Knob(k)
		require.True(t, ok, k)
		return v
	}
	d, ok := get("d").AsDuration()
	assert.True(t, ok)
	assert.Equal(t, "2s", d.String())
	i, ok := get("i").AsInt()
	assert.True(t, ok)
	assert.Equal(t, int64(3), i)
	f, ok := get("i").AsFloat()
	assert.True(t, ok, "an int is a float too")
	assert.Equal(t, 3.0, f)
	f, ok = get("f").AsFloat()
	assert.True(t, ok)
	assert.Equal(t, 0.5, f)
	b, ok := get("b").AsBool()
	assert.True(t, ok)
	assert.True(t, b)
	_, ok = get("w").AsBool()
	assert.False(t, ok)
	str, ok := get("s").AsString()
	assert.True(t, ok)
	assert.Equal(t, "y", str)
	_, ok = get("d").AsString()
	assert.False(t, ok)
	_, ok = adv.Knob("missing")
	assert.False(t, ok)
}
