package advancertest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

// A new user's bad advancer — reads without deadline on a client that knows
// only the pinned member — fails the headline scenario, and the message says
// which requirement it missed and what was measured.
func TestBadAdvancerFailsWithTheRequirementAndTheFigure(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("timing requirements are not judged under -race")
	}
	bad := mutant(t, "read-no-deadline-pinned")
	res, err := checkWithin(context.Background(), "leader-disk-stall", bad.New(), "", t.Logf, time.Minute)
	require.NoError(t, err)
	if res.Skipped != "" {
		t.Skip(res.Skipped)
	}
	t.Log(res.Summary())
	require.Equal(t, check.Fail, res.Verdict(), "%s", res.Outcome.Why)
	msg := Failure(res)
	assert.Contains(t, msg, "leader-disk-stall / read-no-deadline-pinned: FAIL: missed line")
	assert.Contains(t, msg, `"expect no-stall for 10s from=5s": measured `, "the requirement and the measured stall")

	// As RunCatalog reports it: the run's condensed timeline, then the miss.
	rec := &recordingTB{TB: t}
	judge(rec, "leader-disk-stall", res, nil)
	assert.Equal(t, []string{msg}, rec.errs)
	log := strings.Join(rec.logs, "\n")
	assert.Contains(t, log, "leader-disk-stall / read-no-deadline-pinned timeline (condensed")
	assert.Contains(t, log, "    t(ms)  member    event")
	assert.Regexp(t, `fault-armed\s+#1 disk-stall`, log)
}

// recordingTB keeps what judge logs and reports instead of failing the test.
type recordingTB struct {
	testing.TB
	logs, errs []string
}

func (r *recordingTB) Log(args ...any) { r.logs = append(r.logs, fmt.Sprint(args...)) }
func (r *recordingTB) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

// A client that never reads watch-on (a real client's default: all
// endpoints, the watch where gRPC's round-robin puts it) meets the faults
// on the member its watch really is on, and is judged there like a preset:
// a plain watch on a stale member FAILs, and no run is INVALID because of
// where it chose to connect.
func TestAPlainClientIsHitWhereItWatches(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("timing requirements are not judged under -race")
	}
	plain := mutant(t, "plain-client")
	for _, sc := range []string{"leader-isolated", "client-link-blackhole"} {
		t.Run(sc, func(t *testing.T) {
			t.Parallel()
			res, err := checkWithin(context.Background(), sc, plain.New(), "", t.Logf, 2*time.Minute)
			require.NoError(t, err)
			t.Log(res.Summary())
			require.True(t, res.Valid, "invalid: %v", res.Invalid)
			assert.Equal(t, check.Fail, res.Verdict(), "%s", res.Outcome.Why)
			var watchedOn, hit string
			for _, e := range res.Events {
				if e.Kind == record.KindNote && strings.HasPrefix(e.Detail, "the advancer's watch is on ") {
					watchedOn = e.Member
				}
				if e.Kind == record.KindFaultArmed && hit == "" && e.Member != "" {
					hit = e.Member
				}
			}
			require.NotEmpty(t, watchedOn, "the runner found where the watch is")
			assert.Equal(t, watchedOn, hit, "the fault hit the member the watch is on")
		})
	}
}

// mutant is the known-bad advancer called name.
func mutant(t *testing.T, name string) Mutant {
	t.Helper()
	for _, m := range Mutants() {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no mutant %q", name)
	return Mutant{}
}

// killOrder is the order the mutation test tries scenarios in: the ones
// that catch most flaws first, so each mutant is usually caught by the
// first or second run.
var killOrder = []string{"leader-disk-stall", "leader-crash", "leader-isolated", "pinned-member-down", "leader-transfer"}

// Every known-bad advancer FAILS (not INVALID) at least one catalog
// scenario. make mutants prints the whole kill matrix.
func TestMutantsAreCaught(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("timing requirements are not judged under -race")
	}
	order := append([]string(nil), killOrder...)
	for _, n := range catalog.Names() {
		if !slices.Contains(order, n) {
			order = append(order, n)
		}
	}
	for _, m := range Mutants() {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			var tried []string
			for _, sc := range order {
				res, err := checkWithin(context.Background(), sc, m.New(), "", nil, time.Minute)
				require.NoError(t, err)
				v := res.Verdict()
				tried = append(tried, fmt.Sprintf("%s: %s", sc, v))
				if v == check.Fail {
					t.Logf("%s (%s) caught by %s: %s", m.Name, m.Flaw, sc, res.Outcome.Why)
					return
				}
			}
			t.Errorf("%s (%s) was not caught by any scenario: %v", m.Name, m.Flaw, tried)
		})
	}
}

