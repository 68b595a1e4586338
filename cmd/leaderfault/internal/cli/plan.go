package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// job is one scenario run of a plan: a scenario, an advancer (a preset or
// an exec plug-in), knob overrides (sweeps) and a repeat.
type job struct {
	index    int // position in the full plan
	scenario loaded
	preset   string // the advancer's name: a preset, or exec:NAME
	adv      advSpec
	knobs    map[string]string
	repeat   int // 1-based
}

func (j job) String() string {
	s := j.scenario.script.Name + " / " + j.preset
	if len(j.knobs) > 0 {
		s += " [" + knobsText(j.knobs) + "]"
	}
	if j.repeat > 1 {
		s += fmt.Sprintf(" #%d", j.repeat)
	}
	return s
}

// planRuns is the cross product scenario × setting × advancer × repeat, in
// that nesting order. settings nil means one setting without overrides.
func planRuns(scs []loaded, settings []map[string]string, advs []advSpec, repeat int) []job {
	if len(settings) == 0 {
		settings = []map[string]string{nil}
	}
	var out []job
	for _, sc := range scs {
		for _, set := range settings {
			for _, a := range advs {
				for r := 1; r <= repeat; r++ {
					out = append(out, job{index: len(out), scenario: sc, preset: a.name, adv: a, knobs: set, repeat: r})
				}
			}
		}
	}
	return out
}

// shard is --shard i/n: this runner takes every n-th job starting at the
// i-th (1-based), so n runners with i = 1..n cover the plan exactly once and
// long scenarios spread across them.
type shard struct{ i, n int }

func (s shard) String() string {
	if s.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.i, s.n)
}

// Kubernetes sets these in each pod of an Indexed Job: the pod's index
// (0-based) and the Job's completions.
const (
	envJobIndex       = "JOB_COMPLETION_INDEX"
	envJobCompletions = "JOB_COMPLETIONS"
)

// shardFromJob is "--shard job": shard index+1 of completions, read from a
// Kubernetes Indexed Job's environment.
const shardFromJob = "job"

func parseShard(v string) (shard, error) {
	if v == "" {
		return shard{}, nil
	}
	if v == shardFromJob {
		idx, cmp := os.Getenv(envJobIndex), os.Getenv(envJobCompletions)
		i, err1 := strconv.Atoi(idx)
		n, err2 := strconv.Atoi(cmp)
		if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return shard{}, usagef("--shard job: want %s (0 to completions-1) and %s (1 or more) from a Kubernetes Indexed Job; have %q and %q",
				envJobIndex, envJobCompletions, idx, cmp)
		}
		return shard{i + 1, n}, nil
	}
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return shard{}, usagef("--shard %q: want i/n with 1 <= i <= n, e.g. 1/3, or job (a Kubernetes Indexed Job's %s and %s)", v, envJobIndex, envJobCompletions)
	}
	return shard{i, n}, nil
}

// take returns the jobs of this shard, keeping their plan indexes.
func (s shard) take(jobs []job) []job {
	if s.n <= 1 {
		return jobs
	}
	var out []job
	for _, j := range jobs {
		if j.index%s.n == s.i-1 {
			out = append(out, j)
		}
	}
	return out
}
