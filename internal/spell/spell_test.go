package spell

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"ab", "ba", 1}, {"repaet", "repeat", 1},
		{"rnu", "run", 1}, {"bogus", "jobs", 3}, {"leader-transfr", "leader-transfer", 1},
		{strings.Repeat("a", 65), "a", 65},
	} {
		assert.Equal(t, c.want, Distance(c.a, c.b), "%q %q", c.a, c.b)
	}
}
