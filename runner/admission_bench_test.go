package runner

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/advancer/model"
	"github.com/leaderfault/leaderfault/check"
	"github.com/leaderfault/leaderfault/internal/admission"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
)

// BenchmarkCatalogAdmission measures admission by headroom: the whole
// catalog (every scenario × every preset) at production time, every run
// offered at once, against its longest run and against the fast-profile
// catalog at one run per core (a fixed cap), in the same invocation:
//
//	go test -run '^$' -bench CatalogAdmission -benchtime 1x ./runner/
//
// wall/longest is the production catalog's wall time over its longest run
// (goal ≤ 1.3: the machine holds the runs side by side without stretching
// them); prod/fast is its wall time over the fast catalog's (goal < 1).
// Verdicts that would fail TestCatalog are counted, not judged: a benchmark
// measures.
func BenchmarkCatalogAdmission(b *testing.B) {
	if raceEnabled {
		b.Skip("timing under -race says nothing about admission")
	}
	// b.Log truncates a benchmark's log to a few lines; what a reader needs
	// goes to stdout.
	for range b.N {
		fmt.Printf("load before: %s\n", loadavg())
		b.Setenv(admission.EnvCap, "")
		prod := runCatalogBatch(b, "production")
		fmt.Printf("production, by headroom: %s\nload after: %s\n", prod, loadavg())
		if testing.Verbose() {
			fmt.Printf("production runs by admission (waited, ran):\n%s\n", strings.Join(prod.sortedAdmissions(), "\n"))
		}
		b.Setenv(admission.EnvCap, strconv.Itoa(runtime.NumCPU()))
		fast := runCatalogBatch(b, "fast")
		fmt.Printf("fast, %d at once: %s\nload after: %s\n", runtime.NumCPU(), fast, loadavg())
		if testing.Verbose() {
			fmt.Printf("fast runs by admission (waited, ran):\n%s\n", strings.Join(fast.sortedAdmissions(), "\n"))
		}

		b.ReportMetric(prod.wall.Seconds()/prod.longest.Seconds(), "wall/longest")
		b.ReportMetric(prod.wall.Seconds()/fast.wall.Seconds(), "prod/fast")
		b.ReportMetric(prod.wall.Seconds(), "prod-wall-s")
		b.ReportMetric(prod.longest.Seconds(), "prod-longest-s")
		b.ReportMetric(prod.cpu.Seconds(), "prod-cpu-s")
		b.ReportMetric(prod.maxWait.Seconds(), "prod-max-wait-s")
		b.ReportMetric(prod.maxP99.Seconds()*1000, "prod-max-p99-ms")
		b.ReportMetric(float64(prod.unexpected), "prod-unexpected")
		b.ReportMetric(fast.wall.Seconds(), "fast-wall-s")
		b.ReportMetric(float64(fast.unexpected), "fast-unexpected")
	}
}

// batch is what one catalog of runs measured.
type batch struct {
	runs       int
	wall       time.Duration // from offering every run to the last one's end
	longest    time.Duration // the longest run (from its admission)
	cpu        time.Duration // this process's CPU time
	maxWait    time.Duration // the longest wait for admission
	maxP99     time.Duration // the highest probe p99 any run was admitted at
	unexpected int           // runs TestCatalog would fail (FAIL, INVALID, NOT REPRODUCED of an every-run line, errors)
	skipped    int
	longestRun string
	notes      []string
	admitted   []string // per run, in order of admission: when, how, how long it ran
}

func (bt batch) String() string {
	return strconv.Itoa(bt.runs) + " runs in " + bt.wall.Round(time.Millisecond).String() +
		", longest " + bt.longest.Round(time.Millisecond).String() + " (" + bt.longestRun + ")" +
		", " + bt.cpu.Round(time.Millisecond).String() + " CPU, longest wait " + bt.maxWait.Round(time.Millisecond).String() +
		", highest admitted p99 " + bt.maxP99.String() + ", " + strconv.Itoa(bt.unexpected) + " unexpected, " +
		strconv.Itoa(bt.skipped) + " skipped" + strings.Join(bt.notes, "")
}

// runCatalogBatch offers every catalog run at once in the given timing,
// and waits for them all.
func runCatalogBatch(b testing.TB, timing string) batch {
	var (
		mu  sync.Mutex
		out batch
		wg  sync.WaitGroup
	)
	cpu0 := cpuTime()
	begin := time.Now()
	for _, name := range catalog.Names() {
		file, src, err := catalog.Source(name)
		require.NoError(b, err)
		sc, err := Parse(file, src)
		require.NoError(b, err)
		for _, p := range model.Presets() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := Run(context.Background(), sc, Options{Preset: p, Time: timing, Timeout: 5 * time.Minute})
				mu.Lock()
				defer mu.Unlock()
				out.runs++
				if err != nil && res == nil {
					out.unexpected++
					out.notes = append(out.notes, "\n  "+name+"/"+p+": "+err.Error())
					return
				}
				if res.Skipped != "" {
					out.skipped++
					return
				}
				if res.Duration > out.longest {
					out.longest, out.longestRun = res.Duration, name+"/"+p
				}
				a := res.Admission
				out.admitted = append(out.admitted, fmt.Sprintf("%6.2fs +%5.2fs %-40s %-12s %s; held: %s",
					a.Waited.Seconds(), res.Duration.Seconds(), name+"/"+p, a.Reason, a.Headroom, a.Held))
				out.maxWait = max(out.maxWait, res.Admission.Waited)
				out.maxP99 = max(out.maxP99, res.Admission.Headroom.DelayP99)
				v := res.Verdict()
				expected := v == check.Pass || v == check.KnownBug || (v == check.NotReproduced && res.Outcome.Sometimes)
				if err != nil || !expected {
					out.unexpected++
					out.notes = append(out.notes, "\n  "+name+" / "+p+": "+string(v)+": "+res.Outcome.Why)
				}
			}()
		}
	}
	wg.Wait()
	out.wall = time.Since(begin)
	out.cpu = cpuTime() - cpu0
	return out
}

func (bt batch) sortedAdmissions() []string {
	out := slices.Clone(bt.admitted)
	slices.Sort(out)
	return out
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
