package check

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/record"
)

func write(v uint64, rev int64) record.Event {
	return record.Event{Kind: record.KindWrite, Member: "writer", Value: v, Revision: rev}
}

func advance(v uint64, rev int64) record.Event {
	return record.Event{Kind: record.KindAdvance, Member: "advancer", Value: v, Revision: rev}
}

func numbered(events ...record.Event) []record.Event {
	for i := range events {
		events[i].Seq = i
	}
	return events
}

func rules(errs []error) []string {
	var out []string
	for _, err := range errs {
		var ie *InvariantError
		if errors.As(err, &ie) {
			out = append(out, ie.Rule)
		}
	}
	return out
}

func TestInvariantsHoldForAnOrderlyRun(t *testing.T) {
	ev := numbered(write(1, 5), advance(1, 5), write(2, 6), write(3, 7), advance(3, 7), advance(3, 7))
	assert.Empty(t, Invariants(ev), "skipping values and repeating the last one in place are fine")
}

func TestInvariantsAcceptAdvanceRecordedBeforeItsWrite(t *testing.T) {
	// The watch can deliver before the writer's Put returns.
	ev := numbered(advance(1, 5), write(1, 5))
	assert.Empty(t, Invariants(ev))
}

func TestInvariantsCatchEachRule(t *testing.T) {
	maybe := record.Event{Kind: record.KindWriteError, Member: "writer", Value: 4, Detail: "may still commit"}
	ev := numbered(
		write(1, 5), write(2, 6), write(3, 7), maybe,
		advance(2, 6),
		advance(1, 5), // backwards
		advance(2, 9), // repeat at another revision + wrong revision
		advance(4, 0), // upload in doubt: allowed
		advance(8, 0), // never written
	)
	errs := Invariants(ev)
	assert.Equal(t, []string{"backwards", "repeat", "wrong-revision", "never-written"}, rules(errs))
	require.Len(t, errs, 4)
	assert.Contains(t, errs[0].Error(), "advance #5")
	assert.Contains(t, errs[0].Error(), "after value 2 (advance #4)")
	assert.Contains(t, errs[3].Error(), "no upload of value 8")
}

func TestInvariantsPerAdvancer(t *testing.T) {
	a := advance(2, 6)
	b := advance(1, 5)
	b.Member = "other-advancer"
	ev := numbered(write(1, 5), write(2, 6), a, b)
	assert.Empty(t, Invariants(ev), "different advancers are judged separately")
}
