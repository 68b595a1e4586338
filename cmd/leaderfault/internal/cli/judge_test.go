package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A real make repro report judged again at its own settings reaches its
// own verdicts and prints what merge prints; with another stall threshold
// its figures move.
func TestJudgeARecordedReport(t *testing.T) {
	merged := invoke(t, "merge", "testdata/repro.json")
	require.Equal(t, ExitOK, merged.code, merged.stderr)
	r := invoke(t, "judge", "testdata/repro.json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Equal(t, merged.stdout+"judged again at each run's own settings: every verdict as the report says\n", r.stdout)

	lenient := invoke(t, "judge", "--stall-threshold", "20s", "testdata/repro.json")
	require.Equal(t, ExitOK, lenient.code, lenient.stderr)
	assert.Contains(t, merged.stdout, "no-stall 9.80s ✗", "legacy's longest lag misses the 2s threshold")
	assert.Contains(t, lenient.stdout, "no-stall 9.80s ✓", "and meets a 20s one")
	assert.Contains(t, lenient.stdout, "judged again with stall threshold 20s")
}

func TestJudgeBadInput(t *testing.T) {
	src, err := os.ReadFile("testdata/repro.json")
	require.NoError(t, err)
	old := filepath.Join(t.TempDir(), "old.json")
	unrecorded := regexp.MustCompile(`"(what|within_ms|from_ms)": [^,]*,`).ReplaceAll(src, nil)
	require.NoError(t, os.WriteFile(old, unrecorded, 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"judge"}, "want one JSON report, got 0 arguments"},
		{[]string{"judge", "--stall-threshold", "-1s", "testdata/repro.json"}, "want a duration of 0 or more"},
		{[]string{"judge", "--stall-treshold", "1s", "testdata/repro.json"}, "--stall-threshold"},
		{[]string{"judge", old}, "line 35: the report does not record what its expectations measure"},
	} {
		r := invoke(t, tc.args...)
		assert.Equal(t, ExitUsage, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.want, "%v", tc.args)
		assert.Empty(t, r.stdout, "%v: nothing printed before the error", tc.args)
	}
}
