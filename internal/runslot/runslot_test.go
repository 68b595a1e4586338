package runslot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSlotsAreExclusiveAndFreedOnRelease(t *testing.T) {
	t.Setenv(EnvSlots, "2")
	t.Setenv("TMPDIR", t.TempDir())
	ctx := context.Background()
	r1, err := Acquire(ctx)
	require.NoError(t, err)
	r2, err := Acquire(ctx)
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = Acquire(short)
	assert.ErrorContains(t, err, "all 2 busy", "a third run waits while both slots are held")

	got := make(chan error, 1)
	go func() {
		r3, err := Acquire(ctx)
		if err == nil {
			r3()
		}
		got <- err
	}()
	r1()
	select {
	case err := <-got:
		assert.NoError(t, err, "a released slot is taken by the waiting run")
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting run did not get the released slot within 5s")
	}
	r2()
}

func TestSlotsDefaultToPerCorePerCPU(t *testing.T) {
	t.Setenv(EnvSlots, "")
	assert.Positive(t, Slots())
	assert.Equal(t, 0, Slots()%PerCore)
}

// A holder that frees its slot and asks again at once must not win it back
// ahead of a run that was already waiting: tickets serve waiters in turn.
// (Without them the holder, which tries at once, beats the waiter, which
// polls every 10 ms.)
func TestWaitersAreServedInTurn(t *testing.T) {
	t.Setenv(EnvSlots, "1")
	t.Setenv("TMPDIR", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	release, err := Acquire(ctx)
	require.NoError(t, err)

	waiter := make(chan func(), 1)
	go func() {
		r, err := Acquire(ctx)
		assert.NoError(t, err)
		waiter <- r
	}()
	require.Eventually(t, func() bool { return countTickets(t) == 1 }, 5*time.Second, time.Millisecond, "the waiter takes a ticket")

	// Cycle the slot as a busy pool does: release and ask again at once.
	release()
	holder := make(chan func(), 1)
	go func() {
		r, err := Acquire(ctx)
		assert.NoError(t, err)
		holder <- r
	}()
	var first func()
	select {
	case first = <-waiter:
	case r := <-holder:
		if r != nil {
			r()
		}
		t.Fatal("the holder won the slot back ahead of the run that was already waiting")
	}
	require.NotNil(t, first)
	first()
	again := <-holder
	require.NotNil(t, again)
	again()
	assert.Zero(t, countTickets(t), "no ticket is left behind")
}

func countTickets(t *testing.T) int {
	entries, err := os.ReadDir(filepath.Join(os.TempDir(), fmt.Sprintf("leaderfault-runslots-%d", os.Getuid())))
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "wait-") {
			n++
		}
	}
	return n
}

// A heavy run takes its slots all at once or waits: with 4 slots and 3
// held, a run of weight 2 waits; once one is freed it gets both.
func TestAcquireNTakesAllOrNone(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv(EnvSlots, "4")
	var held []func()
	for range 3 {
		rel, err := Acquire(context.Background())
		require.NoError(t, err)
		held = append(held, rel)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := AcquireN(ctx, 2)
	cancel()
	require.Error(t, err, "only one slot is free")
	held[0]()
	rel, err := AcquireN(context.Background(), 2)
	require.NoError(t, err)
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err = Acquire(ctx)
	cancel()
	assert.Error(t, err, "the weight-2 run holds both freed slots")
	rel()
	held[1]()
	held[2]()
}
