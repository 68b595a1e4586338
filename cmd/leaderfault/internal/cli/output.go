package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/report/page"
)

func newReport(name string, args []string, sh shard, runs []report.Run) *report.Report {
	rep := &report.Report{Command: commandLine(name, args), Created: time.Now().UTC().Format(time.RFC3339), Runs: runs}
	if s := sh.String(); s != "" {
		rep.Shards = []string{s}
	}
	rep.Finish()
	return rep
}

// writeOutputs writes the JSON and HTML reports that were asked for and,
// unless quiet, says where on stderr.
func writeOutputs(io IO, rep *report.Report, jsonPath, htmlPath string, quiet bool) error {
	var errs []error
	if jsonPath != "" {
		if err := report.WriteFile(jsonPath, rep); err != nil {
			errs = append(errs, fmt.Errorf("--json: %w", err))
		} else if !quiet {
			fmt.Fprintf(io.Stderr, "wrote %s (%d runs)\n", jsonPath, len(rep.Runs))
		}
	}
	if htmlPath != "" {
		if err := page.WriteFile(htmlPath, rep); err != nil {
			errs = append(errs, fmt.Errorf("--html: %w", err))
		} else if !quiet {
			fmt.Fprintf(io.Stderr, "wrote %s\n", htmlPath)
		}
	}
	return errors.Join(errs...)
}

func knobsText(k map[string]string) string { return report.KnobsString(k) }

// checkOutputPath fails now, not after an hour of runs, when a report could
// not be written to path: its directory is missing, or path is a directory.
func checkOutputPath(flag, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("%s %s: is a directory", flag, path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return usagef("%s %s: directory %s does not exist", flag, path, dir)
	}
	return nil
}
