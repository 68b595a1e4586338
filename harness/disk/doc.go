// Package disk injects per-member disk IO faults: a directory is served through
// a FUSE loopback mount, and each kind of file operation (a Site: write, fsync,
// read, open) evaluates a pingcap/failpoint term before the real operation is
// done. sleep(800) makes every fsync 800 ms slower; pause stalls it until the
// term is disabled. Only the member whose data dir is on the mount is affected.
//
// The FUSE server runs in a child process, never in the caller's process: when a
// process that serves a FUSE mount exits with files still open on that mount,
// the kernel waits for answers nobody will give and the process hangs for good
// (docs/facts.md §2). The child is the current executable re-run with an
// environment variable; this package's init recognises it, serves the mount and
// exits, so any binary that imports disk (a test binary of any package, a CLI)
// can be its own disk server. The child talks to its parent over two pipes
// (commands in, acknowledgements and hit reports out). When the parent goes away,
// even by SIGKILL and even with one of its threads stuck in a stalled request,
// the child releases every stalled operation, unmounts and exits.
//
// Usage:
//
//	disk.SkipUnlessUsable(t) // or fails it: LEADERFAULT_REQUIRE_DISK=1
//	m, err := disk.Mount(ctx, backing, mountpoint, func(s disk.Site) { reg.Hit(name(s)) }) // *disk.Mounted
//	defer m.Close()
//	err = m.Enable(disk.SiteFsync, "sleep(800)") // in force when Enable returns
//	err = m.Disable(disk.SiteFsync)
//
// It is not a general FUSE library and not a fault catalog: names, members and
// proof of firing live in package failpoints; this package only evaluates terms
// where the IO happens. Reads served from the page cache and mmap reads of
// cached pages never reach the server, so the read site only sees cache misses;
// and a miss that serves a page fault of a mapped file is never held, whatever
// the term (a held page fault stops the Go runtime of the process that made it:
// see callerInSyscall), so the read site holds read(2)s only.
package disk
