package script

import "fmt"

// checkRepeatedExpectations rejects an expectation that judges the same
// thing from the same reference point as an earlier one, for some preset:
// it measures the same event, so it can only repeat the earlier result (a
// "wait" between them changes nothing: both still measure from the same
// step). It walks the steps each tagged preset runs, and those of a preset
// no tag names (a plug-in), once through every repeat block.
func (p *parser) checkRepeatedExpectations() {
	presets := append(p.script.Presets(), "") // "": a preset no tag names
	reported := map[int]bool{}
	for _, preset := range presets {
		type key struct {
			ref   int // line of the reference point; 0: the start of the run
			what  ExpectKind
			known bool
		}
		ref, refText := 0, "the start of the run"
		seen := map[key]int{}
		var walk func([]Step)
		walk = func(steps []Step) {
			for _, st := range steps {
				switch a := st.Action.(type) {
				case Repeat:
					walk(a.Steps)
				case Expect, Known:
					var k key
					if e, ok := a.(Expect); ok {
						k = key{ref, e.What, false}
					} else {
						k = key{ref, a.(Known).What, true}
					}
					prev, dup := seen[k]
					if !dup {
						seen[k] = st.Line
						continue
					}
					if reported[st.Line] {
						continue
					}
					reported[st.Line] = true
					from := refText
					if ref > 0 {
						from = fmt.Sprintf("line %d (%s)", ref, refText)
					}
					p.errorf(st.Line, "%s %s repeats line %d: both measure from %s, so this one can only repeat that result; "+
						"expected a reference step (fault, failpoint, move-leader, crash, stop, restart or heal) between them, or one expectation (expect no-stall for D judges a whole window)",
						st.Verb(), k.what, prev, from)
				default:
					if st.Reference() {
						ref, refText = st.Line, st.Text
					}
				}
			}
		}
		walk(forPreset(p.script.Steps, preset))
	}
}
