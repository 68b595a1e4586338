package scenarios

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRunOne(t *testing.T) {
	sc, err := ParseFile("../testdata/scenarios/leader-disk-stall.scn")
	require.NoError(t, err)
	for _, p := range []string{"robust", "legacy", "pr69047"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := Run(ctx, sc, Options{Preset: p, Logf: t.Logf})
		cancel()
		t.Log(res.Summary())
		if !res.Passed {
			t.Log(res.Timeline())
		}
		require.NoError(t, err)
	}
}
