package cli

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/leaderfault/leaderfault/report"
)

// progress reports on stderr: on a terminal a live line (run n/N, scenario
// and preset, elapsed, current step, how many others are going) redrawn
// every 100 ms, and a line per finished run; elsewhere only the
// finished-run lines; nothing when quiet.
//
// Runs go side by side, but what each prints (its finished line, with
// --steps its steps, with -v etcd's warnings) comes out as a block, in plan
// order: the earliest unfinished run prints as it goes, the others' lines
// wait until every earlier run has finished.
type progress struct {
	io    IO
	quiet bool
	steps bool // print every step as a line
	total int

	mu    sync.Mutex
	runs  map[int]*liveRun // by plan number, from start until printed
	next  int              // the plan number whose lines print as they come
	shown bool             // a live line is on screen

	stop chan struct{}
	wg   sync.WaitGroup
}

// liveRun is one run of the plan between its start and its last line.
type liveRun struct {
	title    string // [n/N] scenario / preset
	current  string
	begin    time.Time
	admitted bool // its first step has begun
	finished bool
	held     []string // lines waiting for the earlier runs
}

func newProgress(io IO, quiet bool, total int) *progress {
	p := &progress{io: io, quiet: quiet, total: total, runs: map[int]*liveRun{}, next: 1, stop: make(chan struct{})}
	if io.Live && !quiet {
		p.wg.Add(1)
		go p.redraw()
	}
	return p
}

func (p *progress) redraw() {
	defer p.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.drawLocked()
			p.mu.Unlock()
		}
	}
}

// drawLocked draws the live line for the earliest run already admitted
// (else the earliest waiting), and counts the others.
func (p *progress) drawLocked() {
	var shown *liveRun
	shownN, going, waiting := 0, 0, 0
	for n, r := range p.runs {
		if r.finished {
			continue
		}
		if r.admitted {
			going++
		} else {
			waiting++
		}
		better := shown == nil || (r.admitted && !shown.admitted) || (r.admitted == shown.admitted && n < shownN)
		if better {
			shown, shownN = r, n
		}
	}
	if shown == nil {
		return
	}
	line := fmt.Sprintf("%s  %5.1fs  %s", shown.title, time.Since(shown.begin).Seconds(), shown.current)
	if others := going + waiting - 1; others > 0 {
		line = fmt.Sprintf("%s  (%d going, %d waiting)", line, going, waiting)
	}
	width := p.io.Width
	if width <= 0 {
		width = 100
	}
	if r := []rune(line); len(r) > width-1 {
		line = string(r[:width-2]) + "…"
	}
	fmt.Fprintf(p.io.Stderr, "\r\033[K%s", line)
	p.shown = true
}

func (p *progress) clearLocked() {
	if p.shown {
		fmt.Fprint(p.io.Stderr, "\r\033[K")
		p.shown = false
	}
}

// start announces run n of the plan; it waits for admission until its
// first step.
func (p *progress) start(n int, what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runs[n] = &liveRun{title: fmt.Sprintf("[%d/%d] %s", n, p.total, what), current: "waiting for admission", begin: time.Now()}
	p.drawIfLive()
}

// drawIfLive redraws the live line now (the ticker keeps the elapsed time
// fresh between steps). p.mu must be held.
func (p *progress) drawIfLive() {
	if p.io.Live && !p.quiet {
		p.drawLocked()
	}
}

// step shows the script line run n is at.
func (p *progress) step(n, line int, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.runs[n]
	if !ok {
		return
	}
	if !r.admitted {
		r.admitted, r.begin = true, time.Now()
	}
	r.current = fmt.Sprintf("line %d: %s", line, squeeze(text))
	if p.steps {
		p.printLocked(n, fmt.Sprintf("%s  %5.1fs  %s\n", r.title, time.Since(r.begin).Seconds(), r.current))
	}
	p.drawIfLive()
}

// log prints a line of run n (etcd's warnings) in its block.
func (p *progress) log(n int, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printLocked(n, line)
}

// done ends run n's block with its outcome.
func (p *progress) done(n int, r report.Run) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.quiet {
		outcome := r.Verdict
		switch {
		case r.Skipped != "":
			outcome += ": " + r.Skipped
		default:
			outcome += ", recovery " + report.FormatMs(r.RecoveryMs)
			if r.Counts.Stalls > 0 {
				outcome += ", longest stall " + report.FormatMs(&r.Counts.LongestStallMs)
			}
		}
		p.printLocked(n, fmt.Sprintf("[%d/%d] %s: %s (%.1fs)\n", n, p.total, r.Title(), outcome, r.DurationMs/1000))
	}
	p.runs[n].finished = true
	p.advanceLocked()
	p.drawIfLive()
}

// printLocked prints a line of run n now if it is the earliest unfinished
// run, else holds it for its block.
func (p *progress) printLocked(n int, line string) {
	if r, ok := p.runs[n]; ok && n != p.next {
		r.held = append(r.held, line)
		return
	}
	p.clearLocked()
	fmt.Fprint(p.io.Stderr, line)
}

// advanceLocked moves past the finished runs at the head of the plan,
// printing the held lines of each run that becomes the head.
func (p *progress) advanceLocked() {
	for {
		r, ok := p.runs[p.next]
		if !ok || !r.finished {
			return
		}
		delete(p.runs, p.next)
		p.next++
		if r, ok := p.runs[p.next]; ok && len(r.held) > 0 {
			p.clearLocked()
			fmt.Fprint(p.io.Stderr, strings.Join(r.held, ""))
			r.held = nil
		}
	}
}

// close stops the redraw goroutine, prints what runs cut short held, in
// plan order, and clears the live line.
func (p *progress) close() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	for n := p.next; len(p.runs) > 0; n++ {
		if r, ok := p.runs[n]; ok {
			fmt.Fprint(p.io.Stderr, strings.Join(r.held, ""))
			delete(p.runs, n)
		}
	}
}

// squeeze collapses the spaces scripts align their tags with.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }
