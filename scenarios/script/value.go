package script

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ValueKind is what a value in a script was written as.
type ValueKind string

// Value kinds, decided by the value's spelling: quoted text is a string; a
// bare word is an int, a float or a duration if it parses as one, in that
// order (so 3 is an int, 2.5 a float, 2s a duration), and a word otherwise.
const (
	KindWord     ValueKind = "word"     // leader, true, backoff-max, 2sec
	KindString   ValueKind = "string"   // "sleep(\"2s\")" or 'sleep("2s")'
	KindInt      ValueKind = "int"      // 3, -1
	KindFloat    ValueKind = "float"    // 0.5, 1e-3
	KindDuration ValueKind = "duration" // 500ms, 1.5s, 2m
)

// Value is a parameter value the parser passes through uninterpreted: fault
// parameters and advancer knobs, which the runner validates. Exactly the field
// matching Kind is set.
type Value struct {
	Kind     ValueKind
	Text     string // KindWord: the word; KindString: the decoded contents
	Int      int64
	Float    float64
	Duration time.Duration
}

// Param is one key=value of a step, in the order written.
type Param struct {
	Key   string
	Value Value
}

// String renders the parameter canonically, as key=value.
func (p Param) String() string { return p.Key + "=" + p.Value.String() }

// String renders the value canonically; parsing the result gives v back.
func (v Value) String() string {
	switch v.Kind {
	case KindString:
		return quote(v.Text)
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindFloat:
		return formatFloat(v.Float)
	case KindDuration:
		return v.Duration.String()
	default:
		return v.Text
	}
}

// AsDuration returns a duration value.
func (v Value) AsDuration() (time.Duration, bool) { return v.Duration, v.Kind == KindDuration }

// AsInt returns an integer value.
func (v Value) AsInt() (int64, bool) { return v.Int, v.Kind == KindInt }

// AsFloat returns a float or integer value as a float.
func (v Value) AsFloat() (float64, bool) {
	switch v.Kind {
	case KindFloat:
		return v.Float, true
	case KindInt:
		return float64(v.Int), true
	}
	return 0, false
}

// AsBool returns the words true and false as booleans.
func (v Value) AsBool() (bool, bool) {
	if v.Kind != KindWord || v.Text != "true" && v.Text != "false" {
		return false, false
	}
	return v.Text == "true", true
}

// AsString returns a word or a string's text.
func (v Value) AsString() (string, bool) {
	return v.Text, v.Kind == KindWord || v.Kind == KindString
}

var (
	intSyntax   = regexp.MustCompile(`^-?[0-9]+$`)
	floatSyntax = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
)

// valueOf classifies a word or string token.
func valueOf(t token) (Value, error) {
	if t.kind == tokString {
		return Value{Kind: KindString, Text: t.text}, nil
	}
	w := t.text
	switch {
	case intSyntax.MatchString(w):
		n, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			return Value{}, fmt.Errorf("integer %s out of range; expected a 64-bit integer", w)
		}
		return Value{Kind: KindInt, Int: n}, nil
	case floatSyntax.MatchString(w):
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return Value{}, fmt.Errorf("number %s out of range; expected a 64-bit float", w)
		}
		return Value{Kind: KindFloat, Float: f}, nil
	}
	if d, err := time.ParseDuration(w); err == nil {
		return Value{Kind: KindDuration, Duration: d}, nil
	}
	return Value{Kind: KindWord, Text: w}, nil
}

// durationProblem explains why w is not a duration, in time.ParseDuration's
// words without its "time: " prefix.
func durationProblem(w string) string {
	_, err := time.ParseDuration(w)
	if err == nil {
		return "not a duration"
	}
	msg := strings.TrimPrefix(err.Error(), "time: ")
	if i := strings.Index(msg, " in duration"); i > 0 {
		msg = msg[:i]
	}
	return msg
}

// formatFloat renders f so that it reads back as a float, never as an int.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// quote renders s as a string token: 'raw' when that spares escaping double
// quotes (failpoint terms), "Go-quoted" otherwise.
func quote(s string) string {
	if strings.Contains(s, `"`) && !strings.Contains(s, "'") && printable(s) {
		return "'" + s + "'"
	}
	return strconv.Quote(s)
}

// bareOrQuoted renders s as a bare word when it lexes back as exactly that
// word, quoted otherwise.
func bareOrQuoted(s string) string {
	if s == "" || !utf8.ValidString(s) {
		return quote(s)
	}
	for i := 0; i < len(s); i++ {
		if !isBare(s[i]) {
			return quote(s)
		}
	}
	return s
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}
