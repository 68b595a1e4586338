package script

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// parse parses src as t.scn and fails the test on error.
func parse(t *testing.T, src string, opts ...Option) *Script {
	t.Helper()
	s, err := Parse("t.scn", []byte(src), opts...)
	require.NoError(t, err, "source:\n%s", src)
	return s
}

// parseErr parses src as t.scn and returns the error text, failing the test
// if it parsed.
func parseErr(t *testing.T, src string, opts ...Option) string {
	t.Helper()
	s, err := Parse("t.scn", []byte(src), opts...)
	require.Error(t, err, "parsed without error: %+v", s)
	return err.Error()
}

// withoutPositions returns the script with File, Line and Text cleared, to
// compare what two sources mean rather than where they said it.
func withoutPositions(s *Script) *Script {
	c := *s
	c.File = ""
	c.Steps = stripSteps(s.Steps)
	return &c
}

func stripSteps(steps []Step) []Step {
	if steps == nil {
		return nil
	}
	out := make([]Step, len(steps))
	for i, st := range steps {
		st.Line, st.Text = 0, ""
		if r, ok := st.Action.(Repeat); ok {
			r.Steps = stripSteps(r.Steps)
			st.Action = r
		}
		out[i] = st
	}
	return out
}
