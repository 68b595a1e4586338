package script

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current formatter")

// examples returns the example scripts in testdata, by file name.
func examples(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.scn")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string][]byte{}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		out[filepath.Base(p)] = src
	}
	return out
}

// requireRoundTrip checks that formatting s and parsing the result gives s
// back, and that formatting is a fixed point.
func requireRoundTrip(t testing.TB, s *Script, opts ...Option) {
	t.Helper()
	text := s.Format()
	again, err := Parse(s.File, []byte(text), opts...)
	require.NoError(t, err, "formatted script does not parse:\n%s", text)
	require.Equal(t, withoutPositions(s), withoutPositions(again), "formatted:\n%s", text)
	require.Equal(t, text, again.Format())
}

func TestFormatRoundTrip(t *testing.T) {
	for name, src := range examples(t) {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(name, src)
			require.NoError(t, err)
			requireRoundTrip(t, s)
		})
	}
	sources := []string{
		"",
		"seed -3",
		`scenario "a b" "desc with \"quotes\" and 'apostrophes'"`,
		"advancer scale=1e-07 big=1e+21 f=2.0 i=-4 d=90m w=true s='x=y' e=\"\" n=\"\\x00\\n\"",
		`failpoint fp 'return("x")'`,
		`failpoint fp "50%return(true)->sleep(\"1s\")"`,
		"fault x target=follower:0 p=1 for=1h as=a\nheal a\nheal x\nheal",
		"repeat 2 wait 1s\nrepeat 2 {\n known stall for 1s bug=x [b]\n}\nrepeat 3 every=2s {\n crash m1\n restart m1\n}",
		"wait leader-change within=3s\nknown no-stall for=1s from=5ms bug=\"a b\" rate=40% [a,b]\nadvancer endpoints=pinned",
	}
	for _, src := range sources {
		t.Run(src, func(t *testing.T) {
			requireRoundTrip(t, parse(t, src))
		})
	}
}

func TestFormatGolden(t *testing.T) {
	for name, src := range examples(t) {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(name, src)
			require.NoError(t, err)
			golden := filepath.Join("testdata", strings.TrimSuffix(name, ".scn")+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(s.Format()), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(want), s.Format())
		})
	}
}

func TestStepString(t *testing.T) {
	cases := map[string]string{
		"known   stall for=3000ms  bug=x [legacy, pr69047]  # comment": "known stall for 3s bug=x [legacy,pr69047]",
		"failpoint fp term='pause'":                                    "failpoint fp pause",
		"failpoint fp \"sleep(\\\"2s\\\")\"":                           `failpoint fp 'sleep("2s")'`,
		"heal all":                                                     "heal",
		"move-leader":                                                  "move-leader to=follower",
		"wait advance within=1500ms":                                   "wait advance within 1.5s",
		"advancer scale=2":                                             "advancer scale=2",
		"repeat 2 every=1s crash m0":                                   "repeat 2 every=1s crash m0",
		"repeat 2 {\nknown stall for 1s bug=x [a]\n}":                  "repeat 2 {\n    known stall for 1s bug=x [a]\n}",
	}
	for src, want := range cases {
		s := parse(t, src)
		require.Len(t, s.Steps, 1)
		assert.Equal(t, want, s.Steps[0].String(), "source %q", src)
	}
	assert.Equal(t, "# step without an action", Step{}.String())
}