// The traffic mutants are caught by their flaw, not by a budget: the
// stormer meets quorum-loss's budgets and floods etcd while it cannot
// answer; the leaker recovers and keeps what it opened during the fault.
func TestTrafficMutantsAreCaughtByTheirFlaw(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ mutant, scenario, flaw string }{
		{"retry-storm", "quorum-loss", "retry storm: "},
		{"leaks-watches", "quorum-loss", "leak: "},
	} {
		t.Run(c.mutant, func(t *testing.T) {
			t.Parallel()
			res, err := Check(context.Background(), c.scenario, mutant(t, c.mutant).New(), nil)
			require.NoError(t, err)
			t.Log(res.Summary())
			require.True(t, res.Valid, "invalid: %v", res.Invalid)
			var flawed []string
			for _, f := range res.Failures {
				if strings.HasPrefix(f, c.flaw) {
					flawed = append(flawed, f)
				}
			}
			assert.NotEmpty(t, flawed, "%s on %s: no %q failure in %v", c.mutant, c.scenario, c.flaw, res.Failures)
			assert.Equal(t, check.Fail, res.Verdict())
		})
	}
}

// The static-endpoints mutant is caught by its flaw: BR's client with
// auto-sync off, given one address, has nowhere to go when the member behind
// it is replaced at a new address (legacy, the same client with auto-sync,
// passes pinned-member-replaced in the catalog).
func TestStaticEndpointsMutantIsCaughtByItsFlaw(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("timing requirements are not judged under -race")
	}
	res, err := Check(context.Background(), "pinned-member-replaced", mutant(t, "static-endpoints").New(), nil)
	require.NoError(t, err)
	t.Log(res.Summary())
	require.True(t, res.Valid, "invalid: %v", res.Invalid)
	assert.Equal(t, check.Fail, res.Verdict(), res.Outcome.Why)
	assert.Nil(t, res.Resumed, "it never advanced after the replacement")
}

// The compaction mutant is caught by its flaw: it follows the writer
// through a leader transfer, and on compact-while-away its resumed watch is
// cancelled with ErrCompacted and it never advances again.
func TestCompactionMutantIsCaughtByItsFlaw(t *testing.T) {
	t.Parallel()
	m := mutant(t, "hangs-on-compacted")
	for _, c := range []struct {
		scenario string
		want     check.Verdict
	}{{"leader-transfer", check.Pass}, {"compact-while-away", check.Fail}} {
		t.Run(c.scenario, func(t *testing.T) {
			t.Parallel()
			res, err := Check(context.Background(), c.scenario, m.New(), nil)
			require.NoError(t, err)
			t.Log(res.Summary())
			require.True(t, res.Valid, "invalid: %v", res.Invalid)
			assert.Equal(t, c.want, res.Verdict(), res.Outcome.Why)
			if c.want == check.Fail {
				var compacted []string
				for _, e := range res.Events {
					if e.Kind == record.KindAdvancerError && strings.Contains(e.Detail, "compacted") {
						compacted = append(compacted, e.Detail)
					}
				}
				assert.NotEmpty(t, compacted, "its watch was never cancelled with ErrCompacted")
			}
		})
	}
}

// TestKillMatrix runs every mutant against every scenario and prints the
// matrix (make mutants; make stress includes it). It is long, so it runs
// only when LEADERFAULT_KILL_MATRIX is set.
func TestKillMatrix(t *testing.T) {
	if os.Getenv("LEADERFAULT_KILL_MATRIX") == "" {
		t.Skip("set LEADERFAULT_KILL_MATRIX=1 (make mutants) to run every mutant on every scenario")
	}
	names := catalog.Names()
	ms := Mutants()
	cells := make([][]check.Verdict, len(ms))
	// Every run is offered at once; admission (internal/admission) decides
	// how many go.
	var wg sync.WaitGroup
	for i, m := range ms {
		cells[i] = make([]check.Verdict, len(names))
		for j, sc := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := checkWithin(context.Background(), sc, m.New(), "", nil, 2*time.Minute)
				if err != nil {
					cells[i][j] = check.Verdict("error")
					return
				}
				cells[i][j] = res.Verdict()
			}()
		}
	}
	wg.Wait()
	var b strings.Builder
	fmt.Fprintf(&b, "| mutant | killed by |")
	for _, n := range names {
		fmt.Fprintf(&b, " %s |", n)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(names)) + "\n")
	for i, m := range ms {
		killed := 0
		var row strings.Builder
		for j := range names {
			mark := "·"
			switch cells[i][j] {
			case check.Fail:
				mark, killed = "✗", killed+1
			case check.Pass:
				mark = "pass"
			case check.Skipped:
				mark = "skip"
			default:
				mark = string(cells[i][j])
			}
			fmt.Fprintf(&row, " %s |", mark)
		}
		fmt.Fprintf(&b, "| %s | %d/%d |%s\n", m.Name, killed, len(names), row.String())
		if killed == 0 {
			t.Errorf("mutant %s (%s) survived every scenario", m.Name, m.Flaw)
		}
	}
	t.Logf("kill matrix (✗: the scenario FAILS the mutant):\n%s", b.String())
}
