package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/harness/release"
)

// processReleaseKey carries the release chosen by --processes or --etcd
// X.Y.Z from Main to the runs, in the context.
type processReleaseKey struct{}

func withProcessRelease(ctx context.Context, v string) context.Context {
	if v == "" {
		return ctx
	}
	return context.WithValue(ctx, processReleaseKey{}, v)
}

// processRelease is the release the members of every run are processes of,
// or "" (in process; a script's processes=true still asks for processes).
func processRelease(ctx context.Context) string {
	v, _ := ctx.Value(processReleaseKey{}).(string)
	return v
}

// The etcd line (server and client) is chosen when the binary is built: the
// default build embeds etcd v3.7, a build with -modfile=go.etcd35.mod -tags
// etcd35 embeds v3.5 (go.mod cannot hold two versions of one module). So
// "--etcd LINE" does not switch etcd inside this process: when LINE is not the
// line built in, the command runs in the binary built for LINE, found next to
// this one or on PATH under its conventional name ("make build" writes both).

// builds are the etcd versions "make build" builds a binary for, by
// conventional binary name; lines name a line's default version.
var (
	builds = map[string]string{
		"3.7.3":  "leaderfault",
		"3.5.35": "leaderfault-etcd3.5",
		"3.5.15": "leaderfault-etcd3.5.15",
	}
	lines = map[string]string{"3.7": "3.7.3", "3.5": "3.5.35"}
)

// binaryFor is the binary name for --etcd value want (a line or a version
// of builds).
func binaryFor(want string) (string, bool) {
	if v, ok := lines[want]; ok {
		want = v
	}
	name, ok := builds[want]
	return name, ok
}

// lineSwitchedEnv marks a process started by a line switch, so that a
// misnamed binary cannot send the command back and forth.
const lineSwitchedEnv = "LEADERFAULT_ETCD_SWITCHED"

// execBinary replaces the process with exe (tests replace it).
var execBinary = func(exe string, argv []string) error {
	return syscall.Exec(exe, argv, append(os.Environ(), lineSwitchedEnv+"=1"))
}

// selectLine takes "--etcd LINE" (or -etcd, --etcd=LINE) and "--processes"
// (anywhere in args) out of args. It returns the binary to run instead when
// LINE is not the line built in ("" when this binary serves it), or the
// etcd release whose binaries the members run as (members as processes):
// with --processes, LINE's release or this binary's; without, a full
// release (3.6.16) that no leaderfault build embeds.
func selectLine(args []string) (exe string, rest []string, rel string, err error) {
	want, processes := "", false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "processes" {
			switch val {
			case "", "true":
				processes = true
			case "false":
				processes = false
			default:
				return "", nil, "", usagef("--processes=%s: want --processes, --processes=true or --processes=false", val)
			}
			continue
		}
		if !strings.HasPrefix(a, "-") || name != "etcd" {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return "", nil, "", usagef("--etcd needs a line: %s", knownLines())
			}
			i++
			val = args[i]
		}
		want = val
	}
	if processes {
		v := harness.EtcdVersion()
		if want != "" {
			v = want
			if full, ok := lines[want]; ok {
				v = full
			}
		}
		r, err := release.Parse(v)
		if err != nil {
			return "", nil, "", usagef("--etcd %s --processes: %v", want, err)
		}
		return "", rest, r, nil
	}
	if v, ok := lines[want]; ok && v == harness.EtcdVersion() || want == "" || want == harness.EtcdVersion() {
		return "", rest, "", nil
	}
	name, ok := binaryFor(want)
	if !ok {
		if r, err := release.Parse(want); err == nil && strings.Count(want, ".") == 2 {
			return "", rest, r, nil
		}
		return "", nil, "", usagef("--etcd %q: want a line, %s (this binary embeds etcd %s), or a full release such as 3.6.16 (3.5.0 or later), whose members then run as processes", want, knownLines(), harness.EtcdVersion())
	}
	if os.Getenv(lineSwitchedEnv) != "" {
		return "", nil, "", fmt.Errorf("--etcd %s: %s was started for that line but embeds etcd %s; rebuild it (make build)", want, os.Args[0], harness.EtcdVersion())
	}
	if exe := findSibling(name); exe != "" {
		return exe, rest, "", nil
	}
	return "", nil, "", fmt.Errorf("--etcd %s: this binary embeds etcd %s, and no %s was found next to it or on PATH.\n"+
		"Build every line with \"make build\" (bin/leaderfault, bin/leaderfault-etcd3.5, bin/leaderfault-etcd3.5.15), or run it directly:\n  %s",
		want, harness.EtcdVersion(), name, buildHint(want))
}

func knownLines() string {
	return "3.7 (3.7.3, the default), 3.5 (3.5.35) or 3.5.15 (the version tikv/pd pins)"
}

func buildHint(want string) string {
	if v, ok := lines[want]; ok {
		want = v
	}
	switch want {
	case "3.5.35":
		return "go run -modfile=go.etcd35.mod -tags etcd35 ./cmd/leaderfault ..."
	case "3.5.15":
		return "go run -modfile=go.etcd3515.mod -tags etcd35 ./cmd/leaderfault ..."
	}
	return "go run ./cmd/leaderfault ..."
}

// findSibling looks for name next to the running binary, then on PATH.
func findSibling(name string) string {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 && !sameFile(p, self) {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		if self, err := os.Executable(); err != nil || !sameFile(p, self) {
			return p
		}
	}
	return ""
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// switchLine runs the command in exe; it returns only on failure.
func switchLine(io IO, exe string, rest []string) int {
	err := execBinary(exe, append([]string{exe}, rest...))
	if err == nil {
		err = errors.New("exec returned")
	}
	fmt.Fprintf(io.Stderr, "leaderfault: --etcd: running %s: %v\n", exe, err)
	return ExitFailed
}
