package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"sync"
	"time"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/internal/admission"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/report"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

// taskName is the BR task name scenarios use for the checkpoint key.
const taskName = "leaderfault"

// Options configures one run.
type Options struct {
	// Preset is the advancer preset to run (legacy, pr69047, robust, pd), and the
	// name that selects its known lines. With Advancer set it is only a
	// label; it defaults to Advancer.Name().
	Preset string
	// Advancer is a plug-in to run instead of a preset.
	Advancer advancer.Advancer
	// Seed drives every random choice; 0 means the script's seed, or a new
	// one (reported in the Result).
	Seed int64
	// Scale divides the advancer preset's durations when the script's
	// advancer line gives none; 0 means production election / profile
	// election (10 at the fast profile).
	Scale float64
	// Time is the timing the run is judged in: "production" (the default:
	// etcd's default raft timing, election 1 s, the presets' production
	// constants unscaled — the verdict), "fast" (etcd's integration-test
	// timing, election 100 ms, every duration of the script and of the
	// presets divided by 10 — a quick approximation, see FastDiffers), or
	// "script" (the timing the script's cluster line names, as written).
	// It sets Stretch (StretchTo) unless Stretch is given.
	Time string
	// Stretch runs the scenario in a time base Stretch times slower: the
	// cluster's tick and election timeout and every duration of the script
	// (see script.Script.Stretch) are multiplied by it, and so, with them,
	// everything the runner derives from the election timeout (stall
	// threshold, watchdog, settle time, role-target waits) and its own
	// deadlines. The advancer's default scale follows the election timeout:
	// a fast-profile scenario stretched by 10 runs at etcd's production
	// timing with the presets' production constants unscaled. 0 or 1: as
	// written. StretchTo computes the factor for a target profile.
	Stretch float64
	// Knobs are advancer knob overrides applied after the script's (sweeps).
	Knobs map[string]string
	// RequirementsOnly judges a preset on the requirements alone, as a
	// plug-in always is: its known lines are ignored, so a known bug is a
	// FAIL. Sweeps set it: a setting either meets the requirements or not.
	RequirementsOnly bool
	// Timeout bounds the run from its admission; 0: ctx alone bounds it.
	// ctx bounds the wait for admission too, which depends on every other
	// run of the machine, not on this one.
	Timeout time.Duration
	// Release runs the members as child processes of that etcd release
	// (harness.Options.Release; built on first use, see Prepare). Empty runs
	// them in this process, but with ProcessesEnv or for scripts whose
	// cluster line says processes=true (ReleaseFor).
	Release string
	// OnStep is called as each step starts (progress display).
	OnStep func(line int, text string, elapsed time.Duration)
	// Logf receives etcd's warnings when a run fails; nil discards them.
	Logf func(format string, args ...any)
}

// run is the state of one scenario run.
type run struct {
	sc     *script.Script
	opts   Options
	preset string
	rec    *record.Recorder
	fps    *failpoints.Registry
	c      *harness.Cluster
	res    *Result
	start  time.Time

	lease   *admission.Lease // the run's admission; Started once its cluster is up
	pinned  *harness.Member
	scale   float64
	stretch float64 // 1 unless Options.Stretch says otherwise

	bg       sync.WaitGroup // advancer, writer, watchdog, timed heals
	judging  sync.WaitGroup // expectations being judged
	stopBg   context.CancelFunc
	bgCtx    context.Context
	advOn    bool
	writerOn bool

	mu         sync.Mutex
	injections []namedInjection
	ref        reference // the most recent reference point
	armed      []string  // fault points the script enabled
	traffic    []check.TrafficSample
}

type namedInjection struct {
	ref string // as= name, else the kind
	in  *harness.Injection
}

// reference is the reference point expectations measure from: when the
// step began (its step event's time) and who led just before it.
type reference struct {
	at     time.Duration
	line   int // 0: no reference step yet, measured from the advancer's start
	leader *harness.Member
}

// ErrSkip is wrapped by Result.Skipped reasons.
var ErrSkip = errors.New("scenario skipped")

