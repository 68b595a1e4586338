package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/leaderfault/leaderfault/scenarios/incident"
)

// TestIncidentTierParses parses every incident-length scenario without
// running it (make incident runs them): a script error shows in make test.
func TestIncidentTierParses(t *testing.T) {
	assert.NotEmpty(t, incident.Names())
	for _, name := range incident.Names() {
		file, src, err := incident.Source(name)
		if assert.NoError(t, err) {
			_, err = Parse(file, src)
			assert.NoError(t, err, name)
		}
	}
}
