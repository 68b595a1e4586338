// Package catalog holds leaderfault's built-in scenarios, one script per
// file (leader-disk-stall.scn, ...), embedded so that the CLI binary and the
// catalog test read the same files. It holds the scripts only: parsing them
// is runner.Parse's job, running them runner.Run's.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.scn
var files embed.FS

// FS is the catalog's file system: the scenario files at its root.
func FS() fs.FS { return files }

// Names lists the built-in scenario names (file names without .scn), sorted.
func Names() []string { return NamesIn(files) }

// Source returns the script of the named scenario and its file name.
func Source(name string) (file string, src []byte, err error) {
	return SourceIn(files, "built-in", name)
}

// NamesIn lists the scenario names (file names without .scn) at the root of
// fsys, sorted: the catalog's, or another embedded set's (package incident).
func NamesIn(fsys fs.FS) []string {
	entries, _ := fs.ReadDir(fsys, ".")
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".scn"); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// SourceIn returns the script of the named scenario in fsys and its file
// name; kind names the set in the error ("no built-in scenario ...").
func SourceIn(fsys fs.FS, kind, name string) (file string, src []byte, err error) {
	file = name + ".scn"
	src, err = fs.ReadFile(fsys, file)
	if err != nil {
		return file, nil, fmt.Errorf("no %s scenario %q; known: %s", kind, name, strings.Join(NamesIn(fsys), ", "))
	}
	return file, src, nil
}