// Run runs sc against a fresh cluster with the chosen advancer, judges its
// expectations and returns the result. An error means the run could not be
// carried out (bad options, a step that failed to apply); the partial Result
// still holds the timeline.
func Run(ctx context.Context, sc *script.Script, opts Options) (*Result, error) {
	preset := opts.Preset
	if opts.Advancer != nil && preset == "" {
		preset = opts.Advancer.Name()
	}
	if opts.Advancer == nil {
		if _, err := model.Preset(preset); err != nil {
			return nil, err
		}
	}
	seed := opts.Seed
	if seed == 0 && sc.Seed != nil {
		seed = *sc.Seed
	}
	if seed == 0 {
		seed = time.Now().UnixNano()%1_000_000 + 1
	}
	stretch := opts.Stretch
	if stretch == 0 {
		var err error
		if stretch, err = TimeStretch(sc, opts.Time); err != nil {
			return nil, err
		}
	}
	if stretch != 1 {
		var err error
		if sc, err = sc.Stretch(stretch); err != nil {
			return nil, err
		}
	}
	// Known lines name presets. A plug-in (whatever it calls itself) and a
	// run judged on the requirements alone get none of them.
	steps := sc.ForPreset(preset)
	if opts.Advancer != nil || opts.RequirementsOnly {
		steps = sc.ForPreset("")
	}
	// A cluster line the profile cannot be resolved for fails the run at
	// its step; admission then goes by the expectations alone.
	prof, _ := clusterProfile(clusterLine(sc), stretch)
	lease, err := admit(ctx, steps, prof.Election)
	if err != nil {
		return nil, err
	}
	defer lease.Release()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	rec := record.New()
	r := &run{
		sc: sc, opts: opts, preset: preset, rec: rec, fps: failpoints.New(rec), start: time.Now(), stretch: stretch, lease: lease,
		res: &Result{Scenario: sc.Name, Description: sc.Description, Advancer: preset, Seed: seed, Valid: true,
			Stretch: stretch, Etcd: harness.EtcdVersion(), Admission: lease.Admission()},
	}
	rec.Add(record.KindNote, "", "%s", r.res.Admission)
	r.bgCtx, r.stopBg = context.WithCancel(context.Background())
	err = r.exec(ctx, steps)
	r.finish(err)
	return r.res, err
}

func (r *run) exec(ctx context.Context, steps []script.Step) error {
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, ok := st.Action.(script.ClusterSpec); !ok {
			if err := r.ensureCluster(ctx, nil); err != nil {
				return err
			}
		}
		if r.opts.OnStep != nil {
			r.opts.OnStep(st.Line, st.Text, time.Since(r.start))
		}
		if r.c != nil {
			// Where the advancer watches is found before the step starts:
			// the wait is not part of what the step's expectations measure.
			r.freshWatch(ctx, stepTarget(st.Action))
			r.recordStep(st)
		}
		if err := r.step(ctx, st); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", r.sc.File, st.Line, st.Text, err)
		}
	}
	return nil
}

// recordStep records the step as it starts; a reference step (see
// script.Step.Reference) becomes the point later expectations measure from.
func (r *run) recordStep(st script.Step) {
	var lead *harness.Member
	ev := record.Event{Kind: record.KindStep, Line: st.Line, Verb: st.Verb(), Reference: st.Reference(), Detail: st.Text}
	if st.Reference() {
		if lead = r.c.Leader(); lead != nil {
			ev.Leader = lead.Name()
		}
	}
	e := r.rec.Record(ev)
	if st.Reference() {
		r.mu.Lock()
		r.ref = reference{at: e.At, line: st.Line, leader: lead}
		r.mu.Unlock()
	}
}

