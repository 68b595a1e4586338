// Package cli is the leaderfault command: parsing its command lines, planning
// and running scenario runs side by side as the machine admits them (package
// admission keeps timing fidelity), showing progress, and handing results to
// package report for tables, JSON and HTML.
//
// It is for the binary in cmd/leaderfault and its tests; the scenario runner
// (package runner) and the renderers (package report) are the libraries
// to use from Go code.
package cli
