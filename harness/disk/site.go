package disk

import (
	"fmt"
	"strings"

	"github.com/leaderfault/leaderfault/failpoints"
)

// Site is a kind of file operation on the mount where a fault term is evaluated,
// before the operation itself is done.
type Site string

// The sites. Each names the FUSE operations it covers.
const (
	SiteWrite Site = "write" // write, pwrite, copy_file_range into a file
	SiteFsync Site = "fsync" // fsync and fdatasync of files, fsync of directories
	SiteRead  Site = "read"  // read(2)s that miss the page cache; never page faults of an mmap
	SiteOpen  Site = "open"  // open and create of files (not directories)
	// SiteMmap is the reads that serve a page fault of a mapped file (bbolt
	// reads its database through mmap). Arming it first drops the mount's
	// cached pages, so that every later touch of a page faults and is held.
	// Only for a process that may freeze whole: a held page fault stops the
	// Go runtime of the process that made it (see callerInSyscall).
	SiteMmap Site = "mmap"
	// SiteDefrag is the creation of the temp file a bbolt defragmentation
	// copies into (etcd's "db.tmp.*", created once the defragmentation holds
	// the member's backend), before the open site. Held, it holds the
	// defragmentation, and the backend with it, for as long as the term says.
	SiteDefrag Site = "defrag"
)

// DefragTempPrefix begins the name of the file etcd creates in its data dir
// to defragment into (storage/backend defrag, os.CreateTemp "db.tmp.*").
const DefragTempPrefix = "db.tmp."

// Sites lists every site, in a fixed order.
func Sites() []Site { return []Site{SiteWrite, SiteFsync, SiteRead, SiteOpen, SiteMmap, SiteDefrag} }

// ParseSite returns the site named s, or an error listing the known sites.
func ParseSite(s string) (Site, error) {
	for _, site := range Sites() {
		if string(site) == s {
			return site, nil
		}
	}
	return "", fmt.Errorf("unknown disk site %q; known: %s", s, siteList())
}

func siteList() string {
	names := make([]string, 0, len(Sites()))
	for _, s := range Sites() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// parseDiskTerm validates term for a disk site. Besides the failpoints grammar
// it refuses return(...): a disk site delays or stalls IO, it has no value to
// return, and a term that "fires" without effect would be false proof.
func parseDiskTerm(site Site, term string) (failpoints.Term, error) {
	t, err := failpoints.ParseTerm(term)
	if err != nil {
		return t, fmt.Errorf("disk site %q: %w", site, err)
	}
	for i, st := range t.Chain {
		if st.Action == "return" {
			return t, fmt.Errorf("disk site %q: term %q, link %d: return has no meaning for disk IO; use sleep, pause, off or print\n%s",
				site, term, i+1, failpoints.Grammar)
		}
	}
	return t, nil
}

// withoutTrailingOff drops final "off" links: for a disk site they behave like
// "no link taken" (the operation goes ahead untouched), but pingcap/failpoint
// reports an off link as active, which would count as a hit. So
// "3*sleep(100)->off" reports three hits, not one per operation forever.
// A validated term ending in "->off" can only end with an off link: a quoted
// value would end in `")`.
func withoutTrailingOff(term string) string {
	for strings.HasSuffix(term, "->off") {
		term = strings.TrimSuffix(term, "->off")
	}
	return term
}