func (r *run) step(ctx context.Context, st script.Step) error {
	switch a := st.Action.(type) {
	case script.ClusterSpec:
		if r.c != nil {
			return errors.New("the cluster is already running: the cluster line must come first")
		}
		return r.ensureCluster(ctx, &a)
	case script.StartAdvancer:
		return r.startAdvancer(a)
	case script.StartWriter:
		return r.startWriter(a)
	case script.Inject:
		return r.injectFault(ctx, a)
	case script.Failpoint:
		if a.Off {
			return r.fps.Disable(a.Name)
		}
		if err := r.fps.Enable(a.Name, a.Term); err != nil {
			return err
		}
		r.mu.Lock()
		r.armed = append(r.armed, a.Name)
		r.mu.Unlock()
		return nil
	case script.MoveLeader:
		to := a.To
		if to.IsZero() {
			to = script.TargetSpec{Kind: script.TargetFollower}
		}
		ms, err := r.c.ResolveAgreed(ctx, r.target(to))
		if err != nil {
			return err
		}
		return r.c.MoveLeader(ctx, ms[0])
	case script.Lifecycle:
		return r.lifecycle(ctx, a)
	case script.Heal:
		return r.heal(ctx, a.Ref)
	case script.Wait:
		return r.wait(ctx, a)
	case script.Expect:
		r.judge(ctx, st, a, nil)
		return nil
	case script.Known:
		r.judge(ctx, st, a.Expect, &a)
		return nil
	case script.Repeat:
		for i := 0; i < a.Count; i++ {
			begin := time.Now()
			if err := r.exec(ctx, a.Steps); err != nil {
				return err
			}
			if a.Every > 0 && i < a.Count-1 {
				if err := sleepCtx(ctx, time.Until(begin.Add(a.Every))); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unsupported step %T", st.Action)
}

// finish stops the background work, checks invariants and validity, closes
// the cluster and fills in the result.
func (r *run) finish(runErr error) {
	// Expectations are judged in the background; each ends by its own
	// deadline on the record's clock.
	r.judging.Wait()
	if r.c != nil {
		r.checkArmedPoints()
		for _, ni := range r.activeInjections() {
			r.checkFired(ni.in)
		}
	}
	r.settle()
	r.stopBg()
	r.bg.Wait()
	// The run's record ends here: what closing the cluster records is not
	// part of it, so that the result's events are the ones it was judged on.
	ev := r.rec.Events()
	if r.c != nil {
		for _, e := range check.Invariants(ev) {
			r.res.Failures = append(r.res.Failures, "invariant: "+e.Error())
		}
		if r.advOn {
			th := r.settings().StallThreshold
			r.res.StallThreshold = th
			r.res.Recovery = check.Recovery(ev, th)
			r.res.Resumed = check.Resumed(ev)
			r.res.StalledAfterHeal = check.StalledAfterHeal(ev, th)
			r.measureAll(ev)
			r.caughtUpAtTheEnd(ev)
			var firstFault time.Duration
			if refs := check.References(ev); len(refs) > 0 {
				firstFault = refs[0].At
			}
			r.judgeTraffic(firstFault)
		}
		if err := r.c.Close(); err != nil {
			r.res.Failures = append(r.res.Failures, "close: "+err.Error())
		}
	}
	if runErr != nil && !errors.Is(runErr, ErrSkip) {
		r.res.Failures = append(r.res.Failures, runErr.Error())
	}
	r.res.Events = ev
	r.res.Duration = time.Since(r.start)
	slices.SortStableFunc(r.res.Expectations, func(a, b Expectation) int { return cmp.Compare(a.Line, b.Line) })
	var js []check.Judgement
	for _, e := range r.res.Expectations {
		js = append(js, e.judgement())
	}
	r.res.Outcome = check.Judge(js, r.res.Failures)
	r.res.Passed = r.res.Verdict() == check.Pass
}

// writerStoredNothing begins the reason a run is INVALID when the writer
// stored nothing after the last reference point.
const writerStoredNothing = "the writer stored nothing"

// writerStoredTooLittle begins the reason a run is INVALID when the writer
// stored fewer values than the advancer must follow before the first fault.
const writerStoredTooLittle = "the writer stored too little"

// caughtUpAtTheEnd adds the requirement every scenario has without saying
// it: once the script is over (and the settle time has passed), the
// advancer has caught up with the writer for good. An advancer that
// advanced once after the fault and then got stuck meets "expect advance",
// but not this. It belongs to the last phase, so a preset's known lines
// there cover it.
func (r *run) caughtUpAtTheEnd(ev []record.Event) {
	if !r.writerOn {
		return
	}
	refs := check.References(ev)
	if len(refs) == 0 {
		return
	}
	last := refs[len(refs)-1]
	if _, ok := check.MaxLag(ev, last.At, check.End(ev)); !ok {
		r.invalid(fmt.Sprintf("%s after line %d, so the advancer cannot be judged", writerStoredNothing, last.Line))
		return
	}
	e := Expectation{Line: 0, Text: "caught up by the end of the run (every scenario)", Ref: refs[len(refs)-1].Line,
		Passed: r.res.Recovery != nil, Measured: r.res.Recovery}
	if !e.Passed {
		e.Detail = report.CaughtUpMissed
	}
	r.res.Expectations = append(r.res.Expectations, e)
}

// settleElections bounds, in election timeouts, how long a finished script
// waits for a stalled advancer to catch up, so that the
// recovery figure is measured rather than cut off by the end of the script.
const settleElections = 10

// settle waits, after the last step, until no stall is open or
// settleElections election timeouts pass.
func (r *run) settle() {
	if r.c == nil || !r.advOn || !r.writerOn {
		return
	}
	bound := settleElections * r.c.Profile().Election
	// A run is judged on uploads after its last reference point. Right after
	// a heal the cluster may store nothing for a while (etcd v3.7 floods a
	// member back from a disk stall with appends, docs/facts.md §7.5; under
	// -race that took longer than the script's tail): wait, bounded, for the
	// writer's first upload after it rather than end a run that cannot be
	// judged. A run whose writer still stores nothing stays INVALID.
	if refs := check.References(r.rec.Events()); len(refs) > 0 {
		last := refs[len(refs)-1].At
		ctx, cancel := context.WithTimeout(r.bgCtx, bound)
		_, _ = r.rec.Wait(ctx, 0, func(e record.Event) bool { return e.Kind == record.KindWrite && e.At > last })
		cancel()
	}
	// A stall ends only at an advance: wait on the record's changes.
	th := r.settings().StallThreshold
	ctx, cancel := context.WithTimeout(r.bgCtx, bound)
	defer cancel()
	for {
		ch := r.rec.Changed()
		stalls := check.StallsUntil(r.rec.Events(), th, r.rec.Now())
		if len(stalls) == 0 || !stalls[len(stalls)-1].Open {
			return
		}
		if waitChange(ctx, ch, bound) != nil {
			return
		}
	}
}

// seedRand is a random source for choices the runner itself makes.
func seedRand(seed int64) *rand.Rand { return rand.New(rand.NewSource(seed)) }
