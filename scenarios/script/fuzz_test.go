package script

import (
	"regexp"
	"strings"
	"testing"
)

// errorLine is what every line of a parse error starts with.
var errorLine = regexp.MustCompile(`^fuzz\.scn:[1-9][0-9]*: \S`)

// FuzzParse checks that no input makes Parse panic, that every error line
// names the file and a line, and that whatever parses round-trips through
// Format — with and without the runner's catalogs.
func FuzzParse(f *testing.F) {
	for _, src := range examples(f) {
		f.Add(src)
	}
	for _, src := range []string{
		"repeat 3 {\n  wait 1s\n}\n}",
		"repeat 2 every=1s fault x target=leader every=5ms [a]",
		`failpoint fp "50%return(true)->sleep(\"1s\")"`,
		"advancer scale=1e-07 n=\"\\x00\" s='\"'",
		"scenario \"a\\tb\" 'c'\nseed -1",
		"cluster members=3 [!a]\ncluster members=5 [a]\ncrash m4 [a]",
		"expect stall for=1s [!legacy, robust] # c",
		"crash leader {\n}\n{",
	} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, opts := range [][]Option{nil, testOptions} {
			s, err := Parse("fuzz.scn", src, opts...)
			if err != nil {
				for _, line := range strings.Split(err.Error(), "\n") {
					if !errorLine.MatchString(line) {
						t.Fatalf("error line %q lacks the fuzz.scn:<line>: prefix; source %q", line, src)
					}
				}
				continue
			}
			requireRoundTrip(t, s, opts...)
		}
	})
}
