package script

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// args is what follows a verb on a line, sorted into positional arguments
// (words and strings, in order) and key=value pairs.
type args struct {
	ln    *srcLine
	verb  string
	opens bool    // the line ends with "{"
	toks  []token // everything after the verb, in order
	pos   []token
	kvs   []token
}

func newArgs(ln *srcLine, verb string, toks []token) (*args, error) {
	a := &args{ln: ln, verb: verb, toks: toks}
	for _, t := range toks {
		if t.kind != tokKeyValue {
			a.pos = append(a.pos, t)
			continue
		}
		if prev, ok := a.key(t.text); ok {
			return nil, a.errorf("%s and %s; expected %s= once", ln.quoteTok(prev), ln.quoteTok(t), t.text)
		}
		a.kvs = append(a.kvs, t)
	}
	return a, nil
}

// errorf reports a problem of this step, prefixed with its verb.
func (a *args) errorf(format string, x ...any) error {
	return fmt.Errorf("%s: %s", a.verb, fmt.Sprintf(format, x...))
}

// usageErrorf reports a problem and the verb's syntax.
func (a *args) usageErrorf(format string, x ...any) error {
	return a.errorf("%s; expected %s", fmt.Sprintf(format, x...), usage(a.verb))
}

func (a *args) key(k string) (token, bool) {
	for _, t := range a.kvs {
		if t.text == k {
			return t, true
		}
	}
	return token{}, false
}

// positional checks the number of positional arguments.
func (a *args) positional(minimum, maximum int) error {
	switch n := len(a.pos); {
	case n < minimum:
		return a.usageErrorf("missing argument")
	case n > maximum && maximum == 0:
		return a.usageErrorf("unexpected %s", a.ln.quoteTok(a.pos[0]))
	case n > maximum:
		return a.usageErrorf("unexpected %s after %s", a.ln.quoteTok(a.pos[maximum]), a.ln.quoteTok(a.pos[maximum-1]))
	}
	return nil
}

// onlyKeys rejects keys outside allowed.
func (a *args) onlyKeys(allowed ...string) error {
	for _, t := range a.kvs {
		if slices.Contains(allowed, t.text) {
			continue
		}
		if len(allowed) == 0 {
			return a.usageErrorf("unexpected %s", a.ln.quoteTok(t))
		}
		keys := make([]string, len(allowed))
		for i, k := range allowed {
			keys[i] = k + "="
		}
		return a.errorf("unknown key %q%s; expected %s", t.text, didYouMean(t.text, allowed), strings.Join(keys, ", "))
	}
	return nil
}

// value classifies a positional token or a key=value's value.
func (a *args) value(t token) (Value, error) {
	if t.kind == tokKeyValue {
		t = *t.val
	}
	v, err := valueOf(t)
	if err != nil {
		return Value{}, a.errorf("%s", err)
	}
	return v, nil
}

// duration reads a positive duration.
func (a *args) duration(t token) (time.Duration, error) {
	v, err := a.value(t)
	if err != nil {
		return 0, err
	}
	src := a.ln.quoteTok(t)
	switch {
	case v.Kind == KindInt:
		return 0, a.errorf("%s has no unit; expected a Go duration like %sms or %ss", src, v, v)
	case v.Kind != KindDuration:
		w := t.text
		if t.kind == tokKeyValue {
			w = t.val.text
		}
		return 0, a.errorf("%s: %s; expected a Go duration like 500ms, 1.5s or 2m", src, durationProblem(w))
	case v.Duration <= 0:
		return 0, a.errorf("%s; expected a duration above zero", src)
	}
	return v.Duration, nil
}

// word reads a bare word (no quotes).
func (a *args) word(t token, what string) (string, error) {
	if t.kind == tokKeyValue {
		t = *t.val
	}
	if t.kind != tokWord {
		return "", a.errorf("%s is quoted; expected a bare %s", a.ln.quoteTok(t), what)
	}
	return t.text, nil
}

// text reads a bare word or a quoted string.
func (a *args) text(t token, what string) (string, error) {
	if t.kind == tokKeyValue {
		t = *t.val
	}
	if t.text == "" {
		return "", a.errorf("empty %s; expected some text", what)
	}
	return t.text, nil
}

// name reads an identifier: a letter, then letters, digits, '-', '_', '.'.
func (a *args) name(t token, what string) (string, error) {
	w, err := a.word(t, what)
	if err == nil && !isKey(w) {
		err = a.errorf("bad %s %q; expected a letter, then letters, digits, '-', '_' or '.'", what, w)
	}
	return w, err
}

// target reads a target; single restricts it to ones naming one member.
func (a *args) target(p *parser, t token, single bool) (TargetSpec, error) {
	w, err := a.word(t, "target")
	if err != nil {
		return TargetSpec{}, err
	}
	tg, err := ParseTarget(w, p.members)
	if err != nil {
		return TargetSpec{}, a.errorf("%s", err)
	}
	if single && !tg.Single() {
		return TargetSpec{}, a.errorf("%s names several members; expected one: leader, follower, follower:<n>, m<n> or pinned", a.ln.quoteTok(t))
	}
	return tg, nil
}
