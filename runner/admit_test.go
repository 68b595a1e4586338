package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

func TestTimingReadsTheTightestBudgetAndTheLength(t *testing.T) {
	sc, err := Parse("t.scn", []byte(`scenario t
cluster members=3
writer every=20ms
advancer watch-on=leader
fault peer-delay target=leader delay=50ms
expect leader-change within 1s
expect advance within 500ms
known advance within 2s bug="x" [pd]
wait 1500ms
repeat 3 every=400ms move-leader to=follower
heal
expect no-stall for 1s from=100ms
`))
	require.NoError(t, err)
	budget, length := timing(sc.ForPreset("robust"), 100*time.Millisecond)
	assert.Equal(t, 200*time.Millisecond, budget, "the no-stall window judges by the stall threshold, two elections")
	assert.Equal(t, 1500*time.Millisecond+3*400*time.Millisecond+1100*time.Millisecond, length, "waits, the repeat, then the longest expectation")
	budget, _ = timing(sc.ForPreset("robust")[:7], time.Second)
	assert.Equal(t, 500*time.Millisecond, budget, "the smallest deadline")
	budget, _ = timing(sc.ForPreset("robust")[:4], time.Second)
	assert.Equal(t, time.Second, budget, "no deadline: the election timeout")
	budget, _ = timing(nil, 0)
	assert.Zero(t, budget, "unknown: admission's default")
}

// A run records how it was admitted: in its result and as the first note
// of its record.
func TestARunRecordsItsAdmission(t *testing.T) {
	t.Parallel()
	file, src, err := catalog.Source("leader-transfer")
	require.NoError(t, err)
	sc, err := Parse(file, src)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // waiting for admission included
	defer cancel()
	res, err := Run(ctx, sc, Options{Preset: "robust", Timeout: 2 * time.Minute})
	require.NoError(t, err)
	a := res.Admission
	assert.NotEmpty(t, a.Reason)
	assert.Positive(t, a.Budget)
	require.NotEmpty(t, res.Events)
	first := res.Events[0]
	assert.Equal(t, record.KindNote, first.Kind)
	assert.True(t, strings.HasPrefix(first.Detail, "admitted after "), first.Detail)
	assert.Contains(t, first.Detail, "probe delay p99 ")
}
