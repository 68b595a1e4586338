package disk

import (
	"fmt"
	"strconv"
	"strings"
)

// The parent and the child exchange one message per line over two pipes.
//
//	parent → child:  enable <site> <quoted term>
//	                 disable <site>
//	child → parent:  ready                 mount is up and serving
//	                 fail <quoted error>   mount failed; the child exits
//	                 ok | err <quoted>     answer to the last command
//	                 hit <site> <count>    the site's term fired count times
//
// Terms and errors are Go-quoted so that no value can break a line.
type message struct {
	verb  string // enable, disable, ready, fail, ok, err, hit
	site  Site
	text  string // term (enable) or error (fail, err)
	count int64  // hit
}

func (m message) String() string {
	switch m.verb {
	case "enable":
		return fmt.Sprintf("enable %s %s", m.site, strconv.Quote(m.text))
	case "disable":
		return fmt.Sprintf("disable %s", m.site)
	case "fail", "err":
		return m.verb + " " + strconv.Quote(m.text)
	case "hit":
		return fmt.Sprintf("hit %s %d", m.site, m.count)
	default:
		return m.verb
	}
}

func parseMessage(line string) (message, error) {
	verb, rest, _ := strings.Cut(line, " ")
	m := message{verb: verb}
	var err error
	switch verb {
	case "ready", "ok":
		if rest != "" {
			err = fmt.Errorf("unexpected argument %q", rest)
		}
	case "fail", "err":
		m.text, err = strconv.Unquote(rest)
	case "disable":
		m.site, err = ParseSite(rest)
	case "enable":
		site, term, _ := strings.Cut(rest, " ")
		if m.site, err = ParseSite(site); err == nil {
			m.text, err = strconv.Unquote(term)
		}
	case "hit":
		site, count, _ := strings.Cut(rest, " ")
		if m.site, err = ParseSite(site); err == nil {
			m.count, err = strconv.ParseInt(count, 10, 64)
		}
	default:
		err = fmt.Errorf("unknown verb %q", verb)
	}
	if err != nil {
		return m, fmt.Errorf("disk protocol: bad message %q: %w", line, err)
	}
	return m, nil
}
