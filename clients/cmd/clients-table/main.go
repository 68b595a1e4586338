// Command clients-table writes docs/clients.md from the JSON reports of
// make clients (one per client, each written by advancertest.RunCatalog
// with LEADERFAULT_JSON) and the mechanisms file. It writes the table in
// any case, and exits 1 when a FAIL has no entry in the mechanisms file,
// naming each such cell: fill them in by hand and run it again.
//
//	clients-table -mechanisms clients/mechanisms.yaml -o docs/clients.md REPORT.json...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/leaderfault/leaderfault/clients/table"
	"github.com/leaderfault/leaderfault/report"
)

func main() {
	mech := flag.String("mechanisms", "clients/mechanisms.yaml", "the `file` explaining each FAIL")
	out := flag.String("o", "docs/clients.md", "the markdown `file` to write")
	header := flag.String("header", "", "a markdown `file` written before the table")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: clients-table [-mechanisms FILE] [-o FILE] [-header FILE] REPORT.json...")
		os.Exit(2)
	}
	if err := run(*mech, *out, *header, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "clients-table:", err)
		os.Exit(1)
	}
}

func run(mechPath, outPath, headerPath string, reports []string) error {
	expl, err := table.LoadExplanations(mechPath)
	if err != nil {
		return err
	}
	var reps []*report.Report
	for _, p := range reports {
		rep, err := report.ReadFile(p)
		if err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	head := ""
	if headerPath != "" {
		b, err := os.ReadFile(headerPath)
		if err != nil {
			return err
		}
		head = string(b)
	}
	var buf bytes.Buffer
	missing, stale, err := table.Render(&buf, head, reps, expl)
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("clients-table: wrote %s from %s\n", outPath, strings.Join(reports, ", "))
	for _, k := range stale {
		fmt.Fprintf(os.Stderr, "clients-table: %s: %s explains no FAIL of these reports (stale, or the client now passes)\n", mechPath, k)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: %w; add an entry for each (client, scenario, mechanism, source, issue)", mechPath, missing)
	}
	return nil
}
