package page

import (
	"strings"

	"github.com/leaderfault/leaderfault/record"

	"github.com/leaderfault/leaderfault/report"
)

// Spans of a timeline that the HTML lanes draw: faults, members down, and
// who each member believes leads.

// faultSpan is one injected fault from armed to healed.
type faultSpan struct {
	timeSpan
	Kind    string   // disk-stall, client-refuse, ... or the fault point's name
	Members []string // the members it was applied to
	Fired   bool
	// FiredAt lists when it took effect (fault-fired; failpoint-hit for a
	// fault point), one entry per member.
	FiredAt []firedAt
	Point   bool // a fault point (failpoint step), not a fault
	Number  int  // the injection's number (faults only)
}

// firedAt is when a fault took effect, on which member.
type firedAt struct {
	TMs    float64
	Member string
}

// faultSpans pairs fault-armed with fault-healed events (by the
// injection's number) and failpoint-armed with failpoint-healed (by name,
// except the disk sites a disk fault arms, which its fault span already
// shows).
func faultSpans(tl []report.Event) []faultSpan {
	var out []faultSpan
	faults := map[int]int{}    // injection number → index in out
	points := map[string]int{} // fault point name → index in out
	end := endOf(tl)
	for _, e := range tl {
		switch record.Kind(e.Kind) {
		case record.KindFaultArmed:
			faults[e.Fault] = len(out)
			out = append(out, faultSpan{timeSpan: timeSpan{StartMs: e.TMs, EndMs: end, Open: true, Label: e.Detail},
				Kind: e.Name, Members: splitMembers(e.Member), Number: e.Fault})
		case record.KindFaultFired:
			if i, ok := faults[e.Fault]; ok {
				out[i].Fired = true
				out[i].FiredAt = append(out[i].FiredAt, firedAt{TMs: e.TMs, Member: e.Member})
			}
		case record.KindFaultHealed:
			if i, ok := faults[e.Fault]; ok {
				out[i].EndMs, out[i].Open = e.TMs, false
				out[i].Fired = out[i].Fired || e.Fired
				delete(faults, e.Fault)
			}
		case record.KindFailpointArm:
			if record.IsDiskPoint(e.Name) {
				continue
			}
			points[e.Name] = len(out)
			out = append(out, faultSpan{timeSpan: timeSpan{StartMs: e.TMs, EndMs: end, Open: true, Label: "failpoint " + e.Detail},
				Kind: e.Name, Members: splitMembers(e.Member), Point: true})
		case record.KindFailpointHit:
			if i, ok := points[e.Name]; ok {
				out[i].Fired = true
				out[i].FiredAt = append(out[i].FiredAt, firedAt{TMs: e.TMs, Member: e.Member})
			}
		case record.KindFailpointHeal:
			if i, ok := points[e.Name]; ok {
				out[i].EndMs, out[i].Open = e.TMs, false
				delete(points, e.Name)
			}
		}
	}
	return out
}

// leaderView is who a member believes leads, over a span: a member name,
// "" (no leader: an election or a lost leader), or "down".
type leaderView struct {
	timeSpan
	Leader string
	Term   uint64
}

// leaderViews lists, for member, the spans of its belief about the leader,
// from its first leader event on (before, it was starting).
func leaderViews(tl []report.Event, member string) []leaderView {
	var out []leaderView
	end := endOf(tl)
	var cur *leaderView
	begin := func(t float64, leader string, term uint64) {
		if cur != nil {
			if cur.Leader == leader && cur.Term == term {
				return
			}
			cur.EndMs = t
			out = append(out, *cur)
		}
		cur = &leaderView{timeSpan: timeSpan{StartMs: t}, Leader: leader, Term: term}
	}
	for _, e := range tl {
		if e.Member != member {
			continue
		}
		switch record.Kind(e.Kind) {
		case record.KindLeader:
			begin(e.TMs, e.Leader, e.Term)
		case record.KindLeaderLost:
			begin(e.TMs, "", e.Term)
		case record.KindMemberCrash, record.KindMemberStop:
			begin(e.TMs, "down", 0)
		case record.KindMemberRestart:
			// Restarted: no belief until it hears a leader.
			begin(e.TMs, "", 0)
		}
	}
	if cur != nil {
		cur.EndMs, cur.Open = end, true
		out = append(out, *cur)
	}
	return out
}

// memberNames lists the member names (m0, m1, ...) that appear in the timeline,
// in order.
func memberNames(tl []report.Event) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range tl {
		for _, m := range splitMembers(e.Member) {
			if isMemberName(m) && !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	sortMembers(out)
	return out
}

func isMemberName(s string) bool {
	if len(s) < 2 || s[0] != 'm' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func sortMembers(ms []string) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && memberLess(ms[j], ms[j-1]); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

func memberLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func splitMembers(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
