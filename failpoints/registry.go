package failpoints

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pingcap/failpoint"

	"github.com/leaderfault/leaderfault/record"
)

// Point is an entry of the catalog.
type Point struct {
	Name        string
	Description string
	// Member is the member the point belongs to, if any (disk sites).
	Member string
}

// Status is the proof-of-firing record of one point.
type Status struct {
	Point
	Term     string        // armed term, "" when not armed
	Armed    bool          // currently enabled
	ArmedAt  time.Duration // on the recorder's clock; 0 if never armed
	FirstHit time.Duration // 0 if never hit since last armed
	LastHit  time.Duration
	HealedAt time.Duration // 0 while armed or never armed
	Hits     int64         // since last armed
}

// Fired reports whether the point fired at least once since it was last armed.
func (s Status) Fired() bool { return s.Hits > 0 }

// Forwarder receives every enable/disable of the points it was registered for,
// so they can be evaluated in another process. term is "" on disable.
type Forwarder func(name, term string) error

// ErrUnknownPoint is wrapped by errors about names outside the catalog.
var ErrUnknownPoint = errors.New("unknown fault point")

type state struct {
	Status
	term    Term
	forward Forwarder
}

// Registry is a catalog of fault points with their state. Safe for concurrent use.
type Registry struct {
	rec *record.Recorder
	fps failpoint.Failpoints

	mu     sync.Mutex
	points map[string]*state
}

// New returns an empty registry recording to rec (which may be nil).
func New(rec *record.Recorder) *Registry {
	if rec == nil {
		rec = record.New()
	}
	return &Registry{rec: rec, points: map[string]*state{}}
}

// Register adds p to the catalog. A duplicate name is an error.
func (r *Registry) Register(p Point) error { return r.register(p, nil) }

