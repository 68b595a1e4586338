package script

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// verbDef is one verb of the language: its syntax, quoted in errors, whether
// it may stand inside a repeat, and how its arguments parse.
type verbDef struct {
	usage      string
	repeatable bool
	parse      func(p *parser, a *args) (Action, error)
}

// verbs is filled by init: repeat's parser refers back to it.
var verbs map[string]verbDef

func init() {
	lifecycle := func(op LifecycleOp) verbDef {
		return verbDef{string(op) + " <target>", true, func(p *parser, a *args) (Action, error) { return parseLifecycle(p, a, op) }}
	}
	verbs = map[string]verbDef{
		"cluster":     {"cluster [members=1|3|5] [profile=fast|production] [tick=<duration>] [election=<duration>] [disk=true|false]", false, parseCluster},
		"advancer":    {"advancer [watch-on=<target>] [endpoints=all|pinned] [scale=<number>] [<knob>=<value> ...]", false, parseAdvancer},
		"writer":      {"writer every=<duration> [via=<target>]", false, parseWriter},
		"fault":       {"fault <kind> target=<target> [<param>=<value> ...] [for=<duration>] [as=<name>]", true, parseFault},
		"failpoint":   {"failpoint <name> <term>, or failpoint <name> off", true, parseFailpoint},
		"move-leader": {"move-leader [to=<target>]", true, parseMoveLeader},
		"crash":       lifecycle(OpCrash),
		"stop":        lifecycle(OpStop),
		"restart":     lifecycle(OpRestart),
		"heal":        {"heal [<fault kind or as= name>|all]", true, parseHeal},
		"wait":        {"wait <duration>, or wait leader-change|advance [within <duration>]", true, parseWait},
		"expect":      {"expect advance|leader-change|detect within <duration>, or expect stall|no-stall for <duration> [from=<duration>]", true, parseExpect},
		"known":       {"known advance|detect within <duration> bug=<reference> [rate=<n>%] [preset,...], or known stall|no-stall for <duration> bug=<reference> [rate=<n>%] [preset,...]", true, parseKnown},
		"repeat":      {"repeat <n> [every=<duration>] { ... }, or repeat <n> [every=<duration>] <step>", false, parseRepeat},
	}
}

// usage is a verb's syntax, header verbs included.
func usage(verb string) string {
	switch verb {
	case "scenario":
		return `scenario <name> ["<one-line description>"]`
	case "seed":
		return "seed <integer>"
	}
	return verbs[verb].usage
}

func knownVerbs() string {
	return strings.Join(append(slices.Sorted(maps.Keys(verbs)), "scenario", "seed"), ", ")
}

func repeatableVerbs() string {
	var out []string
	for v, d := range verbs {
		if d.repeatable {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// step parses one step from its tokens (verb first). inline is set for the
// step of a one-line repeat.
func (p *parser) step(ln *srcLine, toks []token, tg *tags, opens, inline bool) (Step, error) {
	verb := toks[0].text
	def, ok := verbs[verb]
	if !ok {
		return Step{}, fmt.Errorf("unknown verb %q%s; expected one of: %s", verb,
			didYouMean(verb, slices.Collect(maps.Keys(verbs))), knownVerbs())
	}
	if err := p.checkNesting(verb, def, inline); err != nil {
		return Step{}, err
	}
	a := &args{ln: ln, verb: verb, toks: toks[1:]}
	if verb != "repeat" { // a one-line repeat's keys are partly its step's
		var err error
		if a, err = newArgs(ln, verb, toks[1:]); err != nil {
			return Step{}, err
		}
	}
	a.opens = opens
	act, err := def.parse(p, a)
	if err != nil {
		return Step{}, err
	}
	step := Step{Line: ln.no, Text: ln.code, Action: act}
	if inline {
		step.Text = ln.text[toks[0].start:toks[len(toks)-1].end]
	}
	_, known := act.(Known)
	switch {
	case known && tg == nil:
		return Step{}, fmt.Errorf("known without presets; expected the presets whose known deviation it states, last on the line: %s", def.usage)
	case known && tg.except:
		return Step{}, fmt.Errorf("known with %s; expected the presets it describes by name: a known deviation excuses only presets it names, never an advancer nobody here has seen", tg)
	case !known && tg != nil:
		return Step{}, fmt.Errorf("tags %s on %s; expected no tags: only known lines take them. Every other step is the same for every advancer, "+
			"so a fault lasts as long whichever advancer runs and every advancer meets the same requirements (state a preset's known deviation with known ... %s)",
			tg, verb, tg)
	}
	if tg != nil {
		if err := p.checkPresets(*tg); err != nil {
			return Step{}, err
		}
		step.Presets, step.ExceptPresets = tg.names, tg.except
	}
	if err := p.checkPlacement(step); err != nil {
		return Step{}, err
	}
	return step, nil
}

func (p *parser) checkNesting(verb string, def verbDef, inline bool) error {
	inBlock := len(p.blocks) > 0
	switch {
	case inline && verb == "repeat":
		return fmt.Errorf("repeat inside a repeat; expected one level of repeat")
	case inBlock && verb == "repeat":
		return fmt.Errorf(`repeat inside the repeat block of line %d; expected one level of repeat, or "}" closing that block first`, p.blocks[0].line)
	case (inBlock || inline) && !def.repeatable:
		return fmt.Errorf("%s cannot be repeated; expected it before the repeat (repeatable: %s)", verb, repeatableVerbs())
	}
	return nil
}

func (p *parser) checkPresets(tg tags) error {
	if p.cfg.presets == nil {
		return nil
	}
	for _, n := range tg.names {
		if !slices.Contains(p.cfg.presets, n) {
			return fmt.Errorf("unknown preset %q in %s%s; known: %s", n, tg, didYouMean(n, p.cfg.presets), strings.Join(p.cfg.presets, ", "))
		}
	}
	return nil
}

// checkPlacement enforces the rules that span lines: the cluster comes first,
// and cluster, advancer and writer are set up at most once per preset.
func (p *parser) checkPlacement(step Step) error {
	verb := step.Verb()
	switch verb {
	case "cluster":
		if other := p.firstNonCluster(); other != 0 {
			return fmt.Errorf("cluster after other steps (line %d); expected the cluster line before any other step", other)
		}
	case "advancer", "writer":
	default:
		return nil
	}
	for _, prev := range p.setup[verb] {
		if prev.tags().overlaps(step.tags(), p.cfg.presets) {
			return fmt.Errorf("%s given twice (first at line %d); expected one %s line", verb, prev.Line, verb)
		}
	}
	p.setup[verb] = append(p.setup[verb], step)
	if c, ok := step.Action.(ClusterSpec); ok {
		p.members = max(p.members, c.Members)
		p.disk = p.disk || c.Disk
		p.processes = p.processes || c.Processes
	}
	return nil
}

// firstNonCluster is the line of the first step other than a cluster, or 0.
func (p *parser) firstNonCluster() int {
	for _, st := range p.script.Steps {
		if st.Verb() != "cluster" {
			return st.Line
		}
	}
	if len(p.blocks) > 0 {
		return p.blocks[0].line
	}
	return 0
}
