package harness

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// naiveRan is set by BenchmarkClusterStartNaiveEmbed. Plain embed members
// leave HTTP keep-alive goroutines behind after Close (etcd's bootstrap probe
// connections); the harness resets every connection at its proxies, so only
// runs of that baseline tolerate them.
var naiveRan bool

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		var opts []goleak.Option
		if naiveRan {
			opts = append(opts,
				goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
				goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
				goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
				goleak.IgnoreTopFunction("sync.runtime_notifyListWait"),
			)
		}
		if err := goleak.Find(opts...); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
