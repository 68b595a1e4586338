package advancertest_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/runner"
)

// docsScenarios is the page that documents the scenario language.
const docsScenarios = "../../docs/scenarios.md"

// Every ```scn block of docs/scenarios.md is a script the runner's parser
// accepts, with the built-in faults, fault points, presets and knobs: the
// language page cannot drift from the parser.
func TestDocsScenarioExamplesParse(t *testing.T) {
	page, err := os.ReadFile(docsScenarios)
	require.NoError(t, err)
	blocks := scnBlocks(string(page))
	require.NotEmpty(t, blocks, "%s has no ```scn block", docsScenarios)
	for i, b := range blocks {
		_, err := runner.Parse(fmt.Sprintf("docs/scenarios.md block %d", i+1), []byte(b))
		assert.NoError(t, err, "docs/scenarios.md block %d:\n%s", i+1, b)
	}
}

// The check itself catches a script the parser rejects.
func TestDocsScenarioCheckRejectsBadScripts(t *testing.T) {
	blocks := scnBlocks("x\n```scn\nknown stall for 1s bug=x [!legacy]\n```\n")
	require.Len(t, blocks, 1)
	_, err := runner.Parse("bad", []byte(blocks[0]))
	assert.Error(t, err)
}

// scnBlocks returns the bodies of the page's ```scn fenced blocks.
func scnBlocks(page string) []string {
	var out []string
	for {
		_, rest, ok := strings.Cut(page, "```scn\n")
		if !ok {
			return out
		}
		body, after, ok := strings.Cut(rest, "```")
		if !ok {
			return out
		}
		out = append(out, body)
		page = after
	}
}
