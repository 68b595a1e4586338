// Package release builds etcd server binaries of any release from the Go
// module proxy, so that members can run as processes of the etcd a user runs.
//
// A release is built once per machine: "go build go.etcd.io/etcd/server/v3"
// (the package is etcd's own main, a wrapper of etcdmain) inside a throwaway
// module that requires that release, into a cache directory shared by every
// process (LEADERFAULT_ETCD_CACHE, else the user cache dir). A file lock
// serialises concurrent builds of one release; a finished binary is renamed
// into place, so a reader never sees half a file. "go install ...@version"
// cannot do this: etcd's server module has replace directives, which go
// install refuses.
package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Oldest is the oldest release that can be built: go.etcd.io/etcd/server/v3
// (the module with etcd's main) starts at v3.5.0.
const Oldest = "3.5.0"

var versionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)$`)

// Parse checks a release ("3.6.16" or "v3.6.16") and returns it without the v.
func Parse(s string) (string, error) {
	m := versionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", fmt.Errorf("etcd release %q: want a version such as 3.6.16", s)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major != 3 || minor < 5 {
		return "", fmt.Errorf("etcd release %q: members as processes need %s or later (go.etcd.io/etcd/server/v3)", s, Oldest)
	}
	return m[1] + "." + m[2] + "." + m[3], nil
}

// CacheDir is where built releases are kept: $LEADERFAULT_ETCD_CACHE, else
// leaderfault/etcd under the user cache dir.
func CacheDir() (string, error) {
	if d := os.Getenv("LEADERFAULT_ETCD_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("etcd release cache: %w (set LEADERFAULT_ETCD_CACHE)", err)
	}
	return filepath.Join(d, "leaderfault", "etcd"), nil
}

// Built returns the path of the release's binary if it is already built.
func Built(version string) (string, bool) {
	v, err := Parse(version)
	if err != nil {
		return "", false
	}
	dir, err := CacheDir()
	if err != nil {
		return "", false
	}
	bin := filepath.Join(dir, "v"+v, "etcd")
	if _, err := os.Stat(bin); err != nil {
		return "", false
	}
	return bin, true
}

// Binary returns the path of the release's etcd binary, building it first
// when the cache lacks it (a cold build takes a minute or two of CPU and
// needs the module proxy). It is safe to call from many processes at once.
func Binary(ctx context.Context, version string) (string, error) {
	v, err := Parse(version)
	if err != nil {
		return "", err
	}
	if bin, ok := Built(v); ok {
		return bin, nil
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	home := filepath.Join(dir, "v"+v)
	if err := os.MkdirAll(home, 0o755); err != nil {
		return "", fmt.Errorf("etcd %s: %w", v, err)
	}
	unlock, err := lock(ctx, filepath.Join(home, "lock"))
	if err != nil {
		return "", fmt.Errorf("etcd %s: %w", v, err)
	}
	defer unlock()
	bin := filepath.Join(home, "etcd")
	if _, err := os.Stat(bin); err == nil { // built while we waited
		return bin, nil
	}
	if err := build(ctx, v, home, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// build makes bin in a module of its own under home.
func build(ctx context.Context, v, home, bin string) error {
	mod, err := os.MkdirTemp(home, "build-")
	if err != nil {
		return fmt.Errorf("etcd %s: %w", v, err)
	}
	defer os.RemoveAll(mod)
	gomod := "module leaderfault.local/etcd-build\n\ngo 1.22\n" + pinned(v)
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		return fmt.Errorf("etcd %s: %w", v, err)
	}
	tmp := bin + ".tmp"
	steps := [][]string{
		{"get", "go.etcd.io/etcd/server/v3@v" + v},
		{"build", "-o", tmp, "go.etcd.io/etcd/server/v3"},
	}
	for _, args := range steps {
		cmd := exec.CommandContext(ctx, goTool(), args...)
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("etcd %s: go %s: %w\n%s", v, strings.Join(args, " "), err, tail(out.String(), 20))
		}
	}
	if err := os.Rename(tmp, bin); err != nil {
		return fmt.Errorf("etcd %s: %w", v, err)
	}
	return nil
}

// pinned is a require block with every module this binary was built with,
// at its version, when this binary links the release being built (the
// default line): the etcd binary then shares the build cache with the
// packages already compiled for this one, and its build takes seconds of
// linking instead of a minute or two of compiling. For any other release it
// is empty: the release's own requirements decide.
func pinned(v string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var b strings.Builder
	links := false
	for _, d := range info.Deps {
		if d.Path == "go.etcd.io/etcd/server/v3" && d.Version == "v"+v && d.Replace == nil {
			links = true
		}
		if d.Replace == nil {
			fmt.Fprintf(&b, "\t%s %s\n", d.Path, d.Version)
		}
	}
	if !links {
		return ""
	}
	return "\nrequire (\n" + b.String() + ")\n"
}

// goTool is the go command on PATH; with none, "go", whose error says so.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

// lock takes an exclusive flock on path. Another process building the same
// release holds it for a minute or two; the wait ends with ctx.
func lock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another process building it (lock %s): %w", path, ctx.Err())
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
