package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/harness/release"
	"github.com/leaderfault/leaderfault/runner"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// runEtcd is "leaderfault etcd [RELEASE]": build the release's etcd binary
// once per machine (members as processes) and print its path.
func runEtcd(ctx context.Context, io IO, args []string) int {
	fs := flag.NewFlagSet("etcd", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(io.Stderr, "usage: leaderfault etcd [RELEASE]")
		fmt.Fprintf(io.Stderr, "Builds etcd RELEASE (default %s, the one this binary embeds; 3.5.0 or later) from the Go\n", harness.EtcdVersion())
		fmt.Fprintln(io.Stderr, "module proxy, once per machine, for members that run as processes (--processes, --etcd X.Y.Z,")
		fmt.Fprintln(io.Stderr, "a cluster line's processes=true), and prints the binary's path. The cache is")
		fmt.Fprintln(io.Stderr, "$LEADERFAULT_ETCD_CACHE, else leaderfault/etcd under the user cache directory.")
	}
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 1 {
		return fail(io, "etcd", usagef("one release at most, got %d: %v", fs.NArg(), fs.Args()))
	}
	v := harness.EtcdVersion()
	if fs.NArg() == 1 {
		v = fs.Arg(0)
	}
	if rel := processRelease(ctx); rel != "" && fs.NArg() == 0 {
		v = rel
	}
	v, err := release.Parse(v)
	if err != nil {
		return fail(io, "etcd", usagef("%v", err))
	}
	bin, err := prepareRelease(ctx, io, v)
	if err != nil {
		return fail(io, "etcd", err)
	}
	fmt.Fprintln(io.Stdout, bin)
	return ExitOK
}

// prepareReleases builds, before any run starts, the etcd releases that the
// plan's members run as processes of (runner.Prepare): a cold build takes a
// minute or two, which no run's deadline should pay for.
func prepareReleases(ctx context.Context, io IO, jobs []job) error {
	var scripts []*script.Script
	for _, j := range jobs {
		scripts = append(scripts, j.scenario.script)
	}
	return runner.Prepare(ctx, scripts, runner.Options{Release: processRelease(ctx)}, func(v string) {
		fmt.Fprintf(io.Stderr, "leaderfault: building etcd %s for members as processes (once per machine; a minute or two)\n", v)
	})
}

func prepareRelease(ctx context.Context, io IO, v string) (string, error) {
	if bin, ok := release.Built(v); ok {
		return bin, nil
	}
	fmt.Fprintf(io.Stderr, "leaderfault: building etcd %s for members as processes (once per machine; a minute or two)\n", v)
	return harness.PrepareRelease(ctx, v)
}
