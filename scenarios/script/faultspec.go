package script

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/leaderfault/leaderfault/internal/spell"
)

// FaultCatalog validates fault steps against the faults a runner can inject.
// The parser itself accepts any fault kind and parameters; with a catalog
// (WithFaults) a typo fails at parse time with the script's file and line.
type FaultCatalog interface {
	// CheckFault returns nil when kind is a known fault and params are
	// parameters it takes (target, for and as are the parser's, never in
	// params). A non-nil error's text is reported after "file:line: ", so
	// it should say what was wrong and what was expected.
	CheckFault(kind string, params []Param) error
}

// FaultCatalogFunc adapts a function to FaultCatalog.
type FaultCatalogFunc func(kind string, params []Param) error

// CheckFault calls f.
func (f FaultCatalogFunc) CheckFault(kind string, params []Param) error { return f(kind, params) }

// FaultSpecs is a ready-made FaultCatalog: each fault kind with what it takes.
type FaultSpecs map[string]FaultSpec

// FaultSpec is what one fault kind takes besides target, for and as.
type FaultSpec struct {
	// Params maps each parameter to the kind of value it takes. KindFloat
	// also accepts integers, KindString also accepts bare words.
	Params   map[string]ValueKind
	Required []string // parameters that must be given
	// Words lists the words a KindWord parameter may take (dir: in, out,
	// both); a parameter without an entry takes any word.
	Words map[string][]string
	// NeedsDisk is set for faults on the members' disks, which need the
	// cluster line's disk=true (data directories on the fault-injecting
	// filesystem).
	NeedsDisk bool
	// DiskWith names parameters that, given, need disk=true (defrag
	// hold=D: the hold is at the member's disk).
	DiskWith []string
	// NeedsProcesses is set for faults on a member's whole process (pause),
	// which need the cluster line's processes=true.
	NeedsProcesses bool
	// ProcessesFor names parameter values that need processes=true
	// ("reads" → "all": a disk stall that holds page faults).
	ProcessesFor map[string]string
}

// NeedsProcesses reports whether a fault of kind with params needs
// processes=true, and says what needs it.
func (c FaultSpecs) NeedsProcesses(kind string, params []Param) (string, bool) {
	spec := c[kind]
	if spec.NeedsProcesses {
		return "fault " + kind, true
	}
	for _, p := range params {
		if w, ok := spec.ProcessesFor[p.Key]; ok && p.Value.Kind == KindWord && p.Value.Text == w {
			return fmt.Sprintf("fault %s %s=%s", kind, p.Key, w), true
		}
	}
	return "", false
}

// NeedsDisk reports whether a fault of kind with params needs disk=true,
// and says what needs it.
func (c FaultSpecs) NeedsDisk(kind string, params []Param) (string, bool) {
	spec := c[kind]
	if spec.NeedsDisk {
		return "fault " + kind, true
	}
	for _, p := range params {
		if slices.Contains(spec.DiskWith, p.Key) {
			return fmt.Sprintf("fault %s %s=", kind, p.Key), true
		}
	}
	return "", false
}

// CheckFault implements FaultCatalog with messages that list what is known
// and suggest the closest name.
func (c FaultSpecs) CheckFault(kind string, params []Param) error {
	spec, ok := c[kind]
	if !ok {
		known := slices.Sorted(maps.Keys(c))
		return fmt.Errorf("unknown fault %q%s; known: %s", kind, didYouMean(kind, known), strings.Join(known, ", "))
	}
	names := slices.Sorted(maps.Keys(spec.Params))
	for _, p := range params {
		want, ok := spec.Params[p.Key]
		switch {
		case !ok && len(names) == 0:
			return fmt.Errorf("fault %s takes no parameters besides target=, for= and as=; got %s", kind, p)
		case !ok:
			return fmt.Errorf("fault %s: unknown parameter %q%s; expected %s", kind, p.Key, didYouMean(p.Key, names), spec.syntax(names))
		case !accepts(want, p.Value):
			return fmt.Errorf("fault %s: %s is a %s; expected %s=<%s>", kind, p, p.Value.Kind, p.Key, want)
		case spec.Words[p.Key] != nil && !slices.Contains(spec.Words[p.Key], p.Value.Text):
			words := spec.Words[p.Key]
			return fmt.Errorf("fault %s: %s: unknown value %q%s; expected %s=<%s>", kind, p, p.Value.Text,
				didYouMean(p.Value.Text, words), p.Key, strings.Join(words, "|"))
		}
	}
	for _, key := range spec.Required {
		if !slices.ContainsFunc(params, func(p Param) bool { return p.Key == key }) {
			return fmt.Errorf("fault %s: missing %s=<%s>; expected %s", kind, key, spec.Params[key], spec.syntax(names))
		}
	}
	return nil
}

// Syntax is the parameters as a script writes them, required first then
// optional in brackets, each name's value kind or words:
// "delay=<duration> [dir=<in|out|both>] [jitter=<duration>]".
func (s FaultSpec) Syntax() string {
	names := slices.Sorted(maps.Keys(s.Params))
	slices.SortStableFunc(names, func(a, b string) int {
		ra, rb := slices.Contains(s.Required, a), slices.Contains(s.Required, b)
		switch {
		case ra && !rb:
			return -1
		case rb && !ra:
			return 1
		}
		return 0
	})
	return s.syntax(names)
}

func (s FaultSpec) syntax(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%s=<%s>", n, s.Params[n])
		if words := s.Words[n]; words != nil {
			out[i] = fmt.Sprintf("%s=<%s>", n, strings.Join(words, "|"))
		}
		if !slices.Contains(s.Required, n) {
			out[i] = "[" + out[i] + "]"
		}
	}
	return strings.Join(out, " ")
}

func accepts(want ValueKind, v Value) bool {
	switch want {
	case KindFloat:
		return v.Kind == KindFloat || v.Kind == KindInt
	case KindString:
		return v.Kind == KindString || v.Kind == KindWord
	}
	return v.Kind == want
}

// didYouMean suggests the known name closest to word, if one is close.
func didYouMean(word string, known []string) string {
	best, bestDist := "", 0
	for _, k := range known {
		if d := spell.Distance(word, k); best == "" || d < bestDist {
			best, bestDist = k, d
		}
	}
	limit := 1
	switch {
	case len(word) > 8:
		limit = 3
	case len(word) > 4:
		limit = 2
	}
	if best == "" || bestDist > limit {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}
