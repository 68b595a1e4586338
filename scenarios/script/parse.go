package script

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Option adds knowledge the parser does not have on its own: what the
// runner's catalogs contain. Without options every fault, failpoint and
// preset name is accepted and left for the runner to check.
type Option func(*config)

type config struct {
	faults     FaultCatalog
	failpoints []string // nil: any
	presets    []string // nil: any
	knobs      []string // nil: any
}

// WithKnobs checks the advancer line's knob keys (besides watch-on,
// endpoints and scale) against names.
func WithKnobs(names ...string) Option {
	return func(cfg *config) { cfg.knobs = append([]string{}, names...) }
}

// WithFaults checks fault kinds and parameters against c.
func WithFaults(c FaultCatalog) Option { return func(cfg *config) { cfg.faults = c } }

// WithFailpoints checks failpoint names against names.
func WithFailpoints(names ...string) Option {
	return func(cfg *config) { cfg.failpoints = append([]string{}, names...) }
}

// WithPresets checks the preset names in tags against names, so that a typo
// such as [robsut] is an error instead of a step that never runs.
func WithPresets(names ...string) Option {
	return func(cfg *config) { cfg.presets = append([]string{}, names...) }
}

// ParseFile reads and parses the script at path; errors name path.
func ParseFile(path string, opts ...Option) (*Script, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario script: %w", err)
	}
	return Parse(path, src, opts...)
}

// Parse parses src. file names the script in errors and, without a scenario
// line, gives the scenario its name (the base name without extension).
// On error the script is nil and the error is an ErrorList holding every
// problem found, each as file:line: what was wrong; expected what.
func Parse(file string, src []byte, opts ...Option) (*Script, error) {
	p := &parser{file: file, script: &Script{File: file, Name: nameFromFile(file)}, setup: map[string][]Step{}}
	for _, o := range opts {
		if o != nil {
			o(&p.cfg)
		}
	}
	if p.file == "" {
		p.file = "<script>"
	}
	for i, text := range strings.Split(string(src), "\n") {
		p.line(i+1, strings.TrimSuffix(text, "\r"))
	}
	for _, b := range p.blocks {
		if b.repeat != nil { // a block opened by a bad line has had its error
			p.errorf(b.line, `repeat block is never closed; expected "}" on a line of its own`)
		}
	}
	if len(p.errs) == 0 {
		p.checkRepeatedExpectations()
	}
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *Error) int { return a.Line - b.Line })
		return nil, p.errs
	}
	return p.script, nil
}

func nameFromFile(file string) string {
	if file == "" {
		return ""
	}
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

type parser struct {
	file   string
	cfg    config
	script *Script
	errs   ErrorList

	blocks    []*block          // open blocks, outermost first; only the outermost can be live
	firstStep int               // line of the first step; 0 before it
	header    map[string]int    // scenario/seed → line seen
	setup     map[string][]Step // cluster/advancer/writer steps seen, for the once-per-preset rule
	members   int               // largest cluster declared; 0: none
	disk      bool              // a cluster line set disk=true
	processes bool              // a cluster line set processes=true
	faults    []faultSeen       // fault steps so far, for heal to refer to
}

// block is an open "{ ... }". repeat is nil for a block opened by a line
// that had an error: its lines are still checked, then dropped.
type block struct {
	line   int
	step   Step
	repeat *Repeat
	errs   int // errors before the block opened
}

type faultSeen struct {
	kind, as string
	line     int
}

// srcLine is the line being parsed.
type srcLine struct {
	no   int
	text string // the whole line
	code string // without comment and surrounding space
}

// quoteTok returns a token's source text, quoted, for messages.
func (l *srcLine) quoteTok(t token) string {
	src := l.text[t.start:t.end]
	if strings.Contains(src, `"`) && !strings.Contains(src, "`") {
		return "`" + src + "`" // spares escaping a quoted string's quotes
	}
	return strconv.Quote(src)
}

func (p *parser) errorf(line int, format string, args ...any) {
	msg := oneLine.Replace(fmt.Sprintf(format, args...))
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: msg})
}

func (p *parser) line(no int, text string) {
	lx, err := lexLine(text)
	if err != nil {
		p.errorf(no, "%s", err)
		if strings.HasSuffix(strings.TrimSpace(text), "{") { // keep the braces balanced
			p.blocks = append(p.blocks, &block{line: no})
		}
		return
	}
	if len(lx.toks) == 0 {
		return
	}
	ln := &srcLine{no: no, text: text, code: lx.code}
	toks := lx.toks
	if toks[0].kind == tokClose {
		p.closeBlock(ln, toks)
		return
	}
	opens := toks[len(toks)-1].kind == tokOpen
	if opens {
		toks = toks[:len(toks)-1]
	}
	step, isStep, err := p.statement(ln, toks, opens)
	switch {
	case err != nil:
		p.errorf(no, "%s", err)
		if opens {
			p.blocks = append(p.blocks, &block{line: no})
		}
	case !isStep:
	case opens:
		r := step.Action.(Repeat)
		p.blocks = append(p.blocks, &block{line: no, step: step, repeat: &r, errs: len(p.errs)})
	default:
		p.add(step)
	}
}

