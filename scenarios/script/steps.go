package script

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/failpoints"
)

// Parsers of the steps that act on a running scenario.

func parseFault(p *parser, a *args) (Action, error) {
	if err := a.positional(1, 1); err != nil {
		return nil, err
	}
	kind, err := a.name(a.pos[0], "fault kind")
	if err != nil {
		return nil, err
	}
	f := Inject{Kind: kind}
	for _, t := range a.kvs {
		switch t.text {
		case "target":
			f.Target, err = a.target(p, *t.val, false)
		case "for":
			f.For, err = a.duration(t)
		case "as":
			f.As, err = a.name(t, "fault name")
		default:
			var v Value
			v, err = a.value(t)
			f.Params = append(f.Params, Param{Key: t.text, Value: v})
		}
		if err != nil {
			return nil, err
		}
	}
	if f.Target.IsZero() {
		return nil, a.usageErrorf("missing target=")
	}
	if p.cfg.faults != nil {
		if err := p.cfg.faults.CheckFault(f.Kind, f.Params); err != nil {
			return nil, err
		}
		if d, ok := p.cfg.faults.(interface {
			NeedsDisk(string, []Param) (string, bool)
		}); ok && !p.disk {
			if what, needs := d.NeedsDisk(f.Kind, f.Params); needs {
				return nil, a.errorf("%s without disk=true on the cluster line; expected cluster ... disk=true (the members' data on the fault-injecting filesystem) before a disk fault", what)
			}
		}
		if d, ok := p.cfg.faults.(interface {
			NeedsProcesses(string, []Param) (string, bool)
		}); ok && !p.processes {
			if what, needs := d.NeedsProcesses(f.Kind, f.Params); needs {
				return nil, a.errorf("%s without processes=true on the cluster line; expected cluster ... processes=true (every member a process of its own) before it", what)
			}
		}
	}
	if f.As != "" {
		for _, prev := range p.faults {
			if prev.as == f.As {
				return nil, a.errorf("as=%s already names the fault at line %d; expected a new name", f.As, prev.line)
			}
		}
	}
	p.faults = append(p.faults, faultSeen{kind: f.Kind, as: f.As, line: a.ln.no})
	return f, nil
}

func parseFailpoint(p *parser, a *args) (Action, error) {
	if err := a.onlyKeys("term"); err != nil {
		return nil, err
	}
	termKV, hasTermKV := a.key("term")
	want := 2
	if hasTermKV {
		want = 1
	}
	if err := a.positional(want, want); err != nil {
		return nil, err
	}
	name, err := a.word(a.pos[0], "failpoint name")
	if err != nil {
		return nil, err
	}
	if known := p.cfg.failpoints; known != nil && !slices.Contains(known, name) {
		return nil, a.errorf("unknown failpoint %q%s; known: %s", name, didYouMean(name, known), strings.Join(known, ", "))
	}
	termTok := termKV
	if hasTermKV {
		termTok = *termKV.val
	} else {
		termTok = a.pos[1]
	}
	fp := Failpoint{Name: name, Term: termTok.text}
	if fp.Term == "off" {
		return Failpoint{Name: name, Off: true}, nil
	}
	if _, err := failpoints.ParseTerm(fp.Term); err != nil {
		var te *failpoints.TermError
		if errors.As(err, &te) {
			msg := te.Msg
			if !strings.Contains(msg, "expected") {
				msg += "; expected a pingcap/failpoint term like sleep(500), 'sleep(\"2s\")', pause or 50%return(true)"
			}
			return nil, a.errorf("bad term %s at offset %d: %s", a.ln.quoteTok(termTok), te.Offset, msg)
		}
		return nil, a.errorf("bad term %s: %v", a.ln.quoteTok(termTok), err)
	}
	return fp, nil
}

func parseMoveLeader(p *parser, a *args) (Action, error) {
	if err := a.positional(0, 0); err != nil {
		return nil, err
	}
	if err := a.onlyKeys("to"); err != nil {
		return nil, err
	}
	m := MoveLeader{To: TargetSpec{Kind: TargetFollower}}
	if t, ok := a.key("to"); ok {
		to, err := a.target(p, *t.val, true)
		if err != nil {
			return nil, err
		}
		if to.Kind == TargetLeader {
			return nil, a.errorf("to=leader; expected a member that is not the leader, such as follower, follower:0 or m1")
		}
		m.To = to
	}
	return m, nil
}