// RegisterOnce adds each point unless it is already there, so that several
// parts of a run (an advancer and the writer, or a run after another) can
// all register theirs. Points are never unregistered: their proof of firing
// must outlive the run for reports.
func (r *Registry) RegisterOnce(ps ...Point) error {
	var errs []error
	for _, p := range ps {
		if _, err := r.Status(p.Name); err == nil {
			continue
		}
		if err := r.Register(p); err != nil {
			// Lost a race with another registrant of the same point: fine.
			if _, serr := r.Status(p.Name); serr != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// RegisterRemote adds p to the catalog; every enable and disable of it is also
// sent to fwd, and the remote evaluator reports hits with Hit.
func (r *Registry) RegisterRemote(p Point, fwd Forwarder) error { return r.register(p, fwd) }

func (r *Registry) register(p Point, fwd Forwarder) error {
	if p.Name == "" || strings.ContainsAny(p.Name, " \t\n=;") {
		return fmt.Errorf("fault point name %q: must be non-empty without spaces, '=' or ';'", p.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.points[p.Name]; ok {
		return fmt.Errorf("fault point %q registered twice", p.Name)
	}
	r.points[p.Name] = &state{Status: Status{Point: p}, forward: fwd}
	return nil
}

// Unregister removes a point, disabling it first if armed.
func (r *Registry) Unregister(name string) {
	_ = r.Disable(name)
	r.mu.Lock()
	delete(r.points, name)
	r.mu.Unlock()
}

// Catalog lists the registered points sorted by name.
func (r *Registry) Catalog() []Point {
	st := r.Statuses()
	out := make([]Point, len(st))
	for i, s := range st {
		out[i] = s.Point
	}
	return out
}

func (r *Registry) lookup(name string) (*state, error) {
	s, ok := r.points[name]
	if !ok {
		names := make([]string, 0, len(r.points))
		for n := range r.points {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w %q; known: %s", ErrUnknownPoint, name, strings.Join(names, ", "))
	}
	return s, nil
}

// Enable arms name with term. Unknown names and malformed terms are rejected
// and nothing is armed. Enabling an armed point replaces its term.
func (r *Registry) Enable(name, term string) error {
	t, err := ParseTerm(term)
	if err != nil {
		return fmt.Errorf("fault point %q: %w", name, err)
	}
	r.mu.Lock()
	s, err := r.lookup(name)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	fwd := s.forward
	prev := s.Status
	prevTerm := s.term
	// Arm the bookkeeping first: a remote evaluator may report a hit as soon
	// as it has the term, before forwarding returns.
	s.term = t
	s.Term, s.Armed = term, true
	s.ArmedAt, s.FirstHit, s.LastHit, s.HealedAt, s.Hits = r.rec.Now(), 0, 0, 0, 0
	r.mu.Unlock()
	rollback := func() {
		r.mu.Lock()
		s.Status, s.term = prev, prevTerm
		r.mu.Unlock()
	}
	if err := r.fps.Enable(name, term); err != nil {
		rollback()
		return fmt.Errorf("fault point %q: %w\n%s", name, err, Grammar)
	}
	if fwd != nil {
		if err := fwd(name, term); err != nil {
			if prev.Armed {
				_ = r.fps.Enable(name, prev.Term)
			} else {
				_ = r.fps.Disable(name)
			}
			rollback()
			return fmt.Errorf("fault point %q: forwarding term: %w", name, err)
		}
	}
	r.rec.Record(record.Event{Kind: record.KindFailpointArm, Member: s.Member, Name: name, Detail: name + "=" + term})
	return nil
}

// Disable heals name. Disabling a point that is not armed is an error
// (a double heal), so that callers notice bookkeeping mistakes.
func (r *Registry) Disable(name string) error {
	r.mu.Lock()
	s, err := r.lookup(name)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	if !s.Armed {
		r.mu.Unlock()
		return fmt.Errorf("fault point %q is not armed", name)
	}
	fwd := s.forward
	r.mu.Unlock()
	var ferr error
	if fwd != nil {
		ferr = fwd(name, "")
	}
	_ = r.fps.Disable(name) // waits for in-flight sleeps
	r.mu.Lock()
	s.Armed = false
	s.HealedAt = r.rec.Now()
	hits := s.Hits
	r.mu.Unlock()
	r.rec.Record(record.Event{Kind: record.KindFailpointHeal, Member: s.Member, Name: name, Detail: fmt.Sprintf("%s hits=%d", name, hits)})
	if ferr != nil {
		return fmt.Errorf("fault point %q: forwarding disable: %w", name, ferr)
	}
	return nil
}

// DisableAll heals every armed point and returns the errors joined.
func (r *Registry) DisableAll() error {
	var errs []error
	for _, st := range r.Statuses() {
		if st.Armed {
			errs = append(errs, r.Disable(st.Name))
		}
	}
	return errors.Join(errs...)
}

// Eval evaluates name in this process. active is false when the point is not
// armed or its term did not select an action this time. A blocking term
// (sleep, pause) that is sure to fire is counted as a hit before it blocks,
// so a stall is visible while it lasts.
func (r *Registry) Eval(name string) (value any, active bool) {
	r.mu.Lock()
	s, ok := r.points[name]
	early := ok && s.Armed && s.term.FiresOnFirstEval() && s.term.Chain[0].Blocking() && s.Hits == 0
	r.mu.Unlock()
	if !ok {
		return nil, false
	}
	if early {
		r.Hit(name)
	}
	v, err := r.fps.Eval(name)
	if err != nil {
		return nil, false
	}
	if !early {
		r.Hit(name)
	}
	return v, true
}

// Hit records one firing of name, for evaluators in other processes.
func (r *Registry) Hit(name string) {
	r.mu.Lock()
	s, ok := r.points[name]
	if !ok || !s.Armed {
		r.mu.Unlock()
		return
	}
	now := r.rec.Now()
	s.Hits++
	s.LastHit = now
	first := s.Hits == 1
	if first {
		s.FirstHit = now
	}
	member, term := s.Member, s.Term
	r.mu.Unlock()
	if first {
		r.rec.Record(record.Event{Kind: record.KindFailpointHit, Member: member, Name: name, Detail: name + "=" + term + " first hit"})
	}
}

// Status returns the proof-of-firing record of name.
func (r *Registry) Status(name string) (Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.lookup(name)
	if err != nil {
		return Status{}, err
	}
	return s.Status, nil
}

// Statuses returns every point's status, sorted by name.
func (r *Registry) Statuses() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Status, 0, len(r.points))
	for _, s := range r.points {
		out = append(out, s.Status)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Recorder is the recorder this registry writes to.
func (r *Registry) Recorder() *record.Recorder { return r.rec }
