package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/record"
)

const replayScript = `
scenario replay "random choices come from the seed"
seed 4242
cluster members=5
writer every=20ms
advancer watch-on=follower
fault peer-delay target=follower delay=20ms jitter=10ms as=a
move-leader to=follower
fault client-delay target=follower delay=5ms as=b
heal
`

// choices are the seeded decisions of a run: the advancer's member, the
// members each fault hit and each leader move's target.
func choices(res *Result) []string {
	var out []string
	for _, e := range res.Events {
		switch e.Kind {
		case record.KindFaultArmed, record.KindLeaderMove:
			if len(out) == 0 {
				continue // the seeded initial move, if one was needed
			}
			out = append(out, string(e.Kind)+" "+e.Member)
		case record.KindNote:
			if strings.HasPrefix(e.Detail, "initial leader") {
				out = append(out, "initial leader "+e.Member)
			}
		}
	}
	return out
}

func TestReplayBySeedMakesTheSameChoices(t *testing.T) {
	t.Parallel()
	sc, err := Parse("replay.scn", []byte(replayScript))
	require.NoError(t, err)
	run := func(seed int64) *Result {
		// The minute counts from admission: the machine may be busy.
		res, err := Run(context.Background(), sc, Options{Preset: "robust", Seed: seed, Timeout: time.Minute})
		require.NoError(t, err)
		return res
	}
	first := run(0)
	assert.Equal(t, int64(4242), first.Seed, "the script's seed is used and reported")
	second := run(first.Seed)
	require.NotEmpty(t, choices(first))
	assert.Equal(t, choices(first), choices(second), "same seed, same choices")
	t.Logf("choices with seed %d: %v", first.Seed, choices(first))
}
