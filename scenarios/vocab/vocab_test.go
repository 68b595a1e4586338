package vocab

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBuiltinParsesTheCatalog(t *testing.T) {
	names := catalog.Names()
	require.NotEmpty(t, names)
	for _, name := range names {
		file, src, err := catalog.Source(name)
		require.NoError(t, err)
		_, err = Builtin.Parse(file, src)
		assert.NoError(t, err, name)
	}
}

func TestBuiltinFindsTyposWithTheirLine(t *testing.T) {
	src := "scenario s\ncluster members=3\nwriter every=200ms\nadvancer watch-on=leader backof-max=3s\nfault disk-stal target=leader\nknown advance within 1s bug=\"x\" [legacyy]\n"
	_, err := Builtin.Parse("s.scn", []byte(src))
	require.Error(t, err)
	for _, want := range []string{"s.scn:4:", "backoff-max", "s.scn:5:", "disk-stall", "s.scn:6:", "legacy"} {
		assert.Contains(t, err.Error(), want)
	}
}

// Checking a script links neither etcd nor the runner.
func TestVocabLinksNoEtcd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, dep := range strings.Fields(string(out)) {
		assert.False(t, strings.HasPrefix(dep, "go.etcd.io/") || strings.Contains(dep, "go-fuse") ||
			strings.Contains(dep, "leaderfault/harness") || strings.Contains(dep, "leaderfault/runner") ||
			strings.Contains(dep, "leaderfault/advancer"), "vocab links %s", dep)
	}
}
