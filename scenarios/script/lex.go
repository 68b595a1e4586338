package script

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokenKind says what a token of a line is.
type tokenKind int

const (
	tokWord     tokenKind = iota // bare text: a verb, number, duration, target, name
	tokString                    // "quoted" or 'raw'; text holds the decoded value
	tokKeyValue                  // key=value; text holds the key, val the value
	tokTags                      // [preset,...] or [!preset,...]
	tokOpen                      // {
	tokClose                     // }
)

// token is one lexical unit of a line. start and end are byte offsets into
// the line, so errors and Step.Text can quote the source exactly.
type token struct {
	kind       tokenKind
	start, end int
	text       string
	val        *token // tokKeyValue only: a tokWord or tokString
	tags       tags   // tokTags only
}

// lexed is a line cut into tokens; code is the line without its comment.
type lexed struct {
	toks []token
	code string
}

// isBare reports whether c may appear in a bare word. Everything printable
// except separators, quotes and the characters with a meaning of their own.
func isBare(c byte) bool {
	switch c {
	case ' ', '\t', '#', '"', '\'', '=', '[', ']', '{', '}':
		return false
	}
	return c >= 0x20 && c != 0x7f
}

// lexLine cuts one line (without its newline) into tokens. Errors carry no
// position prefix; the parser adds file:line.
func lexLine(line string) (lexed, error) {
	if !utf8.ValidString(line) {
		return lexed{}, fmt.Errorf("line is not valid UTF-8; expected UTF-8 text")
	}
	lx := lexer{s: line}
	for {
		lx.skipSpace()
		if lx.pos == len(lx.s) || lx.s[lx.pos] == '#' {
			return lexed{toks: lx.toks, code: strings.TrimSpace(lx.s[:lx.pos])}, nil
		}
		if err := lx.next(); err != nil {
			return lexed{}, err
		}
	}
}

type lexer struct {
	s    string
	pos  int
	toks []token
}

func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.s) && (lx.s[lx.pos] == ' ' || lx.s[lx.pos] == '\t') {
		lx.pos++
	}
}

func (lx *lexer) next() error {
	start := lx.pos
	switch c := lx.s[start]; {
	case c == '"' || c == '\'':
		t, err := lx.quoted()
		if err != nil {
			return err
		}
		lx.toks = append(lx.toks, t)
		return lx.separated(t)
	case c == '[':
		t, err := lx.tags()
		if err != nil {
			return err
		}
		lx.toks = append(lx.toks, t)
		return nil
	case c == ']':
		return fmt.Errorf(`"]" without "["; expected tags like [legacy] or [!legacy]`)
	case c == '{' || c == '}':
		kind := tokOpen
		if c == '}' {
			kind = tokClose
		}
		lx.pos++
		lx.toks = append(lx.toks, token{kind: kind, start: start, end: lx.pos, text: string(c)})
		return nil
	case c == '=':
		return fmt.Errorf(`"=" without a key; expected key=value with no spaces around "="`)
	case !isBare(c):
		return fmt.Errorf("unexpected control character %U; expected printable text", rune(c))
	}
	w := lx.word()
	if lx.pos == len(lx.s) || lx.s[lx.pos] != '=' {
		lx.toks = append(lx.toks, w)
		return lx.separated(w)
	}
	if !isKey(w.text) {
		return fmt.Errorf("bad key %q; expected a key like every or backoff-max (a letter, then letters, digits, '-', '_' or '.')", w.text)
	}
	lx.pos++ // '='
	var val token
	switch {
	case lx.pos < len(lx.s) && (lx.s[lx.pos] == '"' || lx.s[lx.pos] == '\''):
		v, err := lx.quoted()
		if err != nil {
			return err
		}
		val = v
	case lx.pos < len(lx.s) && isBare(lx.s[lx.pos]):
		val = lx.word()
	default:
		return fmt.Errorf("missing value after %q; expected %s<value> with no space after \"=\"", w.text+"=", w.text+"=")
	}
	kv := token{kind: tokKeyValue, start: start, end: lx.pos, text: w.text, val: &val}
	lx.toks = append(lx.toks, kv)
	return lx.separated(kv)
}

// separated checks what follows a word or string: tokens must be apart, so
// that `a"b"` or `x=1=2` is an error rather than a guess.
func (lx *lexer) separated(t token) error {
	if lx.pos == len(lx.s) {
		return nil
	}
	switch c := lx.s[lx.pos]; {
	case c == ' ' || c == '\t' || c == '#' || c == '[' || c == '{' || c == '}':
		return nil
	case c == '=':
		return fmt.Errorf("unexpected \"=\" after %q; expected one key=value per word", lx.s[t.start:t.end])
	case c == ']':
		return fmt.Errorf(`"]" without "["; expected tags like [legacy] or [!legacy]`)
	case c == '"' || c == '\'' || isBare(c):
		return fmt.Errorf("missing space after %q; expected a space between words", lx.s[t.start:t.end])
	default:
		return fmt.Errorf("unexpected control character %U; expected printable text", rune(c))
	}
}

func (lx *lexer) word() token {
	start := lx.pos
	for lx.pos < len(lx.s) && isBare(lx.s[lx.pos]) {
		lx.pos++
	}
	return token{kind: tokWord, start: start, end: lx.pos, text: lx.s[start:lx.pos]}
}

// quoted reads "Go string" (with Go escapes) or 'raw string' (no escapes,
// handy for failpoint terms that contain double quotes).
func (lx *lexer) quoted() (token, error) {
	start := lx.pos
	q := lx.s[start]
	i := start + 1
	for i < len(lx.s) && lx.s[i] != q {
		if q == '"' && lx.s[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(lx.s) {
		return token{}, fmt.Errorf("unterminated string %s; expected a closing %c on the same line", lx.s[start:], q)
	}
	lx.pos = i + 1
	raw := lx.s[start:lx.pos]
	if q == '\'' {
		return token{kind: tokString, start: start, end: lx.pos, text: raw[1 : len(raw)-1]}, nil
	}
	text, err := strconv.Unquote(raw)
	if err != nil {
		return token{}, fmt.Errorf(`bad string %s; expected Go escapes such as \" \\ \n, or a 'raw string'`, raw)
	}
	return token{kind: tokString, start: start, end: lx.pos, text: text}, nil
}

func (lx *lexer) tags() (token, error) {
	start := lx.pos
	end := strings.IndexByte(lx.s[start:], ']')
	if end < 0 {
		return token{}, fmt.Errorf(`unclosed "["; expected tags like [legacy], [pr69047,robust] or [!legacy]`)
	}
	lx.pos = start + end + 1
	raw := lx.s[start:lx.pos]
	tg, err := parseTags(raw)
	if err != nil {
		return token{}, err
	}
	return token{kind: tokTags, start: start, end: lx.pos, text: raw, tags: tg}, nil
}

// isKey reports whether s is a well-formed key of key=value.
func isKey(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
