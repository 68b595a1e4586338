// Package table renders the clients table (docs/clients.md) from the JSON
// reports of make clients: client × scenario → verdict and recovery
// p50/p99, and for every cell with a FAIL the mechanism in the client's
// source and the public issue, read from a hand-written data file
// (clients/mechanisms.yaml). A FAIL without an entry there is an error: the
// table is not done until every FAIL is explained.
package table

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Explanation is one entry of the mechanisms file: why a client FAILs a
// scenario.
type Explanation struct {
	Client   string `yaml:"client"`
	Scenario string `yaml:"scenario"`
	// Mechanism is the option or constant in the client's source that
	// decides the outcome, in a sentence.
	Mechanism string `yaml:"mechanism"`
	// Source is where: module@version path:line.
	Source string `yaml:"source"`
	// Issue is the public issue or PR ("owner/repo#N"), or "none found".
	Issue string `yaml:"issue"`

	line int
}

// Key is how the table looks an explanation up.
func Key(client, scenario string) string { return client + "/" + scenario }

// LoadExplanations reads a mechanisms file: a YAML list of Explanation.
// Errors name the file and line.
func LoadExplanations(path string) (map[string]Explanation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseExplanations(path, data)
}

// ParseExplanations is LoadExplanations on data read from file.
func ParseExplanations(file string, data []byte) (map[string]Explanation, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	out := map[string]Explanation{}
	if len(doc.Content) == 0 {
		return out, nil // an empty file: nothing explained yet
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: want a list of entries (- client: ... scenario: ...)", file, list.Line)
	}
	for _, item := range list.Content {
		var e Explanation
		if err := item.Decode(&e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, item.Line, err)
		}
		if err := checkKeys(item); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, item.Line, err)
		}
		e.line = item.Line
		var missing []string
		for name, v := range map[string]string{"client": e.Client, "scenario": e.Scenario, "mechanism": e.Mechanism, "source": e.Source, "issue": e.Issue} {
			if strings.TrimSpace(v) == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s:%d: entry lacks %s (every field is required; issue may be \"none found\")", file, item.Line, strings.Join(sorted(missing), ", "))
		}
		k := Key(e.Client, e.Scenario)
		if prev, dup := out[k]; dup {
			return nil, fmt.Errorf("%s:%d: %s is already explained at line %d", file, item.Line, k, prev.line)
		}
		out[k] = e
	}
	return out, nil
}

var fields = []string{"client", "scenario", "mechanism", "source", "issue"}

// checkKeys rejects a key the file format does not have (a typo would
// otherwise leave a field empty with a confusing message).
func checkKeys(item *yaml.Node) error {
	if item.Kind != yaml.MappingNode {
		return fmt.Errorf("want an entry with %s", strings.Join(fields, ", "))
	}
	for i := 0; i < len(item.Content); i += 2 {
		k := item.Content[i].Value
		known := false
		for _, f := range fields {
			known = known || k == f
		}
		if !known {
			return fmt.Errorf("unknown key %q%s; known: %s", k, didYouMean(k), strings.Join(fields, ", "))
		}
	}
	return nil
}

func didYouMean(k string) string {
	for _, f := range fields {
		if strings.HasPrefix(f, k[:min(3, len(k))]) {
			return fmt.Sprintf(" (did you mean %q?)", f)
		}
	}
	return ""
}
