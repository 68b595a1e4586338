package runner

import (
	"os"
	"path/filepath"

	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/scenarios/script"
	"github.com/leaderfault/leaderfault/workload"
)

// ParseFile parses a scenario file against the built-in catalog.
func ParseFile(path string) (*script.Script, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(filepath.Base(path), src)
}

// Parse parses a scenario against the built-in fault catalog, the
// advancer's fault points, knobs and presets: a known line names presets (a
// plug-in is held to the requirements), and a typo in any name is a script
// error with its file and line.
func Parse(file string, src []byte) (*script.Script, error) {
	var names []string
	for _, p := range append(model.Points(), workload.Points()...) {
		names = append(names, p.Name)
	}
	names = append(names, harness.PointLeaderTransfer)
	names = append(names, harness.DiskPoints(script.MaxMembers)...)
	return script.Parse(file, src, script.WithFaults(faultSpecs()), script.WithFailpoints(names...),
		script.WithPresets(model.Presets()...), script.WithKnobs(model.KnobNames()...))
}
