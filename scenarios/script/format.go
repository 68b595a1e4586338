package script

import (
	"strconv"
	"strings"
	"time"
)

// Format renders the script canonically: the header lines, then one step a
// line, repeat blocks indented by four spaces. Comments and spacing are not
// kept; parsing the result gives back the same script (up to Line and Text).
func (s *Script) Format() string {
	var b strings.Builder
	if s.Name != "" || s.Description != "" {
		b.WriteString("scenario " + bareOrQuoted(s.Name))
		if s.Description != "" {
			b.WriteString(" " + quote(s.Description))
		}
		b.WriteByte('\n')
	}
	if s.Seed != nil {
		b.WriteString("seed " + strconv.FormatInt(*s.Seed, 10) + "\n")
	}
	for _, st := range s.Steps {
		st.format(&b, "")
	}
	return b.String()
}

// String renders the step canonically on one line, or for a repeat block on
// several, with its tags last.
func (s Step) String() string {
	var b strings.Builder
	s.format(&b, "")
	return strings.TrimSuffix(b.String(), "\n")
}

func (s Step) format(b *strings.Builder, indent string) {
	b.WriteString(indent)
	if s.Action == nil { // only a hand-built Step can lack one
		b.WriteString("# step without an action\n")
		return
	}
	b.WriteString(s.Verb())
	if a := s.Action.args(); a != "" {
		b.WriteString(" " + a)
	}
	r, isRepeat := s.Action.(Repeat)
	if isRepeat && r.inline() {
		b.WriteString(" " + r.Steps[0].String())
	}
	if t := s.tags().String(); t != "" {
		b.WriteString(" " + t)
	}
	if !isRepeat || r.inline() {
		b.WriteByte('\n')
		return
	}
	b.WriteString(" {\n")
	for _, inner := range r.Steps {
		inner.format(b, indent+"    ")
	}
	b.WriteString(indent + "}\n")
}

// inline reports whether the repeat is written on one line: a single,
// untagged step (a tag at the end of a one-line repeat tags the repeat).
func (r Repeat) inline() bool {
	return len(r.Steps) == 1 && len(r.Steps[0].Presets) == 0
}

// words joins the non-empty parts with spaces.
func words(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// kv renders key=value, or nothing for an empty value.
func kv(key, value string) string {
	if value == "" {
		return ""
	}
	return key + "=" + value
}

// dur renders a duration, or nothing for zero.
func dur(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func params(ps []Param) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, " ")
}

func (c ClusterSpec) args() string {
	members := ""
	if c.Members != 0 {
		members = strconv.Itoa(c.Members)
	}
	disk := ""
	if c.Disk {
		disk = "true"
	}
	processes := ""
	if c.Processes {
		processes = "true"
	}
	data := ""
	if c.DataMiB != 0 {
		data = strconv.Itoa(c.DataMiB)
	}
	return words(kv("members", members), kv("profile", c.Profile), kv("tick", dur(c.Tick)),
		kv("election", dur(c.Election)), kv("disk", disk), kv("processes", processes), kv("data", data))
}

func (a StartAdvancer) args() string {
	scale := ""
	if a.Scale != 0 {
		scale = strconv.FormatFloat(a.Scale, 'g', -1, 64)
	}
	return words(kv("watch-on", a.WatchOn.String()), kv("endpoints", string(a.Endpoints)), kv("scale", scale), params(a.Knobs))
}

func (w StartWriter) args() string {
	return words(kv("every", dur(w.Every)), kv("via", w.Via.String()))
}

func (f Inject) args() string {
	return words(f.Kind, kv("target", f.Target.String()), params(f.Params), kv("for", dur(f.For)), kv("as", f.As))
}

func (f Failpoint) args() string {
	if f.Off {
		return words(bareOrQuoted(f.Name), "off")
	}
	return words(bareOrQuoted(f.Name), bareOrQuoted(f.Term))
}

func (m MoveLeader) args() string { return kv("to", m.To.String()) }

func (l Lifecycle) args() string { return l.Target.String() }

func (h Heal) args() string { return h.Ref }

func (w Wait) args() string {
	if w.Until == "" {
		return dur(w.For)
	}
	if w.Within == 0 {
		return string(w.Until)
	}
	return words(string(w.Until), "within", w.Within.String())
}

func (e Expect) args() string {
	keyword := "within"
	if e.What == ExpectStall || e.What == ExpectNoStall {
		keyword = "for"
	}
	return words(string(e.What), keyword, e.Duration.String(), kv("from", dur(e.From)))
}

func (k Known) args() string {
	rate := ""
	if k.Rate > 0 {
		rate = strconv.Itoa(k.Rate) + "%"
	}
	return words(k.Expect.args(), kv("bug", bareOrQuoted(k.Bug)), kv("rate", rate))
}

func (r Repeat) args() string {
	return words(strconv.Itoa(r.Count), kv("every", dur(r.Every)))
}
