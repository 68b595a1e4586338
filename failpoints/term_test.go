package failpoints

import (
	"errors"
	"strings"
	"testing"

	"github.com/pingcap/failpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTermAcceptsPingcapTerms(t *testing.T) {
	for _, term := range []string{
		`sleep(500)`, `sleep("2s")`, `pause`, `50%return(true)`, `3*sleep(100)->off`,
		`5*return("follower")`, `10%return("any")`, `return(1)`, `off`, `print("x")`,
		`25.5%3*return(false)->pause`, `return`, `1*pause->sleep(10)->off`,
	} {
		t.Run(term, func(t *testing.T) {
			pt, err := ParseTerm(term)
			require.NoError(t, err)
			// pingcap/failpoint must agree.
			var fp failpoint.Failpoint
			require.NoError(t, fp.Enable(term))
			fp.Disable()
			assert.Equal(t, term, pt.Text)
		})
	}
}

func TestParseTermRejectsWithPositionAndGrammar(t *testing.T) {
	for _, tc := range []struct {
		term, msg string
		offset    int
	}{
		{``, "empty term", 0},
		{`sleep(1.5)`, "floats are not accepted", 6},
		{`panic`, "refused", 0},
		{`break`, "refused", 0},
		{`sleap(1)`, `unknown action "sleap"`, 0},
		{`sleep`, "sleep needs milliseconds", 0},
		{`sleep("2x")`, "not a Go duration", 0},
		{`pause(1)`, "takes no value", 0},
		{`50return(true)`, `expected "%" or "*"`, 2},
		{`150%return`, "probability", 0},
		{`0*return`, "count", 0},
		{`return(true)->`, `expected a term after "->"`, 14},
		{`return(true)x`, `expected "->"`, 12},
		{`return("abc)`, "unterminated string", 7},
		{`return(abc`, `"(" without ")"`, 6},
		{`return()`, "empty value", 7},
	} {
		t.Run(tc.term, func(t *testing.T) {
			_, err := ParseTerm(tc.term)
			require.Error(t, err)
			var te *TermError
			require.True(t, errors.As(err, &te))
			assert.Contains(t, te.Msg, tc.msg)
			assert.Equal(t, tc.offset, te.Offset, "offset")
			assert.Contains(t, err.Error(), "term grammar")
		})
	}
}

func TestFiresOnFirstEval(t *testing.T) {
	for term, want := range map[string]bool{
		"pause": true, "3*sleep(10)": true, "50%pause": false, "return(1)": true,
	} {
		pt, err := ParseTerm(term)
		require.NoError(t, err)
		assert.Equal(t, want, pt.FiresOnFirstEval(), term)
	}
}

// FuzzParseTerm: never panics; every error names an offset inside the term;
// whatever we accept, pingcap/failpoint accepts too.
func FuzzParseTerm(f *testing.F) {
	for _, s := range []string{`sleep(500)`, `sleep("2s")`, `pause`, `50%return(true)`, `3*sleep(100)->off`, `1.5%2*print`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := ParseTerm(s)
		if err != nil {
			var te *TermError
			if !errors.As(err, &te) {
				t.Fatalf("error is not a TermError: %v", err)
			}
			if te.Offset < 0 || te.Offset > len(s) {
				t.Fatalf("offset %d outside term of length %d", te.Offset, len(s))
			}
			if !strings.Contains(err.Error(), "term grammar") {
				t.Fatal("error lacks the grammar")
			}
			return
		}
		if len(pt.Chain) == 0 {
			t.Fatal("accepted term with no action")
		}
		var fp failpoint.Failpoint
		if err := fp.Enable(s); err != nil {
			t.Fatalf("we accept %q but pingcap/failpoint does not: %v", s, err)
		}
		fp.Disable()
	})
}