func parseLifecycle(p *parser, a *args, op LifecycleOp) (Action, error) {
	if err := a.onlyKeys(); err != nil {
		return nil, err
	}
	if err := a.positional(1, 1); err != nil {
		return nil, err
	}
	t, err := a.target(p, a.pos[0], false)
	if err != nil {
		return nil, err
	}
	return Lifecycle{Op: op, Target: t}, nil
}

func parseHeal(p *parser, a *args) (Action, error) {
	if err := a.onlyKeys(); err != nil {
		return nil, err
	}
	if err := a.positional(0, 1); err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		return Heal{}, nil
	}
	ref, err := a.name(a.pos[0], "fault reference")
	if err != nil || ref == "all" {
		return Heal{}, err
	}
	var refs []string
	for _, f := range p.faults {
		if f.kind == ref || f.as == ref {
			return Heal{Ref: ref}, nil
		}
		refs = append(refs, f.kind)
		if f.as != "" {
			refs = append(refs, f.as)
		}
	}
	if len(refs) == 0 {
		return nil, a.errorf("%q: no fault before this line; expected heal or heal all", ref)
	}
	slices.Sort(refs)
	refs = slices.Compact(refs)
	return nil, a.errorf("%q matches no earlier fault's kind or as= name%s; expected all, %s", ref, didYouMean(ref, refs), strings.Join(refs, ", "))
}

// deadline reads the "within D" (or "for D") that ends a wait or an
// expectation, written as two words or as keyword=D. rest is the positional
// arguments after the event word.
func (a *args) deadline(keyword string, rest []token, required bool) (time.Duration, error) {
	t, hasKV := a.key(keyword)
	switch {
	case hasKV && len(rest) > 0:
		return 0, a.usageErrorf("unexpected %s after %s", a.ln.quoteTok(rest[0]), a.ln.quoteTok(t))
	case hasKV:
		return a.duration(t)
	case len(rest) == 0 && !required:
		return 0, nil
	case len(rest) == 0:
		return 0, a.usageErrorf("missing \"%s <duration>\"", keyword)
	case rest[0].kind != tokWord || rest[0].text != keyword:
		return 0, a.usageErrorf("%s where \"%s <duration>\" belongs", a.ln.quoteTok(rest[0]), keyword)
	case len(rest) == 1:
		return 0, a.usageErrorf("missing duration after %q", keyword)
	case len(rest) > 2:
		return 0, a.usageErrorf("unexpected %s after the duration", a.ln.quoteTok(rest[2]))
	}
	return a.duration(rest[1])
}

func parseWait(p *parser, a *args) (Action, error) {
	if err := a.positional(1, 3); err != nil {
		return nil, err
	}
	first := a.pos[0]
	if v, err := a.value(first); err == nil && (v.Kind == KindDuration || v.Kind == KindInt) {
		if err := a.positional(1, 1); err != nil {
			return nil, err
		}
		if err := a.onlyKeys(); err != nil {
			return nil, err
		}
		d, err := a.duration(first)
		return Wait{For: d}, err
	}
	if err := a.onlyKeys("within"); err != nil {
		return nil, err
	}
	event := WaitEvent(first.text)
	if first.kind != tokWord || event != WaitLeaderChange && event != WaitAdvance {
		return nil, a.usageErrorf("%s is neither a duration nor an event", a.ln.quoteTok(first))
	}
	within, err := a.deadline("within", a.pos[1:], false)
	if err != nil {
		return nil, err
	}
	return Wait{Until: event, Within: within}, nil
}

func parseExpect(p *parser, a *args) (Action, error) {
	return parseJudgement(a, "from")
}

