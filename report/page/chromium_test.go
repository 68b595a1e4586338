package page

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/report"
)

// The rendering test opens the HTML report in headless Chromium: the page's
// script must run without an error and mark the page rendered, and the
// screenshot must not be empty. Skipped where no Chromium is installed
// (.ci/run installs the Debian package).

var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

func findChromium(t *testing.T) string {
	t.Helper()
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skipf("no Chromium (%s) in PATH: the HTML rendering test needs one (apt-get install chromium)", strings.Join(chromiumNames, ", "))
	return ""
}

// headless runs Chromium on url with extra flags and returns its stdout.
// Chromium and every process it starts run in their own process group,
// killed when the call returns, so nothing outlives the test.
func headless(t *testing.T, bin, url string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + filepath.Join(t.TempDir(), "profile")}
	args = append(append(args, extra...), url)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		// Helpers Chromium left behind, if any.
		if kerr := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
			t.Logf("killing chromium's process group: %v", kerr)
		}
	}
	require.NoError(t, err, "chromium %v\nstderr:\n%s", extra, stderr.String())
	return stdout.Bytes()
}

func writePage(t *testing.T, rep *report.Report, sabotage string) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, rep))
	page := buf.String()
	if sabotage != "" {
		page = strings.Replace(page, "</body>", "<script>"+sabotage+"</script></body>", 1)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, os.WriteFile(path, []byte(page), 0o644))
	return path
}

// rootTag is the <html ...> start tag of a dumped DOM.
func rootTag(t *testing.T, dom string) string {
	t.Helper()
	start := strings.Index(dom, "<html")
	require.GreaterOrEqual(t, start, 0, "no <html> in the dumped DOM:\n%s", dom)
	end := strings.Index(dom[start:], ">")
	return dom[start : start+end+1]
}

func TestHTMLRendersInChromium(t *testing.T) {
	bin := findChromium(t)
	for name, rep := range map[string]*report.Report{"run": loadSample(t), "sweep": sampleSweep(t)} {
		t.Run(name, func(t *testing.T) {
			path := writePage(t, rep, "")
			dom := string(headless(t, bin, "file://"+path, "--dump-dom"))
			root := rootTag(t, dom)
			assert.NotContains(t, root, "data-error", "script error: %s", root)
			assert.Contains(t, root, `data-rendered="ok"`)
			assert.Contains(t, root, `data-charts="`+strconv.Itoa(len(rep.Runs))+`"`, "a lane chart per run, wired by the script")

			shot := filepath.Join(t.TempDir(), "shot.png")
			headless(t, bin, "file://"+path, "--screenshot="+shot, "--window-size=1400,900", "--hide-scrollbars")
			assertNotBlank(t, shot)
		})
	}
}

// TestChromiumCheckCatchesScriptErrors shows the check above can fail: a
// page whose script throws is marked broken.
func TestChromiumCheckCatchesScriptErrors(t *testing.T) {
	bin := findChromium(t)
	path := writePage(t, loadSample(t), `throw new Error("sabotage")`)
	root := rootTag(t, string(headless(t, bin, "file://"+path, "--dump-dom")))
	assert.Contains(t, root, `data-error="Uncaught Error: sabotage`)
}

// assertNotBlank fails for a missing, undecodable or nearly uniform image.
func assertNotBlank(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	assert.Equal(t, image.Pt(1400, 900), b.Size())
	colors := map[[3]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colors[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	assert.Greater(t, len(colors), 50, "the screenshot is nearly uniform: an empty page?")
}

// widthProbe, run after the page's own script, writes on <html> the page's
// scroll width and the elements whose content is cut or spills past their
// box (a label that does not wrap), at most ten, by tag and class.
const widthProbe = `window.addEventListener("load", function () {
  var root = document.documentElement, bad = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var cs = getComputedStyle(el);
    if (cs.display === "none" || el.closest("svg")) { return; }
    var r = el.getBoundingClientRect();
    if (r.right > root.clientWidth + 1 || (cs.overflowX !== "visible" && cs.overflowX !== "auto" && el.scrollWidth > el.clientWidth + 1)) {
      if (bad.length < 10) { bad.push(el.tagName.toLowerCase() + "." + el.className + ": " + (el.textContent || "").trim().slice(0, 40)); }
    }
  });
  root.setAttribute("data-scroll-width", String(root.scrollWidth));
  root.setAttribute("data-overflow", bad.join(" | "));
});`

// longLabels is a report whose runs carry the longest names and bug texts
// the catalog has, one run per verdict.
func longLabels(t *testing.T) *report.Report {
	base := loadSample(t).Runs[0]
	bug := "pingcap/tidb#69048: the watch stays on the stalled member until a loop read times out there (etcd's request timeout, 7s) and BR's retry lands elsewhere, or until the heal and the healed member's catch-up"
	rep := &report.Report{}
	for i, v := range []string{report.VerdictPass, report.VerdictKnownBug, report.VerdictNotReproduced, report.VerdictFail, report.VerdictInvalid} {
		r := base
		r.Scenario, r.Advancer, r.Verdict, r.Job, r.Sometimes = "five-member-double-crash", []string{"robust", "legacy", "pr69047", "pd", "exec:my-advancer-with-a-long-name"}[i], v, i, true
		r.Bugs = []string{bug, "a stale member: it knows a leader (no require-leader trip) and answers progress (no 10s silence); its health probe times out after 10s"}
		rep.Runs = append(rep.Runs, r)
	}
	rep.Finish()
	return rep
}

// The page fits a 1280 px window: no horizontal scroll, no label cut or
// spilling past its box, for the sample, a sweep, and the longest labels.
func TestHTMLFits1280Pixels(t *testing.T) {
	bin := findChromium(t)
	for name, rep := range map[string]*report.Report{"run": loadSample(t), "sweep": sampleSweep(t), "long labels": longLabels(t)} {
		t.Run(name, func(t *testing.T) {
			path := writePage(t, rep, widthProbe)
			dom := string(headless(t, bin, "file://"+path, "--window-size=1280,900", "--virtual-time-budget=3000", "--dump-dom"))
			root := rootTag(t, dom)
			assert.Contains(t, root, `data-rendered="ok"`)
			assert.Contains(t, root, `data-scroll-width="`, "the probe ran")
			assert.Contains(t, root, `data-overflow=""`, "elements wider than their box or the window")
			m := regexp.MustCompile(`data-scroll-width="(\d+)"`).FindStringSubmatch(root)
			require.NotNil(t, m, root)
			w, _ := strconv.Atoi(m[1])
			assert.LessOrEqual(t, w, 1280, "horizontal scroll")

			shot := filepath.Join(os.Getenv("LEADERFAULT_SCREENSHOTS"), strings.ReplaceAll(name, " ", "-")+"-1280.png")
			if os.Getenv("LEADERFAULT_SCREENSHOTS") == "" {
				shot = filepath.Join(t.TempDir(), "shot.png")
			}
			headless(t, bin, "file://"+path, "--screenshot="+shot, "--window-size=1280,900", "--hide-scrollbars")
		})
	}
}
