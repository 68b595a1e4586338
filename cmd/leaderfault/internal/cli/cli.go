package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/internal/spell"
)

// Exit codes.
const (
	ExitOK          = 0   // nothing unexpected: runs passed or reproduced known bugs (doctor: everything can run)
	ExitFailed      = 1   // a run FAIL, INVALID or NOT REPRODUCED, a contradicted rate (see exitCode), or an error
	ExitUsage       = 2   // bad command line, unknown scenario, script errors
	ExitInterrupted = 130 // stopped by a signal; what ran is still reported
)

// IO is where a command reads and writes.
type IO struct {
	Stdout, Stderr io.Writer
	// Live enables the progress line that rewrites itself (stderr is a
	// terminal).
	Live bool
	// Width is the terminal's width in columns (0: unknown).
	Width int
}

// Stdio is the process's standard output and error; progress is live when
// stderr is a terminal.
func Stdio() IO {
	return IO{Stdout: os.Stdout, Stderr: os.Stderr, Live: isTerminal(os.Stderr), Width: terminalWidth(os.Stderr)}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io IO, args []string) int
}

func commands() []command {
	return []command{
		{"list", "scenarios, faults, fault points, advancer presets and knobs", runList},
		{"run", "run scenarios against advancer presets; timeline, summary table, JSON, HTML", runRun},
		{"sweep", "run scenarios across advancer knob values; recovery per setting", runSweep},
		{"doctor", "can this machine run everything, and what will be skipped and why", runDoctor},
		{"merge", "combine JSON reports (CI shards) into one JSON and/or HTML report", runMerge},
		{"compare", "two JSON reports side by side: verdicts and recovery per scenario and advancer", runCompare},
		{"etcd", "build (once) an etcd release for members as processes and print its path", runEtcd},
		{"judge", "judge a saved JSON report again from its timelines (e.g. with another stall threshold)", runJudge},
	}
}

// Main runs the command line args (without the program name) and returns
// the exit code.
func Main(ctx context.Context, args []string, io IO) int {
	exe, args, rel, err := selectLine(args)
	if err != nil {
		fmt.Fprintf(io.Stderr, "leaderfault: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return ExitUsage
		}
		return ExitFailed
	}
	if exe != "" {
		return switchLine(io, exe, args)
	}
	ctx = withProcessRelease(ctx, rel)
	if len(args) == 0 {
		usage(io.Stderr)
		return ExitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return Main(ctx, []string{rest[0], "-h"}, io)
		}
		usage(io.Stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, io, rest)
		}
	}
	fmt.Fprintf(io.Stderr, "leaderfault: unknown command %q%s\n\n", name, suggest(name, commandNames()))
	usage(io.Stderr)
	return ExitUsage
}

func commandNames() []string {
	var out []string
	for _, c := range commands() {
		out = append(out, c.name)
	}
	return out
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "leaderfault — fault-injection scenarios for etcd leader changes and the advancers that watch them")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: leaderfault <command> [flags] [args]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-7s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `"leaderfault help <command>" shows its flags.`)
	fmt.Fprintf(w, "--etcd 3.5|3.7 (before or after the command) runs it on that etcd line; this binary embeds etcd %s.\n", harness.EtcdVersion())
	fmt.Fprintln(w, "--processes runs every member as a process of its own (etcd's own binary of that release, built once")
	fmt.Fprintln(w, "  from the Go module proxy); --etcd X.Y.Z (3.5.0 or later) with a release no build embeds implies it.")
	fmt.Fprintln(w, "exit codes: 0 every run passed (met every requirement) or reproduced a known bug;")
	fmt.Fprintln(w, "            1 a run FAILed, was INVALID, or did NOT REPRODUCE a known bug that shows in")
	fmt.Fprintln(w, "              every run (one stated with rate=N% may be missing now and then), or the")
	fmt.Fprintln(w, "              runs a rate=N% known line showed in contradict N (binomial test over --repeat);")
	fmt.Fprintln(w, "            2 bad usage or script errors; 130 interrupted")
}

// usageError is a bad command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// fail prints err for command name and returns its exit code: 2 for usage
// and script errors, 1 otherwise.
func fail(io IO, name string, err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(io.Stderr, "leaderfault %s: %v\n", name, err)
		fmt.Fprintf(io.Stderr, `run "leaderfault help %s" for usage`+"\n", name)
		return ExitUsage
	}
	var se scriptError
	if errors.As(err, &se) {
		// One problem a line, each file:line: message.
		for _, line := range strings.Split(se.Error(), "\n") {
			fmt.Fprintf(io.Stderr, "leaderfault %s: %s\n", name, line)
		}
		return ExitUsage
	}
	fmt.Fprintf(io.Stderr, "leaderfault %s: %v\n", name, err)
	return ExitFailed
}

// newFlags returns a flag set for command name whose -h prints synopsis and
// the flags, each with two dashes as the docs write them.
func newFlags(io IO, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: leaderfault %s %s\n\nflags:\n", name, synopsis)
		printFlags(out, fs)
	}
	return fs
}

// printFlags is flag.PrintDefaults with "--name" for "-name".
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(w)
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if strings.HasPrefix(line, "  -") {
			line = "  --" + line[len("  -"):]
		}
		fmt.Fprint(w, line)
	}
}

// parseArgs parses flags anywhere among the positional arguments ("run a
// --repeat 3 b"); everything after "--" is positional. -h prints the usage
// and returns flag.ErrHelp; a bad flag returns a usageError that names it
// with two dashes and suggests the closest flag.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	out, help := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = help }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				help()
				return nil, err
			}
			return nil, flagError(fs, err)
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagError rewords the flag package's error: "--name" as the docs write
// it, and for an unknown flag the closest known one.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	const undefined = "flag provided but not defined: -"
	if name, ok := strings.CutPrefix(msg, undefined); ok {
		var known []string
		fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		hint := ""
		if s := suggest(name, known); s != "" {
			hint = strings.Replace(s, `"`, `"--`, 1)
		}
		return usagef("unknown flag --%s%s", name, hint)
	}
	for _, pat := range []string{"for flag -", "argument: -"} {
		msg = strings.Replace(msg, pat, pat+"-", 1)
	}
	return usagef("%s", msg)
}

// parseOrExit parses flags and returns the exit code to stop with (ok
// false) on -h or a bad flag, which it reports.
func parseOrExit(io IO, fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	pos, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, ExitOK, false
	case err != nil:
		return nil, fail(io, fs.Name(), err), false
	}
	return pos, 0, true
}

// suggest returns `; did you mean "x"?` for the closest of known, or "" when
// none is close: within a third of the word, a swap of two letters counting
// as one edit ("repaet" is "repeat"; "bogus" is not "jobs").
func suggest(word string, known []string) string {
	best, bestD := "", len(word)/3+2
	for _, k := range known {
		if d := spell.Distance(word, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}
