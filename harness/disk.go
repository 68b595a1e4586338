package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/harness/disk"
	"github.com/leaderfault/leaderfault/record"
)

// DiskAvailable returns nil when disk faults can run here, or the reason they
// cannot (no /dev/fuse, not root, ...). When LEADERFAULT_REQUIRE_DISK=1
// demands them, the reason wraps ErrDiskRequired: whoever needs disk faults
// then fails with it instead of skipping (SkipWithoutDisk does either).
func DiskAvailable() error { return disk.Usable() }

// RequireDiskEnv is LEADERFAULT_REQUIRE_DISK (see the package doc).
const RequireDiskEnv = disk.RequireEnv

// ErrDiskRequired is wrapped by DiskAvailable's error when
// LEADERFAULT_REQUIRE_DISK demands disk faults: fail, do not skip.
var ErrDiskRequired = disk.ErrRequired

// SkipWithoutDisk skips tb when disk faults cannot run here, or fails it with
// the same reason when LEADERFAULT_REQUIRE_DISK=1 demands them.
func SkipWithoutDisk(tb testing.TB) {
	tb.Helper()
	disk.SkipUnlessUsable(tb)
}

// DiskPoints lists the fault points of every disk site of members m0 to
// m<members-1> ("m0/disk-write", "m0/disk-fsync", ...). Disk faults arm
// them; a script may arm them directly, too.
func DiskPoints(members int) []string {
	var out []string
	for i := range members {
		for _, site := range []disk.Site{disk.SiteWrite, disk.SiteFsync, disk.SiteRead, disk.SiteOpen} {
			out = append(out, diskPointName(fmt.Sprintf("m%d", i), site))
		}
	}
	return out
}

// IsDiskPoint reports whether name is a disk site's fault point (the
// points a disk fault arms on behalf of its injection): record.IsDiskPoint.
func IsDiskPoint(name string) bool { return record.IsDiskPoint(name) }

// diskPointName is the fault point of one disk site of a member, e.g.
// "m0/disk-fsync". These points are evaluated in the member's FUSE child.
func diskPointName(member string, site disk.Site) string {
	return member + record.DiskPointInfix + string(site)
}

var diskDescriptions = map[disk.Site]string{
	disk.SiteWrite:  "every write to the member's data dir (WAL, snapshot, bbolt)",
	disk.SiteFsync:  "every fsync/fdatasync of the member's data dir (WAL commit, bbolt commit)",
	disk.SiteRead:   "read(2)s of the member's data dir that miss the page cache (never bbolt's mmap page faults)",
	disk.SiteOpen:   "open/create of files in the member's data dir",
	disk.SiteMmap:   "reads serving page faults of the member's mapped files (bbolt's mmap) and readahead; arming it drops their cached pages (members as processes only)",
	disk.SiteDefrag: "creation of a defragmentation's temp file (db.tmp.*), made once the defragmentation holds the member's backend: held, it holds the backend (fault defrag hold=D)",
}

