package runslot

import (
	"context"
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

func TestSlotsDefaultToTwoPerCore(t *testing.T) {
	t.Setenv(EnvSlots, "")
	assert.Positive(t, Slots())
	assert.Equal(t, 0, Slots()%PerCore)
}
