package report

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResumedIsNilWithoutAFreshAdvance(t *testing.T) {
	step := ev(0, "step", "", "fault crash target=leader")
	step.Line, step.Verb, step.Reference = 5, "fault", true
	tl := []Event{step, valueEv(10, "checkpoint-write", 3), valueEv(11, "advance", 2)}
	assert.Nil(t, resumedMs(tl))
	assert.Nil(t, resumedMs([]Event{valueEv(10, "checkpoint-write", 3)}), "no fault step")
}

func TestStallOpenUntilTheEnd(t *testing.T) {
	tl := []Event{valueEv(10, "checkpoint-write", 2), valueEv(11, "advance", 2), valueEv(60, "checkpoint-write", 9), ev(900, "note", "", "")}
	spans := stallSpans(tl, 40*time.Millisecond)
	require.Len(t, spans, 1)
	assert.Equal(t, timeSpan{StartMs: 60, SeenMs: 100, EndMs: 900, Open: true, Label: "advancer at rev 3, quorum at rev 10"}, spans[0])
}

// report reads and writes reports: it depends on record and check only, so
// that reading a JSON report links neither etcd nor the runner.
func TestReportImportsRecordAndCheckOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range file.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			if strings.HasPrefix(path, "github.com/leaderfault/leaderfault/") {
				assert.Contains(t, []string{"github.com/leaderfault/leaderfault/record", "github.com/leaderfault/leaderfault/check"}, path, "%s imports %s", f, path)
			}
		}
	}
}
