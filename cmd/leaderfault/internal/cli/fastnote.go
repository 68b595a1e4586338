package cli

import (
	"fmt"
	"io"

	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

// printFastNote labels a report with fast-profile runs as an approximation
// of production time, with the built-in cells among its runs where the fast
// profile is known to reach another verdict or mechanism.
func printFastNote(w io.Writer, rep *report.Report) {
	fast := 0
	seen := map[string]bool{}
	var differ []string
	for _, r := range rep.Runs {
		if r.Profile != "fast" {
			continue
		}
		fast++
		key := r.Scenario + "/" + r.Advancer
		if why, ok := catalog.FastDiffers(r.Scenario, r.Advancer); ok && !seen[key] {
			seen[key] = true
			differ = append(differ, fmt.Sprintf("  %s: %s", key, why))
		}
	}
	if fast == 0 {
		return
	}
	fmt.Fprintf(w, "note: %d run(s) at the fast profile, an approximation of production time, not the verdict.\n", fast)
	if len(differ) > 0 {
		fmt.Fprintln(w, "Known to differ from production time here:")
		for _, d := range differ {
			fmt.Fprintln(w, d)
		}
	}
	fmt.Fprintln(w)
}
