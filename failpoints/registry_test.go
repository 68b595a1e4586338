package failpoints

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/record"
)

func TestRegistryProofOfFiring(t *testing.T) {
	rec := record.New()
	r := New(rec)
	require.NoError(t, r.Register(Point{Name: "p", Description: "test point"}))
	assert.ErrorContains(t, r.Register(Point{Name: "p"}), "twice")

	_, active := r.Eval("p")
	assert.False(t, active, "not armed")

	require.NoError(t, r.Enable("p", `2*return("x")->off`))
	st, err := r.Status("p")
	require.NoError(t, err)
	assert.True(t, st.Armed)
	assert.False(t, st.Fired(), "armed but not hit yet")

	v, active := r.Eval("p")
	assert.True(t, active)
	assert.Equal(t, "x", v)
	r.Eval("p")
	r.Eval("p") // off: active with nil value, counted too
	st, _ = r.Status("p")
	assert.Equal(t, int64(3), st.Hits)
	assert.True(t, st.FirstHit > 0 && st.LastHit >= st.FirstHit)

	require.NoError(t, r.Disable("p"))
	assert.ErrorContains(t, r.Disable("p"), "not armed")
	st, _ = r.Status("p")
	assert.False(t, st.Armed)
	assert.True(t, st.HealedAt >= st.LastHit)
	assert.Len(t, rec.OfKind(record.KindFailpointArm, record.KindFailpointHit, record.KindFailpointHeal), 3)
}

func TestRegistryRejectsUnknownNamesAndBadTerms(t *testing.T) {
	r := New(nil)
	require.NoError(t, r.Register(Point{Name: "known"}))
	err := r.Enable("knwon", "pause")
	assert.ErrorIs(t, err, ErrUnknownPoint)
	assert.ErrorContains(t, err, "known: known")
	err = r.Enable("known", "sleep(1.5)")
	assert.ErrorContains(t, err, "term grammar")
	st, _ := r.Status("known")
	assert.False(t, st.Armed, "a bad term arms nothing")
	assert.Error(t, r.Register(Point{Name: "has space"}))
}

func TestPauseIsCountedWhileBlocked(t *testing.T) {
	r := New(nil)
	require.NoError(t, r.Register(Point{Name: "p"}))
	require.NoError(t, r.Enable("p", "pause"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Eval("p")
	}()
	_, err := r.Recorder().WaitKind(ctxTimeout(t, 5*time.Second), 0, record.KindFailpointHit, "")
	require.NoError(t, err, "a pause must be visible as a hit while it blocks")
	select {
	case <-done:
		t.Fatal("pause did not block")
	default:
	}
	require.NoError(t, r.Disable("p"))
	<-done
}

func TestRemoteForwarding(t *testing.T) {
	r := New(nil)
	var got []string
	fail := false
	require.NoError(t, r.RegisterRemote(Point{Name: "remote"}, func(name, term string) error {
		if fail {
			return errors.New("child gone")
		}
		got = append(got, name+"="+term)
		return nil
	}))
	require.NoError(t, r.Enable("remote", "sleep(5)"))
	r.Hit("remote")
	require.NoError(t, r.Disable("remote"))
	assert.Equal(t, []string{"remote=sleep(5)", "remote="}, got)
	st, _ := r.Status("remote")
	assert.Equal(t, int64(1), st.Hits)

	fail = true
	assert.ErrorContains(t, r.Enable("remote", "pause"), "child gone")
	st, _ = r.Status("remote")
	assert.False(t, st.Armed, "failed forwarding leaves the point unarmed")
}