// mountDisks puts every member's data dir on its own FUSE loopback mount and
// registers the member's disk fault points.
func (c *Cluster) mountDisks(ctx context.Context) error {
	if err := disk.Available(); err != nil {
		return fmt.Errorf("harness: Disk option: %w", err)
	}
	for _, m := range c.live() {
		if err := c.mountDisk(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// mountDisk puts m's data dir on a FUSE loopback mount of its own and
// registers its disk fault points.
func (c *Cluster) mountDisk(ctx context.Context, m *Member) error {
	backing := filepath.Join(c.dir, m.name+".backing")
	if err := os.MkdirAll(backing, 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(m.dataDir, 0o700); err != nil {
		return err
	}
	name := m.name
	mnt, err := disk.Mount(ctx, backing, m.dataDir, func(site disk.Site) {
		c.fps.Hit(diskPointName(name, site))
	})
	if err != nil {
		return fmt.Errorf("harness: mount %s: %w", m.name, err)
	}
	m.disk = mnt
	for _, site := range disk.Sites() {
		if site == disk.SiteMmap && c.opts.Release == "" {
			continue // a held page fault would freeze this process
		}
		err := c.fps.RegisterRemote(failpoints.Point{
			Name: diskPointName(m.name, site), Member: m.name, Description: diskDescriptions[site],
		}, func(_, term string) error {
			if term == "" {
				return mnt.Disable(site)
			}
			return mnt.Enable(site, term)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) unmountDisks() error {
	var errs []error
	for _, m := range c.all() {
		if m.disk != nil {
			if err := m.disk.Close(); err != nil {
				errs = append(errs, fmt.Errorf("unmount %s: %w", m.name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// DiskStall makes the member's disk hang until healed (failpoint term "pause"
// on its disk points): every write and fsync of its data dir, and, unless
// WritesOnly, every open and every read(2) of it too. That is the IO hang of
// pingcap/tidb#69048 and tikv/pd#10746, injected there as read and write
// latency of 10 minutes on the member's volume.
//
// A read that serves a page fault of bbolt's mmap is held only with
// PageFaults, on members that run as processes: in this process a held page
// fault would freeze every member at the next GC (docs/facts.md §2.7), so an
// in-process member under the stall keeps answering reads from its stale
// store, and a member (re)started under the hang hangs at its first open. The
// fault has fired once any operation it holds was held; the record shows each
// site's hits.
type DiskStall struct {
	// WritesOnly holds writes and fsyncs only; opens and reads go ahead.
	WritesOnly bool
	// PageFaults also holds the reads that serve page faults of the member's
	// mapped files (bbolt's mmap), after dropping their cached pages: a
	// member whose every read hangs, as on a hung volume. Members as
	// processes only (Options.Release).
	PageFaults bool
}

// Kind implements Fault.
func (DiskStall) Kind() string { return "disk-stall" }

// String is the kind, with reads=false (the script's spelling) for WritesOnly.
func (f DiskStall) String() string {
	switch {
	case f.WritesOnly:
		return "disk-stall reads=false"
	case f.PageFaults:
		return "disk-stall reads=all"
	}
	return "disk-stall"
}

// Sites lists the disk sites the stall holds, in the order it arms them: the
// mmap site first, whose arming drops cached pages, which the kernel cannot do
// while another site holds a write on a locked page.
func (f DiskStall) Sites() []disk.Site {
	switch {
	case f.WritesOnly:
		return []disk.Site{disk.SiteWrite, disk.SiteFsync}
	case f.PageFaults:
		return []disk.Site{disk.SiteMmap, disk.SiteWrite, disk.SiteFsync, disk.SiteRead, disk.SiteOpen}
	}
	return []disk.Site{disk.SiteWrite, disk.SiteFsync, disk.SiteRead, disk.SiteOpen}
}

// Apply implements Fault.
func (f DiskStall) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	if f.PageFaults && c.opts.Release == "" {
		return nil, fmt.Errorf("disk-stall reads=all holds page faults, which needs members that run as processes (a cluster release, --processes): a held page fault in this process would freeze every member, the writer and the advancer at the next GC")
	}
	if f.PageFaults && f.WritesOnly {
		return nil, fmt.Errorf("disk-stall: PageFaults and WritesOnly contradict each other")
	}
	return applyDiskTerm(ctx, c, m, fired, "pause", f.Sites()...)
}

// DiskDelay slows the member's disk: every fsync (with Writes, every write;
// with Reads, every open and read(2)) of its data dir takes Delay longer.
type DiskDelay struct {
	Delay  time.Duration
	Writes bool
	// Reads delays opens and read(2) too. Page faults of bbolt's mmap are
	// never delayed (docs/facts.md §2.7), so a running member barely notices.
	Reads bool
}

// Kind implements Fault.
func (DiskDelay) Kind() string { return "disk-delay" }
func (f DiskDelay) String() string {
	ops := "fsync"
	if f.Writes {
		ops += ", write"
	}
	if f.Reads {
		ops += ", open, read"
	}
	return fmt.Sprintf("disk-delay %v on %s", f.Delay, ops)
}

// Sites lists the disk sites the delay slows.
func (f DiskDelay) Sites() []disk.Site {
	sites := []disk.Site{disk.SiteFsync}
	if f.Writes {
		sites = append(sites, disk.SiteWrite)
	}
	if f.Reads {
		sites = append(sites, disk.SiteRead, disk.SiteOpen)
	}
	return sites
}

// Apply implements Fault.
func (f DiskDelay) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	if f.Delay <= 0 {
		return nil, fmt.Errorf("disk-delay: delay must be positive, got %v", f.Delay)
	}
	return applyDiskTerm(ctx, c, m, fired, fmt.Sprintf("sleep(%q)", f.Delay.String()), f.Sites()...)
}

// applyDiskTerm arms term on the member's disk points and calls fired when
// the first of them is hit, whichever site it is.
func applyDiskTerm(ctx context.Context, c *Cluster, m *Member, fired func(), term string, sites ...disk.Site) (Effect, error) {
	if m.disk == nil {
		return nil, fmt.Errorf("disk faults need the cluster's Disk option (data dirs on FUSE): %v", DiskAvailable())
	}
	if !m.Running() {
		return nil, fmt.Errorf("%s: %w", m.name, ErrNotRunning)
	}
	mark := c.rec.Len()
	var armed []string
	undo := func() error {
		var errs []error
		for _, n := range armed {
			errs = append(errs, c.fps.Disable(n))
		}
		return errors.Join(errs...)
	}
	for _, site := range sites {
		name := diskPointName(m.name, site)
		if err := c.fps.Enable(name, term); err != nil {
			return nil, errors.Join(err, undo())
		}
		armed = append(armed, name)
	}
	watch, stop := context.WithCancel(c.life)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := c.rec.Wait(watch, mark, func(e record.Event) bool {
			return e.Kind == record.KindFailpointHit && slices.Contains(armed, e.Name)
		})
		if err == nil {
			fired()
		}
	}()
	return effectFunc(func(context.Context) error {
		err := undo()
		stop()
		<-done
		return err
	}), nil
}
