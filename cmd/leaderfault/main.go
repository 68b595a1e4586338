// Command leaderfault runs leader-fault scenarios against the advancer
// presets and reports recovery latency: list, run, sweep, doctor, merge.
// Run "leaderfault help" for the commands and their flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/leaderfault/leaderfault/cmd/leaderfault/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Stdio())
	stop()
	os.Exit(code)
}
