package cli

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/leaderfault/leaderfault/report"
)

// progress reports on stderr: on a terminal a live line (run n/N, scenario
// and preset, elapsed, current step) redrawn every 100 ms, and a line per
// finished run; elsewhere only the finished-run lines; nothing when quiet.
type progress struct {
	io    IO
	quiet bool
	steps bool // print every step as a line
	total int

	mu      sync.Mutex
	title   string
	current string
	begin   time.Time
	shown   bool // a live line is on screen

	stop chan struct{}
	wg   sync.WaitGroup
}

func newProgress(io IO, quiet bool, total int) *progress {
	p := &progress{io: io, quiet: quiet, total: total, stop: make(chan struct{})}
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

func (p *progress) drawLocked() {
	if p.title == "" {
		return
	}
	line := fmt.Sprintf("%s  %5.1fs  %s", p.title, time.Since(p.begin).Seconds(), p.current)
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

// start announces run n of the plan.
func (p *progress) start(n int, what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.title = fmt.Sprintf("[%d/%d] %s", n, p.total, what)
	p.current = "starting the cluster"
	p.begin = time.Now()
	p.drawIfLive()
}

// drawIfLive redraws the live line now (the ticker keeps the elapsed time
// fresh between steps). p.mu must be held.
func (p *progress) drawIfLive() {
	if p.io.Live && !p.quiet {
		p.drawLocked()
	}
}

// step shows the script line the run is at.
func (p *progress) step(line int, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current = fmt.Sprintf("line %d: %s", line, squeeze(text))
	if p.steps {
		p.clearLocked()
		fmt.Fprintf(p.io.Stderr, "%s  %5.1fs  %s\n", p.title, time.Since(p.begin).Seconds(), p.current)
	}
	p.drawIfLive()
}

// done replaces the live line with the run's outcome.
func (p *progress) done(n int, r report.Run) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	p.title = ""
	if p.quiet {
		return
	}
	outcome := r.Verdict
	switch {
	case r.Skipped != "":
		outcome += ": " + r.Skipped
	default:
		outcome += ", recovery " + report.FormatMs(r.RecoveryMs)
		if r.Counts.Stalls > 0 {
			outcome += ", watchdog stall " + report.FormatMs(&r.Counts.LongestStallMs)
		}
	}
	fmt.Fprintf(p.io.Stderr, "[%d/%d] %s: %s (%.1fs)\n", n, p.total, r.Title(), outcome, r.DurationMs/1000)
}

// above prints something on stderr without tearing the live line.
func (p *progress) above(print func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	print()
}

// close stops the redraw goroutine and clears the live line.
func (p *progress) close() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	p.clearLocked()
	p.mu.Unlock()
}

// squeeze collapses the spaces scripts align their tags with.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }
