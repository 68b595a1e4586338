package failpoints

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Grammar is the term grammar accepted by Enable, quoted in every term error.
const Grammar = `term grammar (pingcap/failpoint):
  terms  := term ( "->" term )*
  term   := mod* action [ "(" value ")" ]
  mod    := NUMBER "%"        probability, e.g. 50%
          | INT "*"           count, e.g. 3*
  action := off | return | sleep | pause | print
  value  := INT | true | false | "string"
  sleep takes milliseconds (sleep(500)) or a Go duration (sleep("2s")); pause blocks until disabled.
  examples: sleep(500)  sleep("2s")  pause  50%return(true)  3*sleep(100)->off  5*return("follower")`

// Term is a parsed fault-point term: a chain of sub-terms tried in order.
type Term struct {
	Text  string
	Chain []SubTerm
}

// SubTerm is one link of a term chain.
type SubTerm struct {
	Percent  float64 // 0 means no probability modifier
	Count    int     // 0 means no count modifier
	Action   string
	Value    any // nil, int, bool or string
	HasValue bool
}

// Blocking reports whether the sub-term blocks its evaluator (sleep or pause).
func (s SubTerm) Blocking() bool { return s.Action == "sleep" || s.Action == "pause" }

// FiresOnFirstEval reports whether the first evaluation after Enable is sure
// to take the first sub-term, so a blocking action can be counted as fired as
// soon as evaluation starts, before it returns.
func (t Term) FiresOnFirstEval() bool {
	return len(t.Chain) > 0 && t.Chain[0].Percent == 0
}

// TermError is a malformed term: the term, the byte offset where parsing
// failed, what was expected there, and the grammar.
type TermError struct {
	Term   string
	Offset int
	Msg    string
}

func (e *TermError) Error() string {
	return fmt.Sprintf("bad failpoint term %q at offset %d: %s\n%s", e.Term, e.Offset, e.Msg, Grammar)
}

// ParseTerm parses and validates a term. It accepts exactly what
// pingcap/failpoint accepts, minus the actions that would crash or stop the
// process (panic, break), and checks sleep's argument up front instead of at
// evaluation time.
func ParseTerm(text string) (Term, error) {
	p := termParser{s: text}
	t := Term{Text: text}
	if strings.TrimSpace(text) == "" {
		return t, p.fail(0, "empty term; expected an action")
	}
	for {
		st, err := p.subTerm()
		if err != nil {
			return t, err
		}
		t.Chain = append(t.Chain, st)
		if p.pos == len(p.s) {
			return t, nil
		}
		if !strings.HasPrefix(p.s[p.pos:], "->") {
			return t, p.fail(p.pos, `expected "->" or end of term`)
		}
		p.pos += 2
		if p.pos == len(p.s) {
			return t, p.fail(p.pos, `expected a term after "->"`)
		}
	}
}

type termParser struct {
	s   string
	pos int
}

func (p *termParser) fail(at int, format string, args ...any) error {
	return &TermError{Term: p.s, Offset: at, Msg: fmt.Sprintf(format, args...)}
}

var actions = map[string]bool{"off": true, "return": true, "sleep": true, "pause": true, "print": true}

func (p *termParser) subTerm() (SubTerm, error) {
	var st SubTerm
	// modifiers: number followed by % or *
	for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
		start := p.pos
		for p.pos < len(p.s) && (isDigit(p.s[p.pos]) || p.s[p.pos] == '.') {
			p.pos++
		}
		num := p.s[start:p.pos]
		if p.pos == len(p.s) {
			return st, p.fail(p.pos, `expected "%%" or "*" after %q`, num)
		}
		switch p.s[p.pos] {
		case '%':
			f, err := strconv.ParseFloat(num, 64)
			if err != nil || f <= 0 || f > 100 {
				return st, p.fail(start, "probability %q must be a number in (0,100]", num)
			}
			if st.Percent != 0 {
				return st, p.fail(start, "probability given twice")
			}
			st.Percent = f
		case '*':
			n, err := strconv.Atoi(num)
			if err != nil || n <= 0 {
				return st, p.fail(start, "count %q must be a positive integer", num)
			}
			if st.Count != 0 {
				return st, p.fail(start, "count given twice")
			}
			st.Count = n
		default:
			return st, p.fail(p.pos, `expected "%%" or "*" after %q`, num)
		}
		p.pos++
	}
	start := p.pos
	for p.pos < len(p.s) && unicode.IsLetter(rune(p.s[p.pos])) {
		p.pos++
	}
	st.Action = p.s[start:p.pos]
	switch {
	case st.Action == "":
		return st, p.fail(start, "expected an action (off, return, sleep, pause, print)")
	case st.Action == "panic" || st.Action == "break":
		return st, p.fail(start, "action %q is refused: it would crash or stop the test process", st.Action)
	case !actions[st.Action]:
		return st, p.fail(start, "unknown action %q; expected off, return, sleep, pause or print", st.Action)
	}
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		v, err := p.value()
		if err != nil {
			return st, err
		}
		st.Value, st.HasValue = v, true
	}
	switch st.Action {
	case "sleep":
		switch v := st.Value.(type) {
		case int:
			if v < 0 {
				return st, p.fail(start, "sleep takes a non-negative number of milliseconds")
			}
		case string:
			if d, err := time.ParseDuration(v); err != nil || d < 0 {
				return st, p.fail(start, "sleep(%q): not a Go duration", v)
			}
		default:
			return st, p.fail(start, `sleep needs milliseconds or a duration: sleep(500) or sleep("2s")`)
		}
	case "pause", "off":
		if st.HasValue {
			return st, p.fail(start, "%s takes no value", st.Action)
		}
	}
	return st, nil
}

func (p *termParser) value() (any, error) {
	open := p.pos
	p.pos++ // '('
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		// quoted string; find the closing quote respecting escapes
		i := p.pos + 1
		for i < len(p.s) && p.s[i] != '"' {
			if p.s[i] == '\\' {
				// pingcap/failpoint measures the string without escapes.
				return nil, p.fail(i, "escapes are not supported in string values")
			}
			i++
		}
		if i >= len(p.s) {
			return nil, p.fail(p.pos, "unterminated string")
		}
		raw := p.s[p.pos : i+1]
		str, err := strconv.Unquote(raw)
		if err != nil {
			return nil, p.fail(p.pos, "bad string %s", raw)
		}
		p.pos = i + 1
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, p.fail(p.pos, `expected ")"`)
		}
		p.pos++
		return str, nil
	}
	end := strings.IndexByte(p.s[p.pos:], ')')
	if end < 0 {
		return nil, p.fail(open, `"(" without ")"`)
	}
	raw := p.s[p.pos : p.pos+end]
	at := p.pos
	p.pos += end + 1
	switch raw {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "":
		return nil, p.fail(at, "empty value; expected an integer, true, false or a quoted string")
	}
	n, err := strconv.Atoi(raw)
	if err == nil && strconv.Itoa(n) != raw {
		return nil, p.fail(at, "integer %q must be written plainly (no sign, no leading zeros)", raw)
	}
	if err != nil {
		return nil, p.fail(at, "value %q: expected an integer, true, false or a quoted string (floats are not accepted)", raw)
	}
	return n, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
