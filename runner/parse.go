package runner

import (
	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/scenarios/script"
	"github.com/leaderfault/leaderfault/scenarios/vocab"
	"github.com/leaderfault/leaderfault/workload"
)

// ParseFile parses a scenario file against the built-in catalog.
func ParseFile(path string) (*script.Script, error) { return Vocabulary().ParseFile(path) }

// Parse parses a scenario against the built-in fault catalog, the
// advancer's fault points, knobs and presets: a known line names presets (a
// plug-in is held to the requirements), and a typo in any name is a script
// error with its file and line.
func Parse(file string, src []byte) (*script.Script, error) { return Vocabulary().Parse(file, src) }

// Vocabulary is every name a script may use, from the packages that define
// them; vocab.Builtin is generated from it.
func Vocabulary() vocab.Vocabulary {
	var points []string
	for _, p := range append(model.Points(), workload.Points()...) {
		points = append(points, p.Name)
	}
	points = append(points, harness.PointLeaderTransfer)
	points = append(points, harness.DiskPoints(script.MaxMembers)...)
	return vocab.Vocabulary{Faults: faultSpecs(), Failpoints: points, Presets: model.Presets(), Knobs: model.KnobNames()}
}
