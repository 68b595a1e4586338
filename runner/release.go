package runner

import (
	"context"
	"os"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/harness/release"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// ProcessesEnv, set to 1, runs the members of every run as processes of the
// etcd release this binary links, as if each run's Options.Release were
// that release: how a whole test suite (CI's pass on the v3.5 line) runs the
// catalog on members as processes without changing a line of it.
const ProcessesEnv = "LEADERFAULT_PROCESSES"

// ReleaseFor is the etcd release whose processes the members of a run of sc
// with opts are: opts.Release; else, with ProcessesEnv or a cluster line
// saying processes=true, the release this binary links; else "" (members
// in this process).
func ReleaseFor(sc *script.Script, opts Options) string {
	if opts.Release != "" {
		return opts.Release
	}
	if os.Getenv(ProcessesEnv) == "1" {
		return harness.EtcdVersion()
	}
	for _, st := range sc.Steps {
		if c, ok := st.Action.(script.ClusterSpec); ok && c.Processes {
			return harness.EtcdVersion()
		}
	}
	return ""
}

// Prepare builds, once per machine, every etcd release that runs of these
// scripts with opts will start members of (see ReleaseFor), calling note
// before each build that has to happen (a cold one takes a minute or two,
// more than a run's deadline should pay for).
func Prepare(ctx context.Context, scripts []*script.Script, opts Options, note func(release string)) error {
	seen := map[string]bool{}
	for _, sc := range scripts {
		v := ReleaseFor(sc, opts)
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		if _, ok := release.Built(v); ok {
			continue
		}
		if note != nil {
			note(v)
		}
		if _, err := harness.PrepareRelease(ctx, v); err != nil {
			return err
		}
	}
	return nil
}
