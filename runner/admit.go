package runner

import (
	"context"
	"time"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/internal/admission"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// Admission is how a run was admitted to the machine: how long it waited,
// why it went, and the headroom measured at that moment (package
// admission: runs go while the machine's scheduling delay stays far below
// the tightest budget of every run going).
type Admission = admission.Admission

// admit waits until the machine has room for a run of these steps (the
// script in the run's own time). Runs share the machine with every other
// run of the user's (other test binaries, CLI shards); waiting is not part
// of the run.
func admit(ctx context.Context, steps []script.Step, election time.Duration) (*admission.Lease, error) {
	budget, length := timing(steps, election)
	return admission.Admit(ctx, admission.Request{Budget: budget, Length: length})
}

// timing reads from the steps the tightest budget the run is judged by —
// the smallest expectation or wait deadline, and the stall threshold where
// a no-stall window judges by it; the election timeout (0: unknown) when
// there is none — and roughly how long the run lasts: its waits, then its
// longest expectation.
func timing(steps []script.Step, election time.Duration) (budget, length time.Duration) {
	tighten := func(d time.Duration) {
		if d > 0 && (budget == 0 || d < budget) {
			budget = d
		}
	}
	var walk func(steps []script.Step) time.Duration
	walk = func(steps []script.Step) time.Duration {
		var waited, tail time.Duration
		for _, st := range steps {
			var e *script.Expect
			switch a := st.Action.(type) {
			case script.Wait:
				waited += a.For
				tighten(a.Within)
			case script.Repeat:
				inner := walk(a.Steps)
				waited += time.Duration(a.Count) * max(inner, a.Every)
			case script.Expect:
				e = &a
			case script.Known:
				e = &a.Expect
			}
			if e == nil {
				continue
			}
			tail = max(tail, e.Duration+e.From)
			if e.What == script.ExpectNoStall {
				tighten(check.StallThreshold(election))
			} else {
				tighten(e.Duration)
			}
		}
		return waited + tail
	}
	length = walk(steps)
	if budget == 0 {
		budget = election
	}
	return budget, length
}
