package script

import (
	"fmt"
	"slices"
	"strings"
)

// tags is a parsed [preset,...] or [!preset,...].
type tags struct {
	names  []string
	except bool
}

func (t tags) String() string {
	if len(t.names) == 0 {
		return ""
	}
	bang := ""
	if t.except {
		bang = "!"
	}
	return "[" + bang + strings.Join(t.names, ",") + "]"
}

const tagSyntax = "[preset], [preset,preset] or [!preset] (every preset except)"

// parseTags parses raw, the bracketed text including its brackets.
func parseTags(raw string) (tags, error) {
	body := strings.TrimSpace(raw[1 : len(raw)-1])
	var t tags
	if rest, ok := strings.CutPrefix(body, "!"); ok {
		t.except = true
		body = strings.TrimSpace(rest)
	}
	if body == "" {
		return tags{}, fmt.Errorf("empty tag %s; expected %s", raw, tagSyntax)
	}
	for name := range strings.SplitSeq(body, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return tags{}, fmt.Errorf("empty preset name in %s; expected %s", raw, tagSyntax)
		case strings.HasPrefix(name, "!"):
			return tags{}, fmt.Errorf(`"!" inside %s; expected "!" once, first: [!a,b] means every preset except a and b`, raw)
		case !isPresetName(name):
			return tags{}, fmt.Errorf("bad preset name %q in %s; expected letters, digits, '-', '_' or '.'", name, raw)
		case slices.Contains(t.names, name):
			return tags{}, fmt.Errorf("preset %q twice in %s; expected each preset once", name, raw)
		}
		t.names = append(t.names, name)
	}
	return t, nil
}

func isPresetName(s string) bool {
	if s == "" || !isLetter(s[0]) && !isDigit(s[0]) {
		return false
	}
	return isKey("p" + s[1:])
}

// applies reports whether a step tagged with t runs for preset.
func (t tags) applies(preset string) bool {
	return slices.Contains(t.names, preset) != t.except
}

// overlaps reports whether some preset would run both a step tagged t and
// one tagged u. Without a list of known presets, two "except" tags always
// overlap: some preset nobody named runs both.
func (t tags) overlaps(u tags, known []string) bool {
	switch {
	case !t.except && !u.except:
		return slices.ContainsFunc(t.names, func(n string) bool { return slices.Contains(u.names, n) })
	case !t.except:
		return slices.ContainsFunc(t.names, u.applies)
	case !u.except:
		return slices.ContainsFunc(u.names, t.applies)
	case known == nil:
		return true
	default:
		return slices.ContainsFunc(known, func(n string) bool { return t.applies(n) && u.applies(n) })
	}
}

// tags returns the step's preset tags; untagged steps are "every preset
// except none".
func (s Step) tags() tags {
	if len(s.Presets) == 0 {
		return tags{except: true}
	}
	return tags{names: s.Presets, except: s.ExceptPresets}
}

// AppliesTo reports whether the step runs when the advancer under test is
// the named preset. It does not look inside a repeat block; ForPreset does.
func (s Step) AppliesTo(preset string) bool { return s.tags().applies(preset) }

// ForPreset returns the steps that run for the named preset, in order.
// Repeat steps are kept, not unrolled (the runner needs their count and
// period), but their inner steps are filtered the same way; a repeat left
// with no step is dropped. Tags stay on the returned steps for reports.
func (s *Script) ForPreset(preset string) []Step {
	return forPreset(s.Steps, preset)
}

func forPreset(steps []Step, preset string) []Step {
	var out []Step
	for _, st := range steps {
		if !st.AppliesTo(preset) {
			continue
		}
		if r, ok := st.Action.(Repeat); ok {
			r.Steps = forPreset(r.Steps, preset)
			if len(r.Steps) == 0 {
				continue
			}
			st.Action = r
		}
		out = append(out, st)
	}
	return out
}

// Presets returns every preset named in a tag, sorted, without duplicates:
// the presets whose results the script distinguishes.
func (s *Script) Presets() []string {
	var names []string
	var walk func([]Step)
	walk = func(steps []Step) {
		for _, st := range steps {
			names = append(names, st.Presets...)
			if r, ok := st.Action.(Repeat); ok {
				walk(r.Steps)
			}
		}
	}
	walk(s.Steps)
	slices.Sort(names)
	return slices.Compact(names)
}