// add appends a finished step to the open block or the script.
func (p *parser) add(step Step) {
	if len(p.blocks) == 0 {
		p.script.Steps = append(p.script.Steps, step)
		return
	}
	if b := p.blocks[len(p.blocks)-1]; b.repeat != nil {
		b.repeat.Steps = append(b.repeat.Steps, step)
	}
}

func (p *parser) closeBlock(ln *srcLine, toks []token) {
	if len(toks) > 1 {
		p.errorf(ln.no, `%s after "}"; expected "}" alone on its line`, ln.quoteTok(toks[1]))
	}
	if len(p.blocks) == 0 {
		p.errorf(ln.no, `"}" without an open block; expected "repeat <n> {" before it`)
		return
	}
	b := p.blocks[len(p.blocks)-1]
	p.blocks = p.blocks[:len(p.blocks)-1]
	if b.repeat == nil {
		return
	}
	if len(b.repeat.Steps) == 0 && len(p.errs) == b.errs { // else its lines had errors
		p.errorf(b.line, `empty repeat block; expected at least one step between "{" and "}"`)
		return
	}
	b.step.Action = *b.repeat
	p.add(b.step)
}

// statement parses a line's tokens: a header line (isStep false) or a step.
func (p *parser) statement(ln *srcLine, toks []token, opens bool) (step Step, isStep bool, err error) {
	tg, toks, err := trailingTags(ln, toks)
	if err != nil {
		return Step{}, false, err
	}
	if len(toks) == 0 {
		what := "tags"
		if opens {
			what = `"{"`
		}
		return Step{}, false, fmt.Errorf("%s without a step; expected a step such as expect advance within 1s before it", what)
	}
	if toks[0].kind != tokWord {
		return Step{}, false, fmt.Errorf("line starts with %s; expected a verb: %s", ln.quoteTok(toks[0]), knownVerbs())
	}
	verb := toks[0].text
	if verb == "scenario" || verb == "seed" {
		return Step{}, false, p.headerLine(ln, verb, toks[1:], tg, opens)
	}
	if p.firstStep == 0 { // even if the step is wrong, it is where steps begin
		p.firstStep = ln.no
	}
	if opens && verb != "repeat" {
		return Step{}, false, fmt.Errorf(`only repeat opens a block with "{"; expected repeat <n> {`)
	}
	step, err = p.step(ln, toks, tg, opens, false)
	return step, err == nil, err
}

// trailingTags splits off the tags ending a line and rejects tags and braces
// anywhere else.
func trailingTags(ln *srcLine, toks []token) (*tags, []token, error) {
	var tg *tags
	if n := len(toks); n > 0 && toks[n-1].kind == tokTags {
		tg = &toks[n-1].tags
		toks = toks[:n-1]
	}
	for _, t := range toks {
		switch t.kind {
		case tokTags:
			return nil, nil, fmt.Errorf("tags %s before the end of the line; expected tags last, after every argument", t.text)
		case tokOpen:
			return nil, nil, fmt.Errorf(`"{" before the end of the line; expected "{" last: repeat <n> {`)
		case tokClose:
			return nil, nil, fmt.Errorf(`"}" after %s; expected "}" alone on its line`, ln.quoteTok(toks[0]))
		}
	}
	return tg, toks, nil
}

// headerLine handles scenario and seed, which describe the script rather
// than a step: once each, before the first step, untagged.
func (p *parser) headerLine(ln *srcLine, verb string, args []token, tg *tags, opens bool) error {
	switch {
	case tg != nil || opens:
		return fmt.Errorf("%s applies to the whole script; expected no tags or block", verb)
	case len(p.blocks) > 0:
		return fmt.Errorf("%s inside a repeat block; expected it at the top of the script", verb)
	case p.header[verb] != 0:
		return fmt.Errorf("%s given twice (first at line %d); expected one %s line", verb, p.header[verb], verb)
	case p.firstStep != 0:
		return fmt.Errorf("%s after the first step (line %d); expected header lines (scenario, seed) first", verb, p.firstStep)
	case verb == "scenario" && p.header["seed"] != 0:
		return fmt.Errorf("scenario after seed (line %d); expected the scenario line first", p.header["seed"])
	}
	a, err := newArgs(ln, verb, args)
	if err != nil {
		return err
	}
	if verb == "scenario" {
		err = p.scenarioLine(a)
	} else {
		err = p.seedLine(a)
	}
	if err == nil {
		if p.header == nil {
			p.header = map[string]int{}
		}
		p.header[verb] = ln.no
	}
	return err
}
