// Package incident holds leaderfault's incident-length scenarios: the
// catalog's shapes with faults that last as long as the real incidents did
// (a 10-minute PD-leader IO hang is 60 s at the fast profile, scale 10), so
// that what accumulates during a long fault — gRPC reconnect backoff, a
// member's backlog, idle timers — shows after the heal.
//
// They are not part of the built-in catalog: TestCatalog and make test do
// not run them (each takes a minute or more). make incident runs them; the
// CLI loads them by name ("leaderfault run incident" for all of them).
// Like package catalog it holds the scripts only.
package incident

import (
	"embed"
	"io/fs"

	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

//go:embed *.scn
var files embed.FS

// FS is the tier's file system: the scenario files at its root.
func FS() fs.FS { return files }

// Names lists the incident scenario names (file names without .scn), sorted.
func Names() []string { return catalog.NamesIn(files) }

// Source returns the script of the named scenario and its file name.
func Source(name string) (file string, src []byte, err error) {
	return catalog.SourceIn(files, "incident", name)
}