// parseJudgement parses what expect and known share: the expectation, its
// duration, and the keys given (beyond within/for).
func parseJudgement(a *args, keys ...string) (Expect, error) {
	if err := a.positional(1, 3); err != nil {
		return Expect{}, err
	}
	what := ExpectKind(a.pos[0].text)
	keyword := "within"
	switch what {
	case ExpectAdvance, ExpectLeaderChange, ExpectDetect:
	case ExpectStall, ExpectNoStall:
		keyword = "for"
	default:
		return Expect{}, a.usageErrorf("unknown expectation %s%s", a.ln.quoteTok(a.pos[0]),
			didYouMean(string(what), []string{"advance", "stall", "no-stall", "leader-change", "detect"}))
	}
	if a.pos[0].kind != tokWord {
		return Expect{}, a.usageErrorf("%s is quoted", a.ln.quoteTok(a.pos[0]))
	}
	if err := a.onlyKeys(append([]string{keyword}, keys...)...); err != nil {
		return Expect{}, err
	}
	d, err := a.deadline(keyword, a.pos[1:], true)
	if err != nil {
		return Expect{}, err
	}
	e := Expect{What: what, Duration: d}
	if t, ok := a.key("from"); ok {
		if what != ExpectNoStall {
			return Expect{}, a.errorf("from= on expect %s; expected from= only on no-stall (where the window starts)", what)
		}
		if e.From, err = a.duration(t); err != nil {
			return Expect{}, err
		}
	}
	return e, nil
}

func parseKnown(p *parser, a *args) (Action, error) {
	e, err := parseJudgement(a, "from", "bug", "rate")
	if err != nil {
		return nil, err
	}
	if e.What == ExpectLeaderChange {
		return nil, a.errorf("known leader-change; expected a known deviation of the advancer (advance, stall, no-stall or detect): the leader is the cluster's doing")
	}
	t, ok := a.key("bug")
	if !ok {
		return nil, a.usageErrorf("missing bug=; expected the issue or reason the deviation stands for, e.g. bug=\"pingcap/tidb#69048\"")
	}
	bug, err := a.text(t, "bug reference")
	if err != nil {
		return nil, err
	}
	k := Known{Expect: e, Bug: bug}
	if t, ok := a.key("rate"); ok {
		w, err := a.word(t, "rate")
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(strings.TrimSuffix(w, "%"))
		if err != nil || !strings.HasSuffix(w, "%") || n < 1 || n > 99 {
			return nil, a.errorf("rate=%s; expected the share of runs the deviation shows in, from 1%% to 99%% (leave rate out for every run)", w)
		}
		k.Rate = n
	}
	return k, nil
}

// maxRepeat bounds repeat counts: a storm, not a soak.
const maxRepeat = 10000

func parseRepeat(p *parser, a *args) (Action, error) {
	if len(a.toks) == 0 || a.toks[0].kind != tokWord {
		return nil, a.usageErrorf("missing count")
	}
	v, err := a.value(a.toks[0])
	if err != nil {
		return nil, err
	}
	if v.Kind != KindInt || v.Int < 1 || v.Int > maxRepeat {
		return nil, a.usageErrorf("count %s is not a whole number from 1 to %d", a.ln.quoteTok(a.toks[0]), maxRepeat)
	}
	r := Repeat{Count: int(v.Int)}
	rest := a.toks[1:]
	for len(rest) > 0 && rest[0].kind == tokKeyValue {
		t := rest[0]
		if r.Every != 0 {
			return nil, a.errorf("every= given twice; expected it once")
		}
		if t.text != "every" {
			return nil, a.errorf("unknown key %q; expected every=<duration> before the repeated step", t.text)
		}
		if r.Every, err = a.duration(t); err != nil {
			return nil, err
		}
		rest = rest[1:]
	}
	switch {
	case a.opens && len(rest) > 0:
		return nil, a.usageErrorf("unexpected %s before \"{\"", a.ln.quoteTok(rest[0]))
	case a.opens:
		return r, nil
	case len(rest) == 0:
		return nil, a.usageErrorf("nothing to repeat")
	case rest[0].kind != tokWord:
		return nil, a.usageErrorf("%s where the repeated step's verb belongs", a.ln.quoteTok(rest[0]))
	}
	inner, err := p.step(a.ln, rest, nil, false, true)
	if err != nil {
		return nil, fmt.Errorf("repeat: %w", err)
	}
	r.Steps = []Step{inner}
	return r, nil
}
