package script

import (
	"fmt"
	"strconv"
	"strings"
)

// TargetKind is the shape of a target. The runner resolves a target to
// members at the moment a step runs and records what it resolved to.
type TargetKind string

// Target kinds, spelled as in scripts except follower:<n> and m<n>.
const (
	TargetLeader      TargetKind = "leader"     // the current leader
	TargetFollower    TargetKind = "follower"   // any follower, chosen from the seed
	TargetNthFollower TargetKind = "follower:n" // the Index-th follower by member index, from 0
	TargetMember      TargetKind = "member"     // the member named m<Index>
	TargetAll         TargetKind = "all"        // every member
	TargetQuorum      TargetKind = "quorum"     // a majority: running followers in member order, then the leader
	TargetPinned      TargetKind = "pinned"     // the member the advancer was told to watch on (watch-on)
	TargetWatched     TargetKind = "watched"    // the member whose gRPC stream serves the advancer's watch, seen at its client proxy
)

// MaxMembers is the largest cluster a script can describe.
const MaxMembers = 5

// TargetSpec names the member or members a step acts on. The zero TargetSpec means
// "not given"; steps document their default.
type TargetSpec struct {
	Kind  TargetKind
	Index int // TargetNthFollower and TargetMember only
}

// String renders the target as written in scripts: leader, follower:1, m2.
func (t TargetSpec) String() string {
	switch t.Kind {
	case TargetNthFollower:
		return "follower:" + strconv.Itoa(t.Index)
	case TargetMember:
		return "m" + strconv.Itoa(t.Index)
	default:
		return string(t.Kind)
	}
}

// IsZero reports whether the target was not given.
func (t TargetSpec) IsZero() bool { return t.Kind == "" }

// Single reports whether the target resolves to exactly one member.
func (t TargetSpec) Single() bool {
	return t.Kind != TargetAll && t.Kind != TargetQuorum && !t.IsZero()
}

const targetSyntax = "leader, follower, follower:<n>, m<n>, all, quorum, pinned or watched"

// ParseTarget parses a target as written in scripts. members is the cluster
// size used to check indexes; 0 checks against MaxMembers.
func ParseTarget(s string, members int) (TargetSpec, error) {
	if members <= 0 {
		members = MaxMembers
	}
	switch s {
	case "leader", "follower", "all", "quorum", "pinned", "watched":
		return TargetSpec{Kind: TargetKind(s)}, nil
	}
	if digits, ok := strings.CutPrefix(s, "follower:"); ok {
		n, ok := index(digits)
		switch {
		case !ok:
			return TargetSpec{}, fmt.Errorf("bad follower index in %q; expected follower:0 for the first follower, follower:1 for the second", s)
		case members == 1:
			return TargetSpec{}, fmt.Errorf("%q: a 1-member cluster has no followers; expected leader or m0", s)
		case n >= members-1:
			return TargetSpec{}, fmt.Errorf("%q: %s; expected follower:0 to follower:%d", s, sizeNote(members, n+1, "followers"), members-2)
		}
		return TargetSpec{Kind: TargetNthFollower, Index: n}, nil
	}
	if digits, ok := strings.CutPrefix(s, "m"); ok && digits != "" && isDigit(digits[0]) {
		n, ok := index(digits)
		switch {
		case !ok:
			return TargetSpec{}, fmt.Errorf("bad member name %q; expected m0, m1, ... without leading zeros", s)
		case n >= members:
			return TargetSpec{}, fmt.Errorf("no member %q: %s; expected m0 to m%d", s, sizeNote(members, n+1, "members"), members-1)
		}
		return TargetSpec{Kind: TargetMember, Index: n}, nil
	}
	return TargetSpec{}, fmt.Errorf("unknown target %q; expected %s", s, targetSyntax)
}

// sizeNote explains why index-th of a kind is out of range.
func sizeNote(members, want int, what string) string {
	have := members
	if what == "followers" {
		have = members - 1
	}
	if members == MaxMembers {
		return fmt.Sprintf("clusters have at most %d %s", have, what)
	}
	return fmt.Sprintf("the cluster has %d %s, not %d", have, what, want)
}

// index parses a canonical non-negative decimal: no sign, no leading zeros.
func index(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}
