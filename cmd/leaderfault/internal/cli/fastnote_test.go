package cli

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/leaderfault/leaderfault/report"
)

func TestFastNoteLabelsFastRunsAndTheirKnownDifferences(t *testing.T) {
	var b bytes.Buffer
	printFastNote(&b, &report.Report{Runs: []report.Run{{Scenario: "leader-transfer", Advancer: "robust", Profile: "production"}}})
	assert.Empty(t, b.String(), "a production-time report needs no label")

	printFastNote(&b, &report.Report{Runs: []report.Run{
		{Scenario: "leader-disk-stall", Advancer: "legacy", Profile: "fast"},
		{Scenario: "leader-disk-stall", Advancer: "legacy", Profile: "fast"},
		{Scenario: "leader-transfer", Advancer: "robust", Profile: "fast"},
	}})
	out := b.String()
	assert.Contains(t, out, "3 run(s) at the fast profile")
	assert.Contains(t, out, "an approximation of production time")
	assert.Contains(t, out, "leader-disk-stall/legacy: stuck until the heal")
	assert.NotContains(t, out, "leader-transfer/robust")
	assert.Equal(t, 1, bytes.Count(b.Bytes(), []byte("leader-disk-stall/legacy")), "each cell once")
}
