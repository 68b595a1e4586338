package script

import (
	"fmt"
	"strings"
)

// Error is one problem found in a script.
type Error struct {
	File string
	Line int
	Msg  string // what was wrong; expected what
}

// Error renders the problem as file:line: message.
func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ErrorList is every problem Parse found, ordered by line. Its message has one
// problem a line, each starting with file:line:.
type ErrorList []*Error

// Error joins the problems, one a line.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap gives errors.Is and errors.As access to each problem.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// oneLine keeps a message on one line whatever a catalog's checker returned,
// so every line of an ErrorList starts with file:line:.
var oneLine = strings.NewReplacer("\r\n", "; ", "\n", "; ", "\r", "; ")
