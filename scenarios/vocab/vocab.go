// Package vocab checks scenario scripts without linking etcd: it holds every
// name a script may use — fault kinds with their parameters, fault points,
// advancer presets and knobs — as data, so that an editor, a linter or a CI
// step can parse a .scn file with file:line errors and did-you-mean
// suggestions without building the cluster.
//
// The names are defined where they act (the runner's fault catalog, the
// advancer models, the writer and the harness); Builtin is generated from
// them (builtin.go), and the runner's TestBuiltinVocabularyIsCurrent fails
// when it is stale (go test ./runner/ -run TestBuiltinVocabularyIsCurrent
// -update rewrites it). runner.Parse parses with the definitions themselves.
package vocab

import (
	"os"
	"path/filepath"

	"github.com/leaderfault/leaderfault/scenarios/script"
)

// Vocabulary is every name a script may use.
type Vocabulary struct {
	Faults     script.FaultSpecs // by fault kind
	Failpoints []string          // fault point names
	Presets    []string          // advancer preset names, for known lines
	Knobs      []string          // advancer knob names, for the advancer line
}

// Builtin is leaderfault's own vocabulary.
var Builtin = builtin

// Parse parses a scenario against v: a typo in any name is a script error
// with its file and line.
func (v Vocabulary) Parse(file string, src []byte) (*script.Script, error) {
	return script.Parse(file, src, script.WithFaults(v.Faults), script.WithFailpoints(v.Failpoints...),
		script.WithPresets(v.Presets...), script.WithKnobs(v.Knobs...))
}

// ParseFile parses a scenario file against v.
func (v Vocabulary) ParseFile(path string) (*script.Script, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return v.Parse(filepath.Base(path), src)
}
