package advancertest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's "Test your own advancer" example is this package's
// readme_example_test.go, word for word: the suite compiles and runs what
// users copy.
func TestREADMEExampleIsTheTestedOne(t *testing.T) {
	src, err := os.ReadFile("readme_example_test.go")
	require.NoError(t, err)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), "```go\n"+string(src)+"```"),
		"README.md must quote advancer/advancertest/readme_example_test.go exactly, in a ```go block")
}
