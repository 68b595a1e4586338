package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/harness"
)

func otherLine() string {
	if harness.EtcdLine() == "3.5" {
		return "3.7"
	}
	return "3.5"
}

// sameBuild names this binary's own build on the command line: its line
// where the line's default version is the one built in, else its version.
func sameBuild() string {
	if lines[harness.EtcdLine()] == harness.EtcdVersion() {
		return harness.EtcdLine()
	}
	return harness.EtcdVersion()
}

func TestEtcdFlagForTheLineBuiltInIsTakenOut(t *testing.T) {
	for _, args := range [][]string{
		{"--etcd", sameBuild(), "list"},
		{"list", "-etcd", sameBuild()},
		{"list", "--etcd=" + harness.EtcdVersion()},
	} {
		exe, rest, rel, err := selectLine(args)
		require.NoError(t, err, "%q", args)
		assert.Empty(t, exe, "%q", args)
		assert.Empty(t, rel, "%q", args)
		assert.Equal(t, []string{"list"}, rest, "%q", args)
	}
	_, rest, _, err := selectLine([]string{"run", "x", "--", "--etcd", "3.1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"run", "x", "--", "--etcd", "3.1"}, rest, "arguments after -- are not flags")
}

// TestProcessesFlagPicksARelease: --processes runs members as processes of
// this binary's release, or of --etcd's (a line names its release); a full
// release no build embeds implies it; the flags never switch binaries then.
func TestProcessesFlagPicksARelease(t *testing.T) {
	for _, c := range []struct {
		args []string
		rel  string
	}{
		{[]string{"run", "x", "--processes"}, harness.EtcdVersion()},
		{[]string{"--processes=true", "run", "x", "--etcd", "3.5"}, "3.5.35"},
		{[]string{"run", "--etcd=3.6.16", "x"}, "3.6.16"},
		{[]string{"run", "x", "--etcd", "3.6.16", "--processes"}, "3.6.16"},
		{[]string{"run", "x", "--processes=false"}, ""},
	} {
		exe, rest, rel, err := selectLine(c.args)
		require.NoError(t, err, "%q", c.args)
		assert.Empty(t, exe, "%q", c.args)
		assert.Equal(t, c.rel, rel, "%q", c.args)
		assert.Equal(t, []string{"run", "x"}, rest, "%q", c.args)
	}
	_, _, _, err := selectLine([]string{"run", "--processes", "--etcd", "3.4.30"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "need 3.5.0 or later")
	_, _, _, err = selectLine([]string{"run", "--processes=yes"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "want --processes, --processes=true or --processes=false")
}

func TestEtcdFlagRejectsUnknownLines(t *testing.T) {
	var out bytes.Buffer
	code := Main(context.Background(), []string{"--etcd", "3.4", "list"}, IO{Stdout: &out, Stderr: &out})
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, out.String(), `--etcd "3.4": want a line, 3.7 (3.7.3, the default), 3.5 (3.5.35) or 3.5.15`)
	code = Main(context.Background(), []string{"list", "--etcd"}, IO{Stdout: &out, Stderr: &out})
	assert.Equal(t, ExitUsage, code)
}

func TestEtcdFlagForAnotherLineSaysHowToBuildIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(lineSwitchedEnv, "")
	var out bytes.Buffer
	code := Main(context.Background(), []string{"--etcd", otherLine(), "list"}, IO{Stdout: &out, Stderr: &out})
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out.String(), "this binary embeds etcd "+harness.EtcdVersion())
	assert.Contains(t, out.String(), "make build")
	assert.Contains(t, out.String(), buildHint(otherLine()))
}

func TestEtcdFlagForAnotherLineRunsItsBinary(t *testing.T) {
	dir := t.TempDir()
	name, ok := binaryFor(otherLine())
	require.True(t, ok)
	other := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("PATH", dir)
	t.Setenv(lineSwitchedEnv, "")
	var got []string
	old := execBinary
	execBinary = func(exe string, argv []string) error { got = argv; return os.ErrPermission }
	t.Cleanup(func() { execBinary = old })

	var out bytes.Buffer
	code := Main(context.Background(), []string{"run", "--etcd", otherLine(), "leader-crash", "--repeat", "2"}, IO{Stdout: &out, Stderr: &out})
	assert.Equal(t, []string{other, "run", "leader-crash", "--repeat", "2"}, got, "the command, without --etcd, in the other line's binary")
	assert.Equal(t, ExitFailed, code, "exec failed here, so Main reports it")
	assert.Contains(t, out.String(), "running "+other)

	// A binary started by a switch that still has the wrong line stops.
	t.Setenv(lineSwitchedEnv, "1")
	code = Main(context.Background(), []string{"--etcd", otherLine(), "list"}, IO{Stdout: &out, Stderr: &out})
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out.String(), "rebuild it")
}
