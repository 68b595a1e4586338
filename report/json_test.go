package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONRoundTrip(t *testing.T) {
	for name, rep := range map[string]*Report{"run": loadSample(t), "sweep": sampleSweep(t)} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.json")
			require.NoError(t, WriteFile(path, rep))
			back, err := ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, rep, back)
		})
	}
}

// TestJSONSchemaFieldNames pins the names CI scripts read: renaming one
// breaks them.
func TestJSONSchemaFieldNames(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, sampleSweep(t)))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	assert.EqualValues(t, SchemaVersion, doc["schema"])
	runs := doc["runs"].([]any)
	require.NotEmpty(t, runs)
	run := runs[0].(map[string]any)
	for _, k := range []string{"scenario", "advancer", "seed", "scale", "passed", "valid", "expectations",
		"recovery_ms", "resumed_ms", "timeline", "knobs", "repeat", "verdict", "counts", "profile"} {
		assert.Contains(t, run, k)
	}
	exp := run["expectations"].([]any)[0].(map[string]any)
	for _, k := range []string{"line", "text", "passed", "measured_ms"} {
		assert.Contains(t, exp, k)
	}
	ev := run["timeline"].([]any)[0].(map[string]any)
	for _, k := range []string{"t_ms", "kind", "member", "detail"} {
		assert.Contains(t, ev, k)
	}
	sweep := doc["sweep"].(map[string]any)
	for _, k := range []string{"advancer", "scenarios", "vary", "repeat"} {
		assert.Contains(t, sweep, k)
	}
	agg := doc["aggregates"].([]any)[0].(map[string]any)
	for _, k := range []string{"scenario", "advancer", "knobs", "runs", "passed", "failed", "known_bug", "not_reproduced", "invalid", "skipped",
		"recovery_ms", "resumed_ms", "stalled_runs", "expectations"} {
		assert.Contains(t, agg, k)
	}

	// Verdict fields of a known bug reproduced.
	buf.Reset()
	require.NoError(t, Write(&buf, loadSample(t)))
	doc = nil
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	run = doc["runs"].([]any)[0].(map[string]any)
	assert.Equal(t, "known-bug", run["verdict"])
	assert.Equal(t, false, run["passed"], "a known bug reproduced is not a pass")
	for _, k := range []string{"why", "bugs"} {
		assert.Contains(t, run, k)
	}
	agg = doc["aggregates"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 1, agg["known_bug"])
	assert.EqualValues(t, 0, agg["failed"])
	assert.Equal(t, []any{"pingcap/tidb#69048"}, agg["bugs"])
	var known map[string]any
	for _, e := range agg["expectations"].([]any) {
		if e.(map[string]any)["known"] == true {
			known = e.(map[string]any)
		}
	}
	require.NotNil(t, known, "aggregated expectations keep known lines apart")
	assert.Equal(t, "pingcap/tidb#69048", known["bug"])
	rec := agg["recovery_ms"].(map[string]any)
	for _, k := range []string{"n", "p50", "p99", "max"} {
		assert.Contains(t, rec, k)
	}
}

func TestNullMeansNever(t *testing.T) {
	rep := &Report{Runs: []Run{{Scenario: "s", Advancer: "a", Expectations: []Expectation{{Line: 3, Text: "expect advance within 1s"}}}}}
	rep.Finish()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, rep))
	assert.Contains(t, buf.String(), `"recovery_ms": null`)
	assert.Contains(t, buf.String(), `"measured_ms": null`)
}

func TestReadRejectsWhatIsNotAReport(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"not json":       {`{"runs": [`, "not a JSON report"},
		"unknown field":  {`{"schema": 1, "runs": [], "color": "red"}`, `unknown field "color"`},
		"no runs":        {`{"schema": 1}`, `no "runs"`},
		"newer schema":   {`{"schema": 99, "runs": []}`, "schema 99"},
		"missing schema": {`{"runs": []}`, "schema 0"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestWriteFileLeavesNoPartialFile(t *testing.T) {
	dir := t.TempDir()
	err := WriteFile(filepath.Join(dir, "missing-dir", "r.json"), loadSample(t))
	require.Error(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// shards splits rep's runs round-robin like --shard i/n.
func shards(rep *Report, n int) []*Report {
	out := make([]*Report, n)
	for i := range out {
		out[i] = &Report{Command: rep.Command, Sweep: rep.Sweep, Shards: []string{string(rune('1'+i)) + "/" + string(rune('0'+n))}}
	}
	for _, r := range rep.Runs {
		s := out[r.Job%n]
		s.Runs = append(s.Runs, r)
	}
	for _, s := range out {
		s.Finish()
	}
	return out
}

func TestMergeShardsRestoresThePlan(t *testing.T) {
	rep := sampleSweep(t)
	parts := shards(rep, 3)
	// Given in any order, the merge is ordered by job.
	merged, err := Merge([]string{"c.json", "a.json", "b.json"}, parts[2], parts[0], parts[1])
	require.NoError(t, err)
	assert.Equal(t, rep.Runs, merged.Runs)
	assert.Equal(t, rep.Aggregates, merged.Aggregates)
	assert.Equal(t, []string{"1/3", "2/3", "3/3"}, merged.Shards)
	assert.Empty(t, MissingShards(merged.Shards))
}

func TestMergeRefusesOverlapsAndOtherSweeps(t *testing.T) {
	rep := sampleSweep(t)
	parts := shards(rep, 2)
	_, err := Merge([]string{"a.json", "b.json"}, parts[0], parts[0])
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is in both a.json and b.json")

	other := *parts[1]
	other.Sweep = &Sweep{Advancer: "robust", Scenarios: []string{"x"}, Vary: []Vary{{Knob: "backoff-max", Values: []string{"1s"}}}, Repeat: 1}
	_, err = Merge([]string{"a.json", "b.json"}, parts[0], &other)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "b.json is from a different sweep")

	_, err = Merge([]string{"a.json"}, parts[0], parts[1])
	require.Error(t, err, "one name per report")
}

func TestMissingShards(t *testing.T) {
	assert.Equal(t, []string{"2/3"}, MissingShards([]string{"1/3", "3/3"}))
	assert.Empty(t, MissingShards(nil))
	assert.Empty(t, MissingShards([]string{"1/1"}))
}
