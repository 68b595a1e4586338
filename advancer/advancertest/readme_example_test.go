package advancertest_test

import (
	"testing"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/advancertest"
	"github.com/leaderfault/leaderfault/advancer/model"
)

// newMine makes the advancer under test. Here it is leaderfault's robust
// design under a name the catalog has never seen (so no known line excuses
// anything), with its production timings: the catalog runs at etcd's
// production timing; put your own advancer.Advancer here.
func newMine() advancer.Advancer {
	cfg, err := model.Preset(model.PresetRobust)
	if err != nil {
		panic(err)
	}
	cfg.Name = "my-advancer"
	return model.New(cfg)
}

// Every catalog scenario, one subtest each, judged on the requirements.
func TestMyAdvancerRecovers(t *testing.T) {
	advancertest.RunCatalog(t, newMine)
}
