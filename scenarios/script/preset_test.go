package script

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForPreset(t *testing.T) {
	s := parse(t, `
crash leader
known advance within 1s bug=x [robust]
known stall for 2s bug=x [legacy,pr69047]
known detect within 1s bug=x [pr69047,robust]
repeat 2 {
    known no-stall for 1s bug=x [legacy]
    known no-stall for 2s bug=x [robust]
}
repeat 3 {
    known no-stall for 3s bug=x [pr69047]
}
`)
	texts := func(steps []Step) []string {
		var out []string
		for _, st := range steps {
			out = append(out, st.String())
		}
		return out
	}
	assert.Equal(t, []string{
		"crash leader",
		"known stall for 2s bug=x [legacy,pr69047]",
		"repeat 2 {\n    known no-stall for 1s bug=x [legacy]\n}",
	}, texts(s.ForPreset("legacy")))
	assert.Equal(t, []string{
		"crash leader",
		"known advance within 1s bug=x [robust]",
		"known detect within 1s bug=x [pr69047,robust]",
		"repeat 2 {\n    known no-stall for 2s bug=x [robust]\n}",
	}, texts(s.ForPreset("robust")))
	assert.Equal(t, []string{
		"crash leader",
	}, texts(s.ForPreset("custom")), "a preset no tag names runs the untagged steps: known lines are for the presets they name")

	pr := s.ForPreset("pr69047")
	require.Len(t, pr, 4)
	assert.Equal(t, 3, pr[3].Action.(Repeat).Count, "repeats are kept, not unrolled")

	assert.Equal(t, []string{"legacy", "pr69047", "robust"}, s.Presets())
	assert.Len(t, s.Steps[4].Action.(Repeat).Steps, 2, "ForPreset leaves the script alone")
}

func TestAppliesTo(t *testing.T) {
	s := parse(t, "crash m0\nknown stall for 1s bug=x [a]\ncrash m0\nknown stall for 1s bug=x [b]")
	assert.True(t, s.Steps[0].AppliesTo("a"))
	assert.True(t, s.Steps[1].AppliesTo("a"))
	assert.False(t, s.Steps[1].AppliesTo("b"))
	assert.False(t, s.Steps[3].AppliesTo("a"))
	assert.True(t, s.Steps[3].AppliesTo("b"))
}

func TestTagsOverlap(t *testing.T) {
	tg := func(except bool, names ...string) tags { return tags{names: names, except: except} }
	assert.True(t, tg(false, "a", "b").overlaps(tg(false, "b"), nil))
	assert.False(t, tg(false, "a").overlaps(tg(false, "b"), nil))
	assert.False(t, tg(false, "a").overlaps(tg(true, "a"), nil))
	assert.True(t, tg(true, "a").overlaps(tg(false, "b"), nil))
	assert.True(t, tg(true, "a").overlaps(tg(true, "b"), nil))
	assert.False(t, tg(true, "a").overlaps(tg(true, "b"), []string{"a", "b"}))
	assert.True(t, tg(true, "a").overlaps(tg(true, "b"), []string{"a", "b", "c"}))
}
