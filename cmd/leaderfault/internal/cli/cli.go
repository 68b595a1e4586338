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
	}
}

// Main runs the command line args (without the program name) and returns
// the exit code.
func Main(ctx context.Context, args []string, io IO) int {
	exe, args, err := selectLine(args)
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
// the flags.
func newFlags(io IO, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: leaderfault %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags anywhere among the positional arguments ("run a
// --repeat 3 b"); everything after "--" is positional. -h returns
// flag.ErrHelp.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			// The flag package has printed the problem and the usage.
			return nil, errAlreadyReported
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

// errAlreadyReported is a usage error whose message is already printed.
var errAlreadyReported = errors.New("bad flags")

// parseOrExit parses flags and returns the exit code to stop with (ok
// false) on -h or a bad flag.
func parseOrExit(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	pos, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, ExitOK, false
	case err != nil:
		return nil, ExitUsage, false
	}
	return pos, 0, true
}

// suggest returns `; did you mean "x"?` for the closest of known, or "".
func suggest(word string, known []string) string {
	best, bestD := "", len(word)/2+2
	for _, k := range known {
		if d := editDistance(word, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
