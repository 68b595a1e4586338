package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

// TestCatalogParses parses every built-in scenario without running it, so a
// script error shows in a second, not at the end of the catalog run.
func TestCatalogParses(t *testing.T) {
	for _, name := range catalog.Names() {
		file, src, err := catalog.Source(name)
		if assert.NoError(t, err) {
			_, err = Parse(file, src)
			assert.NoError(t, err, name)
		}
	}
}
