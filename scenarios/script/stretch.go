package script

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/leaderfault/leaderfault/failpoints"
)

// Stretch returns a copy of the script in a time base k times slower: every
// duration a step carries is multiplied by k — waits and their within=,
// expect and known durations and from=, fault for= and duration parameters
// (delay=, jitter=, every=), sleeps in fault-point terms, the writer's
// every=, repeat every= and the steps inside a repeat — and an advancer
// scale= is divided by k (the cluster's election grows k times, so the
// advancer's production constants need k times less division). Advancer
// knobs are production units and stay as written.
//
// The cluster line is left as it is: its timing is resolved against the
// harness's profiles, which the runner does (runner.Options.Stretch),
// once. Step texts are re-rendered from the stretched steps, so reports
// quote what ran. k = 1 returns a copy of s.
func (s *Script) Stretch(k float64) (*Script, error) {
	if k <= 0 || math.IsInf(k, 0) || math.IsNaN(k) {
		return nil, fmt.Errorf("stretch %g: want a positive factor", k)
	}
	out := *s
	steps, err := stretchSteps(s.Steps, k, s.File)
	if err != nil {
		return nil, err
	}
	out.Steps = steps
	return &out, nil
}

func stretchSteps(steps []Step, k float64, file string) ([]Step, error) {
	if steps == nil {
		return nil, nil
	}
	out := make([]Step, len(steps))
	for i, st := range steps {
		a, err := stretchAction(st.Action, k, file)
		var located lineError
		if err != nil && !errors.As(err, &located) {
			err = lineError{fmt.Errorf("%s:%d: %w", file, st.Line, err)}
		}
		if err != nil {
			return nil, err
		}
		st.Presets = append([]string(nil), st.Presets...)
		changed := a != nil && k != 1
		if a != nil {
			st.Action = a
		}
		if changed {
			st.Text = st.String()
		}
		out[i] = st
	}
	return out, nil
}

// stretchAction returns the stretched action, or nil when it carries no
// duration (the step is kept as it is).
func stretchAction(act Action, k float64, file string) (Action, error) {
	d := func(v time.Duration) time.Duration { return time.Duration(math.Round(float64(v) * k)) }
	switch a := act.(type) {
	case StartAdvancer:
		if a.Scale != 0 {
			a.Scale /= k
		}
		a.Knobs = append([]Param(nil), a.Knobs...)
		return a, nil
	case StartWriter:
		a.Every = d(a.Every)
		return a, nil
	case Inject:
		a.For = d(a.For)
		a.Params = stretchParams(a.Params, d)
		return a, nil
	case Failpoint:
		if a.Off {
			return nil, nil
		}
		term, err := failpoints.StretchTerm(a.Term, k)
		if err != nil {
			return nil, err
		}
		a.Term = term
		return a, nil
	case Wait:
		a.For, a.Within = d(a.For), d(a.Within)
		return a, nil
	case Expect:
		return stretchExpect(a, d), nil
	case Known:
		a.Expect = stretchExpect(a.Expect, d)
		return a, nil
	case Repeat:
		a.Every = d(a.Every)
		steps, err := stretchSteps(a.Steps, k, file)
		if err != nil {
			return nil, err
		}
		a.Steps = steps
		return a, nil
	}
	// Cluster (the runner's), MoveLeader, Lifecycle, Heal: no durations.
	return nil, nil
}

func stretchExpect(e Expect, d func(time.Duration) time.Duration) Expect {
	e.Duration, e.From = d(e.Duration), d(e.From)
	return e
}

func stretchParams(ps []Param, d func(time.Duration) time.Duration) []Param {
	if ps == nil {
		return nil
	}
	out := make([]Param, len(ps))
	for i, p := range ps {
		if p.Value.Kind == KindDuration {
			p.Value.Duration = d(p.Value.Duration)
		}
		out[i] = p
	}
	return out
}

// lineError is an error already prefixed with file:line (a step inside a
// repeat), so the repeat's own line is not added in front of it.
type lineError struct{ error }

func (e lineError) Unwrap() error { return e.error }
