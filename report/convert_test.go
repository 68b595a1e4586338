package report

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// report and its renderer read and write reports: they depend on record
// and check only, so that reading a JSON report links neither etcd, FUSE
// nor the runner.
func TestReportLinksNeitherEtcdNorTheRunner(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	var ours []string
	for _, dep := range strings.Fields(string(out)) {
		assert.False(t, strings.HasPrefix(dep, "go.etcd.io/") || strings.Contains(dep, "go-fuse"), "report links %s", dep)
		if strings.HasPrefix(dep, "github.com/leaderfault/leaderfault/") {
			ours = append(ours, strings.TrimPrefix(dep, "github.com/leaderfault/leaderfault/"))
		}
	}
	assert.ElementsMatch(t, []string{"record", "check", "report", "report/page"}, ours)
}
