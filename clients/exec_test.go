package clients

import (
	"os"
	"strconv"
	"testing"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/advancertest"
	"github.com/leaderfault/leaderfault/advancer/external"
)

// execClient is an out-of-process adapter: its module directory and the
// command under its cmd/.
type execClient struct {
	name, module, binary string
}

var execClients = []execClient{
	{name: "vitess", module: "vitess", binary: "vitess-advancer"},
	{name: "gozero", module: "gozero", binary: "gozero-advancer"},
}

func newExec(t *testing.T, c execClient) func() advancer.Advancer {
	path := built(t, c)
	return func() advancer.Advancer { return external.Command(c.name, path) }
}

// Each exec adapter sees advances through a leader transfer and a leader
// crash.
func TestVitessSeesAdvances(t *testing.T) {
	advancertest.RunCatalog(t, newExec(t, execClients[0]), advancertest.Only("leader-transfer", "leader-crash"))
}

func TestGozeroSeesAdvances(t *testing.T) {
	advancertest.RunCatalog(t, newExec(t, execClients[1]), advancertest.Only("leader-transfer", "leader-crash"))
}

// TestCatalog is make clients: the whole catalog,
// LEADERFAULT_CLIENTS_REPEAT times, for the exec adapter LEADERFAULT_CLIENT
// names, JSON to LEADERFAULT_JSON.
func TestCatalog(t *testing.T) {
	name := os.Getenv("LEADERFAULT_CLIENT")
	for _, c := range execClients {
		if c.name != name {
			continue
		}
		repeat, err := strconv.Atoi(os.Getenv("LEADERFAULT_CLIENTS_REPEAT"))
		if err != nil || repeat < 1 {
			repeat = 1
		}
		advancertest.RunCatalog(t, newExec(t, c), advancertest.Repeat(repeat))
		return
	}
	t.Skipf("LEADERFAULT_CLIENT %q is not an exec adapter of this module: make clients sets it", name)
}
