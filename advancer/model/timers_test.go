package model

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWatchTimersProgressTicksEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		tm := newWatchTimers(30*time.Second, 90*time.Second)
		defer tm.stop()
		for i := 1; i <= 3; i++ {
			<-tm.progressC()
			assert.Equal(t, time.Duration(i)*30*time.Second, time.Since(start))
		}
	})
}

func TestWatchTimersIdleFiresOnlyAfterSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		tm := newWatchTimers(0, 90*time.Second)
		defer tm.stop()
		// A response every 60 s keeps it quiet for 5 minutes.
		for range 5 {
			time.Sleep(60 * time.Second)
			synctest.Wait()
			select {
			case <-tm.idleC():
				t.Fatalf("idle fired at %v despite a response every 60s", time.Since(start))
			default:
			}
			tm.responseSeen()
		}
		<-tm.idleC()
		assert.Equal(t, 5*60*time.Second+90*time.Second, time.Since(start))
	})
}

func TestWatchTimersZeroMeansOff(t *testing.T) {
	tm := newWatchTimers(0, 0)
	defer tm.stop()
	assert.Nil(t, tm.progressC())
	assert.Nil(t, tm.idleC())
	tm.responseSeen() // must not panic without a timer
}

func TestSleepCtxStopsEarlyOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := contextWithCancel()
		start := time.Now()
		time.AfterFunc(time.Second, cancel)
		assert.False(t, sleepCtx(ctx, time.Hour))
		assert.Equal(t, time.Second, time.Since(start))
		assert.True(t, sleepCtx(t.Context(), time.Minute))
	})
}
