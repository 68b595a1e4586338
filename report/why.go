package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteWhy prints, under the summary table, each group that did not simply
// pass (every run that ran passed): its expectations with their measured
// figures, its bugs in full and its rate failures, wrapped to TableWidth:
//
//	leader-disk-stall / legacy: known bug reproduced (pingcap/tidb#69048)
//	    expectations: leader-change 1.51s ✓, advance 15.0s ✗, …
//	    bug: pingcap/tidb#69048: the watch stays on the stalled member …
func WriteWhy(w io.Writer, aggs []Aggregate) {
	repeats := false
	for _, a := range aggs {
		repeats = repeats || a.Runs > 1
	}
	for _, a := range aggs {
		if a.Runs == a.Skipped || (a.Passed == a.Runs-a.Skipped && len(a.RateFailures) == 0) {
			continue
		}
		title := a.Scenario + " / " + a.Advancer
		if k := KnobsString(a.Knobs); k != "" {
			title += " [" + k + "]"
		}
		WriteWrapped(w, "", title+": "+a.Verdict())
		const indent = "    "
		writeList(w, indent, "expectations: ", strings.Split(a.CompactExpectations(), ", "))
		if repeats {
			WriteWrapped(w, indent, "resumed: "+a.Resumed.Cell()+"; stalled after heal: "+a.StalledAfterHeal.Cell())
		}
		for _, b := range a.Bugs {
			WriteWrapped(w, indent, "bug: "+b)
		}
		for _, f := range a.RateFailures {
			WriteWrapped(w, indent, "rate FAIL: "+f)
		}
	}
}

// writeList prints prefix and the items joined by ", " after indent,
// breaking lines only between items, at TableWidth columns.
func writeList(w io.Writer, indent, prefix string, items []string) {
	pieces := make([]string, len(items))
	for i, item := range items {
		pieces[i] = item
		if i < len(items)-1 {
			pieces[i] += ","
		}
	}
	if len(pieces) > 0 {
		pieces[0] = prefix + pieces[0]
	}
	fill(w, indent, pieces)
}

// WriteWrapped prints text after indent, wrapped at spaces to TableWidth
// columns, its next lines indented two more (a word longer than a line
// stays whole).
func WriteWrapped(w io.Writer, indent, text string) { fill(w, indent, strings.Fields(text)) }

// fill prints the pieces after indent, a space between two, as many a line
// as fit TableWidth columns; next lines are indented two more.
func fill(w io.Writer, indent string, pieces []string) { hang(w, indent, indent+"  ", pieces) }

// hang prints head and then the pieces, a space before each, as many a line
// as fit TableWidth columns; next lines begin with indent.
func hang(w io.Writer, head, indent string, pieces []string) {
	line, empty := head, strings.TrimSpace(head) == ""
	for _, p := range pieces {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(p) > tableWidth {
			fmt.Fprintln(w, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += p
		empty = false
	}
	fmt.Fprintln(w, line)
}
