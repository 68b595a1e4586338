package advancertest_test

import (
	"testing"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/advancertest"
)

// newMine makes the advancer under test. Here it is leaderfault's robust
// design under a name the catalog has never seen (so no known line excuses
// anything), its production timings divided by advancertest.Scale as the
// catalog's clusters run 10× faster; put your own advancer.Advancer here.
func newMine() advancer.Advancer {
	cfg, err := advancer.Preset(advancer.PresetRobust)
	if err != nil {
		panic(err)
	}
	cfg.Name = "my-advancer"
	cfg, _ = cfg.Scale(advancertest.Scale)
	return advancer.New(cfg)
}

// Every catalog scenario, one subtest each, judged on the requirements.
func TestMyAdvancerRecovers(t *testing.T) {
	advancertest.RunCatalog(t, newMine)
}
