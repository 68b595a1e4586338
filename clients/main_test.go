package clients

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// binDir holds the exec adapters built for this test run.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "leaderfault-clients-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			return 1
		}
	}
	return code
}

// builds holds one build per exec adapter, made when a test first needs it:
// each adapter is built in its own module, on its own versions, so a test
// of one client does not wait for the others' builds.
var builds sync.Map // binary name → *build

type build struct {
	once sync.Once
	err  error
}

// built returns the path of c's adapter, building it on first use.
func built(t *testing.T, c execClient) string {
	t.Helper()
	v, _ := builds.LoadOrStore(c.binary, &build{})
	b := v.(*build)
	path := filepath.Join(binDir, c.binary)
	b.once.Do(func() {
		cmd := exec.Command("go", "build", "-o", path, "./cmd/"+c.binary)
		cmd.Dir = c.module
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("building %s in %s: %v\n%s", c.binary, c.module, err, out)
		}
	})
	require.NoError(t, b.err)
	return path
}
