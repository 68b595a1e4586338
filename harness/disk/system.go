package disk

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Available reports whether FUSE mounts can be made here: nil, or an error
// saying what is missing. Tests that need a mount skip with it.
func Available() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("disk faults need FUSE on Linux; this is %s", runtime.GOOS)
	}
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return errors.New("disk faults need FUSE: /dev/fuse missing")
	}
	if err != nil {
		return fmt.Errorf("disk faults need FUSE: %w", err)
	}
	_ = f.Close()
	if canMount() {
		return nil
	}
	if _, err := fusermount(); err == nil {
		return nil
	}
	return errors.New("disk faults need FUSE: no CAP_SYS_ADMIN to mount, and no fusermount or fusermount3 in PATH")
}

// canMount reports whether this process holds CAP_SYS_ADMIN, which a direct
// mount(2) of /dev/fuse needs.
func canMount() bool {
	const capSysAdmin = 21
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if hex, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			return err == nil && caps&(1<<capSysAdmin) != 0
		}
	}
	return false
}

func fusermount() (string, error) {
	for _, name := range []string{"fusermount3", "fusermount"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("no fusermount or fusermount3 in PATH")
}

// checkDirs resolves both directories and refuses nesting: the server reaches
// the backing directory by path, so a backing directory under its own mount
// (or a mount inside the directory it serves) would send the server's own IO
// back to itself and deadlock.
func checkDirs(backing, mountpoint string) (string, string, error) {
	var err error
	if backing, err = resolveDir("backing directory", backing); err != nil {
		return "", "", err
	}
	if mountpoint, err = resolveDir("mount point", mountpoint); err != nil {
		return "", "", err
	}
	if within(mountpoint, backing) || within(backing, mountpoint) {
		return "", "", fmt.Errorf("disk mount: backing directory %s and mount point %s must not contain each other", backing, mountpoint)
	}
	return backing, mountpoint, nil
}

func resolveDir(what, dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", fmt.Errorf("disk mount: %s %q: %w", what, dir, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return "", fmt.Errorf("disk mount: %s %q is not a directory", what, dir)
	}
	return abs, nil
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// isMounted reports whether one of our FUSE mounts sits at mountpoint, from
// /proc/self/mountinfo.
func isMounted(mountpoint string) (bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 4096), 1<<20)
	for lines.Scan() {
		// 36 35 0:42 / /mnt/x rw,nosuid - fuse.leaderfault /backing rw,...
		fields := strings.Fields(lines.Text())
		if len(fields) < 5 || unescapeMountinfo(fields[4]) != mountpoint {
			continue
		}
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) && fields[i+1] == "fuse."+fsType {
				return true, nil
			}
		}
	}
	return false, lines.Err()
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// lazyUnmount detaches mountpoint even though files are open on it (MNT_DETACH,
// or fusermount -u -z without the privilege).
func lazyUnmount(mountpoint string) error {
	if canMount() {
		if err := syscall.Unmount(mountpoint, syscall.MNT_DETACH); err != nil {
			return fmt.Errorf("lazy unmount %s: %w", mountpoint, err)
		}
		return nil
	}
	bin, err := fusermount()
	if err != nil {
		return fmt.Errorf("lazy unmount %s: %w", mountpoint, err)
	}
	if out, err := exec.Command(bin, "-u", "-z", mountpoint).CombinedOutput(); err != nil {
		return fmt.Errorf("lazy unmount %s: %s: %w", mountpoint, strings.TrimSpace(string(out)), err)
	}
	return nil
}
