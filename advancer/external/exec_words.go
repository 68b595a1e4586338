package external

import (
	"regexp"
	"strings"
)

// assignment is a leading NAME=value word of a command.
var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// splitCommand splits a plain command line — words separated by blanks,
// with '…' and "…" quoting and backslash escapes, optionally preceded by
// NAME=value assignments — into the environment additions and argv, as
// /bin/sh would. ok is false when the line uses anything else of the shell
// (pipes, redirections, lists, expansions, globs, comments); it then has to
// run under /bin/sh -c.
func splitCommand(line string) (env, argv []string, ok bool) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
	)
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '\\':
			if i+1 >= len(line) || line[i+1] == '\n' {
				return nil, nil, false
			}
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, nil, false
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				switch line[i] {
				case '$', '`':
					return nil, nil, false
				case '\\':
					if i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
						i++
					} else if i+1 < len(line) && line[i+1] == '\n' {
						return nil, nil, false
					}
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, nil, false
			}
			inWord = true
		case strings.IndexByte("|&;<>()$`*?[#~{}!\n\r", c) >= 0:
			// '#' and '~' matter only at a word's start, '{', '}' and '!'
			// only as whole words; treating them as shell syntax anywhere
			// only sends more lines to /bin/sh.
			return nil, nil, false
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	for len(words) > 0 && assignment.MatchString(words[0]) {
		env = append(env, words[0])
		words = words[1:]
	}
	if len(words) == 0 {
		return nil, nil, false
	}
	return env, words, true
}

// Argv is how Exec will run command: the environment additions and the
// argv when it runs the command directly (ok), or ok false when it runs
// /bin/sh -c command. Callers use it to check a command before a run.
func Argv(command string) (env, argv []string, ok bool) { return splitCommand(command) }
