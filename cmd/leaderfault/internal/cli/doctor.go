package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

const doctorSynopsis = `

Checks what leaderfault needs on this machine — FUSE for disk faults, root,
the open-file limit, loopback networking, a cluster that starts, Chromium for
the HTML rendering test — and says what will be skipped and why. Exit code 0
when everything can run, 1 when something will be skipped or cannot work.`

// check is one doctor finding.
type check struct {
	name string
	ok   bool
	// fatal: leaderfault cannot run at all without it.
	fatal  bool
	detail string
	// skips says what is skipped when the check fails.
	skips string
}

func runDoctor(ctx context.Context, io IO, args []string) int {
	fs := newFlags(io, "doctor", doctorSynopsis)
	pos, code, ok := parseOrExit(io, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return fail(io, "doctor", usagef("doctor takes no arguments (got %q)", pos[0]))
	}
	checks := []check{checkLoopback(), checkOpenFiles(), checkRoot(), checkFUSE(), checkCluster(ctx), checkChromium(), checkEtcdLines()}
	code = ExitOK
	for _, c := range checks {
		mark := "ok  "
		if !c.ok {
			mark = "WARN"
			if c.fatal {
				mark = "FAIL"
			}
			code = ExitFailed
		}
		fmt.Fprintf(io.Stdout, "%s  %-16s %s\n", mark, c.name, c.detail)
		if !c.ok && c.skips != "" {
			fmt.Fprintf(io.Stdout, "      %-16s skipped: %s\n", "", c.skips)
		}
	}
	if code == ExitOK {
		fmt.Fprintln(io.Stdout, "\neverything can run here.")
	} else {
		fmt.Fprintln(io.Stdout, "\nsome things will be skipped or cannot run here (see above).")
	}
	return code
}

func checkLoopback() check {
	c := check{name: "loopback", fatal: true, skips: "everything: every member and proxy listens on 127.0.0.1"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.detail = fmt.Sprintf("cannot listen on 127.0.0.1: %v", err)
		return c
	}
	defer ln.Close()
	accepted := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			conn.Close()
		}
		accepted <- err
	}()
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 2*time.Second)
	if err != nil {
		ln.Close()
		<-accepted
		c.detail = fmt.Sprintf("cannot connect to %s: %v", ln.Addr(), err)
		return c
	}
	conn.Close()
	if err := <-accepted; err != nil {
		c.detail = fmt.Sprintf("accept on %s: %v", ln.Addr(), err)
		return c
	}
	c.ok, c.detail = true, "listen and connect on 127.0.0.1 work"
	return c
}

// minOpenFiles is enough for a 3-member cluster with its proxies, clients,
// WAL and bbolt files, with room to spare.
const minOpenFiles = 4096

func checkOpenFiles() check {
	c := check{name: "open-file limit", skips: "nothing, but a 5-member scenario may fail with \"too many open files\""}
	soft, hard, err := openFileLimit()
	if err != nil {
		c.detail = fmt.Sprintf("cannot read RLIMIT_NOFILE: %v", err)
		return c
	}
	// Go raises the soft limit to the hard one at start-up (os package), so
	// the hard limit is what a run gets.
	c.detail = fmt.Sprintf("soft %d, hard %d (want ≥ %d)", soft, hard, minOpenFiles)
	c.ok = soft >= minOpenFiles
	if !c.ok {
		c.detail += "; raise it with ulimit -n"
	}
	return c
}

func checkRoot() check {
	c := check{name: "root", ok: os.Geteuid() == 0}
	if c.ok {
		c.detail = "running as root (FUSE can mount directly)"
	} else {
		c.ok = true // not needed by itself: fusermount works without it
		c.detail = fmt.Sprintf("running as uid %d: disk faults need fusermount (see FUSE)", os.Geteuid())
	}
	return c
}

func checkFUSE() check {
	c := check{name: "FUSE", skips: strings.Join(diskScenarios(), ", ") + " (their cluster line says disk=true)"}
	if err := harness.DiskAvailable(); err != nil {
		c.detail = err.Error()
		if errors.Is(err, harness.ErrDiskRequired) {
			c.fatal, c.skips = true, ""
			c.detail += " (so the disk scenarios fail, not skip)"
		}
		return c
	}
	c.ok, c.detail = true, "/dev/fuse can be mounted: disk faults run"
	return c
}

func checkCluster(ctx context.Context) check {
	c := check{name: "etcd cluster", fatal: true, skips: "every scenario"}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	begin := time.Now()
	cl, err := harness.Start(ctx, harness.Options{})
	if err != nil {
		c.detail = fmt.Sprintf("a 3-member embedded cluster did not start: %v", err)
		return c
	}
	ready := time.Since(begin)
	if err := cl.Close(); err != nil {
		c.detail = fmt.Sprintf("the cluster started in %v but did not close cleanly: %v", ready.Round(time.Millisecond), err)
		return c
	}
	c.ok, c.detail = true, fmt.Sprintf("a 3-member embedded cluster started and elected a leader in %v", ready.Round(time.Millisecond))
	return c
}

// chromiumNames are the browsers the HTML rendering test can drive.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// findChromium returns the path of a headless-capable Chromium, or "".
func findChromium() string {
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func checkChromium() check {
	c := check{name: "chromium", skips: "the HTML report rendering test (reports are still written); apt-get install chromium"}
	if p := findChromium(); p != "" {
		c.ok, c.detail = true, p+": the HTML rendering test runs"
		return c
	}
	c.detail = "not found (" + strings.Join(chromiumNames, ", ") + ")"
	return c
}

// diskScenarios lists the built-in scenarios that need FUSE.
func diskScenarios() []string {
	var out []string
	for _, name := range catalog.Names() {
		if l, err := loadScenario(name); err == nil && needsDisk(l) {
			out = append(out, name)
		}
	}
	return out
}

// needsDisk reports whether the scenario's cluster puts data dirs on FUSE.
func needsDisk(l loaded) bool {
	for _, st := range l.script.Steps {
		if c, ok := st.Action.(script.ClusterSpec); ok && c.Disk {
			return true
		}
	}
	return false
}

// checkEtcdLines says which etcd this binary embeds and which other builds
// are at hand for --etcd. Informational: the default line runs everything.
func checkEtcdLines() check {
	c := check{name: "etcd lines", ok: true}
	c.detail = fmt.Sprintf("this binary embeds etcd %s (server and client)", harness.EtcdVersion())
	for _, v := range []string{"3.7.3", "3.5.35", "3.5.15"} {
		if v == harness.EtcdVersion() {
			continue
		}
		if exe := findSibling(builds[v]); exe != "" {
			c.detail += fmt.Sprintf("; --etcd %s runs %s", v, exe)
		} else {
			c.detail += fmt.Sprintf("; --etcd %s needs %s (make build)", v, builds[v])
		}
	}
	return c
}
