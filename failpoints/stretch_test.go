package failpoints

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStretchTermMultipliesSleepsOnly(t *testing.T) {
	for _, c := range []struct {
		term string
		k    float64
		want string
	}{
		{`sleep(50)`, 10, `sleep(500)`},
		{`sleep("2s")`, 10, `sleep("20s")`},
		{`sleep("150ms")`, 0.5, `sleep("75ms")`},
		{`3*sleep(100)->off`, 10, `3*sleep(1000)->off`},
		{`30%return("follower")`, 10, `30%return("follower")`},
		{`12.5%2*sleep(4)->pause->return(true)->print("x")`, 2, `12.5%2*sleep(8)->pause->return(true)->print("x")`},
	} {
		got, err := StretchTerm(c.term, c.k)
		require.NoError(t, err, c.term)
		assert.Equal(t, c.want, got, "%s ×%g", c.term, c.k)
		_, err = ParseTerm(got)
		assert.NoError(t, err, "the stretched term parses: %s", got)
	}
}

func TestStretchTermRejects(t *testing.T) {
	_, err := StretchTerm(`sleep(5)`, 0.5)
	assert.ErrorContains(t, err, "not whole milliseconds")
	_, err = StretchTerm(`sleep(5`, 10)
	assert.Error(t, err, "a malformed term")
	_, err = StretchTerm(`sleep(5)`, 0)
	assert.Error(t, err, "factor 0")
}
