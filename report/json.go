package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
)

// Finish fills in the derived parts of rep (Schema, Aggregates) from its
// runs; call it after changing Runs.
func (rep *Report) Finish() {
	rep.Schema = SchemaVersion
	if rep.Runs == nil {
		rep.Runs = []Run{}
	}
	rep.Aggregates = Summarize(rep.Runs)
}

// Write writes rep as indented JSON.
func Write(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// WriteFile writes rep as JSON to path, replacing it only once the whole
// document is written.
func WriteFile(path string, rep *Report) error {
	var buf bytes.Buffer
	if err := Write(&buf, rep); err != nil {
		return err
	}
	return WriteAtomic(path, buf.Bytes())
}

// WriteAtomic writes data to a temporary file next to path and renames it,
// so that a reader never sees half a report.
func WriteAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// Read reads a JSON report. Unknown fields are an error (a file that is not
// a leaderfault report), as is a schema newer than this package's.
func Read(r io.Reader) (*Report, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var rep Report
	if err := dec.Decode(&rep); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("not a JSON report: %w (at byte %d)", err, syn.Offset)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("not a JSON report: it ends early (truncated?): %w", err)
		}
		return nil, fmt.Errorf("not a leaderfault report: %w", err)
	}
	if rep.Schema == 0 || rep.Schema > SchemaVersion {
		return nil, fmt.Errorf("report schema %d: this leaderfault reads schema 1..%d", rep.Schema, SchemaVersion)
	}
	if rep.Runs == nil {
		return nil, errors.New(`not a leaderfault report: no "runs"`)
	}
	return &rep, nil
}

// ReadFile reads a JSON report from path; errors name the file.
func ReadFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// Merge combines reports, typically the shards of one command: runs are
// ordered by their job in the plan, and aggregates recomputed. It refuses
// reports of different sweeps and a run that appears twice (overlapping
// shards). names label the reports in errors (file names), one per report.
func Merge(names []string, reps ...*Report) (*Report, error) {
	if len(names) != len(reps) {
		return nil, fmt.Errorf("merge: %d names for %d reports", len(names), len(reps))
	}
	out := &Report{}
	seen := map[string]string{}
	for i, rep := range reps {
		if i == 0 {
			out.Command = rep.Command
			out.Created = rep.Created
			out.Sweep = rep.Sweep
		} else if !reflect.DeepEqual(out.Sweep, rep.Sweep) {
			return nil, fmt.Errorf("merge: %s is from a different sweep than %s (%s vs %s)",
				names[i], names[0], describeSweep(rep.Sweep), describeSweep(out.Sweep))
		}
		out.Shards = append(out.Shards, rep.Shards...)
		for _, r := range rep.Runs {
			id := runID(r)
			if prev, dup := seen[id]; dup {
				return nil, fmt.Errorf("merge: run %s is in both %s and %s (overlapping shards?)", id, prev, names[i])
			}
			seen[id] = names[i]
			out.Runs = append(out.Runs, r)
		}
	}
	sort.SliceStable(out.Runs, func(i, j int) bool { return out.Runs[i].Job < out.Runs[j].Job })
	sort.Strings(out.Shards)
	out.Finish()
	return out, nil
}

// runID names a run for duplicate detection: what it ran, not when.
func runID(r Run) string {
	id := fmt.Sprintf("%s/%s #%d", r.Scenario, r.Advancer, r.Repeat)
	if k := KnobsString(r.Knobs); k != "" {
		id += " [" + k + "]"
	}
	return id
}

func describeSweep(s *Sweep) string {
	if s == nil {
		return "not a sweep"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// MissingShards lists the shards "i/n" absent from shards for every n that
// appears in it.
func MissingShards(shards []string) []string {
	have := map[string]bool{}
	ns := map[int]bool{}
	for _, s := range shards {
		have[s] = true
		var i, n int
		if _, err := fmt.Sscanf(s, "%d/%d", &i, &n); err == nil && n > 0 {
			ns[n] = true
		}
	}
	var missing []string
	for n := range ns {
		for i := 1; i <= n; i++ {
			if s := fmt.Sprintf("%d/%d", i, n); !have[s] {
				missing = append(missing, s)
			}
		}
	}
	sort.Strings(missing)
	return missing
}
