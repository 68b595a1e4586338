package check

import (
	"fmt"
	"sort"

	"github.com/leaderfault/leaderfault/record"
)

// InvariantError is one broken invariant, at the advance that broke it.
type InvariantError struct {
	Advance record.Event
	Rule    string // "backwards", "repeat", "never-written", "wrong-revision"
	Msg     string
}

// Error names the rule, the advance (position, time, value) and what broke.
func (e *InvariantError) Error() string {
	return fmt.Sprintf("%s: advance #%d at %.1fms (member %s, value %d, rev %d): %s",
		e.Rule, e.Advance.Seq, float64(e.Advance.At.Microseconds())/1000, e.Advance.Member, e.Advance.Value, e.Advance.Revision, e.Msg)
}

// Invariants judges every advancer's observed checkpoints in a record,
// whatever the advancer (presets or plug-ins):
//   - backwards: an advance never reports a smaller value than an earlier one;
//   - repeat: a value is reported again only right after itself and at the
//     same revision (never out of order, never as a different write);
//   - never-written: every reported value was uploaded (record.KindWrite), or
//     was an upload in doubt (record.KindWriteError carrying the value);
//   - wrong-revision: a reported revision (when not 0) is the one the value
//     was stored at.
//
// Advances are grouped by Member, so several advancers may share a record.
// The order is the record's (Seq). It returns nil when all hold.
func Invariants(events []record.Event) []error {
	written := map[uint64]int64{}
	maybe := map[uint64]bool{}
	for _, e := range events {
		switch {
		case e.Kind == record.KindWrite:
			written[e.Value] = e.Revision
		case e.Kind == record.KindWriteError && e.Value != 0:
			maybe[e.Value] = true
		}
	}
	ordered := append([]record.Event(nil), events...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Seq < ordered[j].Seq })
	type last struct {
		value uint64
		rev   int64
		seq   int
		seen  bool
	}
	prev := map[string]last{}
	var errs []error
	fail := func(e record.Event, rule, format string, args ...any) {
		errs = append(errs, &InvariantError{Advance: e, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	for _, e := range ordered {
		if e.Kind != record.KindAdvance {
			continue
		}
		p := prev[e.Member]
		switch {
		case !p.seen:
		case e.Value < p.value:
			fail(e, "backwards", "after value %d (advance #%d)", p.value, p.seq)
		case e.Value == p.value && e.Revision != p.rev:
			fail(e, "repeat", "value %d was already reported at rev %d (advance #%d)", p.value, p.rev, p.seq)
		}
		if rev, ok := written[e.Value]; ok {
			if e.Revision != 0 && rev != 0 && e.Revision != rev {
				fail(e, "wrong-revision", "value %d was written at rev %d", e.Value, rev)
			}
		} else if !maybe[e.Value] {
			fail(e, "never-written", "no upload of value %d in the record", e.Value)
		}
		if !p.seen || e.Value >= p.value {
			prev[e.Member] = last{value: e.Value, rev: e.Revision, seq: e.Seq, seen: true}
		}
	}
	return errs
}
