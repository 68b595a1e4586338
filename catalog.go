// Package leaderfault holds the built-in scenario catalog, embedded so that
// the CLI binary carries it. The libraries live in the subpackages: harness
// (the cluster and its faults), failpoints, advancer, scenarios (language and
// runner) and report.
package leaderfault

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed testdata/scenarios/*.scn
var catalog embed.FS

// Catalog returns the built-in scenarios' file system, rooted at the
// scenario files (leader-disk-stall.scn, ...).
func Catalog() fs.FS {
	sub, err := fs.Sub(catalog, "testdata/scenarios")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	return sub
}

// CatalogNames lists the built-in scenario names, sorted.
func CatalogNames() []string {
	entries, _ := fs.ReadDir(Catalog(), ".")
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".scn") {
			out = append(out, strings.TrimSuffix(e.Name(), path.Ext(e.Name())))
		}
	}
	sort.Strings(out)
	return out
}
