package disk

import (
	"context"
	"strings"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// faultNode is go-fuse's loopback node with a fault site in front of open and
// create. Everything else (lookup, rename, mkdir, xattrs…) is the loopback's.
type faultNode struct {
	*fs.LoopbackNode
	inj *injector
}

func newRootNode(backing string, inj *injector) (*faultNode, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(backing, &st); err != nil {
		return nil, err
	}
	data := &fs.LoopbackRoot{Path: backing, Dev: uint64(st.Dev)}
	root := &faultNode{LoopbackNode: &fs.LoopbackNode{RootData: data}, inj: inj}
	data.RootNode = root
	return root, nil
}

// The operations with a fault site; every other one is the loopback's own.
var (
	_ fs.NodeWrapChilder    = (*faultNode)(nil)
	_ fs.NodeOpener         = (*faultNode)(nil)
	_ fs.NodeCreater        = (*faultNode)(nil)
	_ fs.NodeTmpfiler       = (*faultNode)(nil)
	_ fs.NodeOpendirHandler = (*faultNode)(nil)
	_ fs.NodeCopyFileRanger = (*faultNode)(nil)
	_ fs.FileReader         = (*faultFile)(nil)
	_ fs.FileWriter         = (*faultFile)(nil)
	_ fs.FileWritever       = (*faultFile)(nil)
	_ fs.FileFsyncer        = (*faultFile)(nil)
	_ fs.FileFsyncdirer     = (*faultDir)(nil)
)

// WrapChild makes every node the loopback creates a faultNode too.
func (n *faultNode) WrapChild(ctx context.Context, ops fs.InodeEmbedder) fs.InodeEmbedder {
	if ln, ok := ops.(*fs.LoopbackNode); ok {
		return &faultNode{LoopbackNode: ln, inj: n.inj}
	}
	return ops
}

// Open evaluates the open site, then opens.
func (n *faultNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if errno := n.inj.inject(ctx, SiteOpen); errno != 0 {
		return nil, 0, errno
	}
	fh, fuseFlags, errno := n.LoopbackNode.Open(ctx, flags)
	if errno == 0 {
		n.inj.opened(n.EmbeddedInode())
	}
	return n.wrap(fh), fuseFlags, errno
}

// Create evaluates the defrag site for a defragmentation's temp file, and
// the open site, then creates.
func (n *faultNode) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if strings.HasPrefix(name, DefragTempPrefix) {
		if errno := n.inj.inject(ctx, SiteDefrag); errno != 0 {
			return nil, nil, 0, errno
		}
	}
	if errno := n.inj.inject(ctx, SiteOpen); errno != 0 {
		return nil, nil, 0, errno
	}
	ino, fh, fuseFlags, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno == 0 && ino != nil {
		n.inj.opened(ino)
	}
	return ino, n.wrap(fh), fuseFlags, errno
}

// Tmpfile evaluates the open site, then makes an O_TMPFILE file.
func (n *faultNode) Tmpfile(ctx context.Context, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if errno := n.inj.inject(ctx, SiteOpen); errno != 0 {
		return nil, nil, 0, errno
	}
	ino, fh, fuseFlags, errno := n.LoopbackNode.Tmpfile(ctx, flags, mode, out)
	return ino, n.wrap(fh), fuseFlags, errno
}

// OpendirHandle opens a directory whose fsync is a fault site (etcd fsyncs the
// WAL directory after creating and renaming files).
func (n *faultNode) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fuseFlags, errno := n.LoopbackNode.OpendirHandle(ctx, flags)
	if d, ok := fh.(loopbackDir); ok {
		return &faultDir{loopbackDir: d, inj: n.inj}, fuseFlags, errno
	}
	return fh, fuseFlags, errno
}

// CopyFileRange evaluates the write site and hands the loopback its own handles.
func (n *faultNode) CopyFileRange(ctx context.Context, fhIn fs.FileHandle, offIn uint64, out *fs.Inode, fhOut fs.FileHandle, offOut uint64, length uint64, flags uint64) (uint32, syscall.Errno) {
	if errno := n.inj.inject(ctx, SiteWrite); errno != 0 {
		return 0, errno
	}
	return n.LoopbackNode.CopyFileRange(ctx, unwrap(fhIn), offIn, out, unwrap(fhOut), offOut, length, flags)
}

func (n *faultNode) wrap(fh fs.FileHandle) fs.FileHandle {
	if lf, ok := fh.(*fs.LoopbackFile); ok {
		return &faultFile{lf: lf, inj: n.inj}
	}
	return fh
}

func unwrap(fh fs.FileHandle) fs.FileHandle {
	if f, ok := fh.(*faultFile); ok {
		return f.lf
	}
	return fh
}

// fsyncFdatasync is FUSE_FSYNC_FDATASYNC of linux/fuse.h: the fsync was an fdatasync.
const fsyncFdatasync = 1

// faultFile forwards to a loopback file, with fault sites in front of read,
// write and fsync. It lists its methods one by one instead of embedding
// *fs.LoopbackFile on purpose: embedding would also promote PassthroughFd, and
// with FUSE passthrough (Linux ≥ 6.9, root) the kernel would then read and write
// the backing file itself, never asking us.
type faultFile struct {
	lf  *fs.LoopbackFile
	inj *injector
}

// Read evaluates the read site for reads made by a system call (read(2),
// pread...), and the mmap site for the others: reads that serve a page fault
// (an mmap, such as bbolt's, touching a page that is not cached) or the
// kernel's readahead. See callerInSyscall.
func (f *faultFile) Read(ctx context.Context, buf []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if f.inj.armed(SiteRead) || f.inj.armed(SiteMmap) {
		site := SiteMmap
		if callerInSyscall(ctx) {
			site = SiteRead
		}
		if errno := f.inj.inject(ctx, site); errno != 0 {
			return nil, errno
		}
	}
	return f.lf.Read(ctx, buf, off)
}

func (f *faultFile) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if errno := f.inj.inject(ctx, SiteWrite); errno != 0 {
		return 0, errno
	}
	return f.lf.Write(ctx, data, off)
}

func (f *faultFile) Writev(ctx context.Context, data [][]byte, off int64) (uint32, syscall.Errno) {
	if errno := f.inj.inject(ctx, SiteWrite); errno != 0 {
		return 0, errno
	}
	return f.lf.Writev(ctx, data, off)
}

// Fsync keeps fdatasync an fdatasync (the loopback would turn it into a full
// fsync): etcd's WAL and bbolt both use fdatasync.
func (f *faultFile) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if errno := f.inj.inject(ctx, SiteFsync); errno != 0 {
		return errno
	}
	if flags&fsyncFdatasync == 0 {
		return f.lf.Fsync(ctx, flags)
	}
	// The descriptor stays open while this request runs: go-fuse releases a
	// file only after its in-flight operations are done.
	fd, ok := f.lf.PassthroughFd()
	if !ok {
		return syscall.EBADF
	}
	return fs.ToErrno(unix.Fdatasync(fd))
}

func (f *faultFile) Release(ctx context.Context) syscall.Errno { return f.lf.Release(ctx) }
func (f *faultFile) Flush(ctx context.Context) syscall.Errno   { return f.lf.Flush(ctx) }
func (f *faultFile) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	return f.lf.Getattr(ctx, out)
}
func (f *faultFile) Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.lf.Setattr(ctx, in, out)
}
func (f *faultFile) Statx(ctx context.Context, flags, mask uint32, out *fuse.StatxOut) syscall.Errno {
	return f.lf.Statx(ctx, flags, mask, out)
}
func (f *faultFile) Lseek(ctx context.Context, off uint64, whence uint32) (uint64, syscall.Errno) {
	return f.lf.Lseek(ctx, off, whence)
}
func (f *faultFile) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	return f.lf.Allocate(ctx, off, size, mode)
}
func (f *faultFile) Getlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	return f.lf.Getlk(ctx, owner, lk, flags, out)
}
func (f *faultFile) Setlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return f.lf.Setlk(ctx, owner, lk, flags)
}
func (f *faultFile) Setlkw(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return f.lf.Setlkw(ctx, owner, lk, flags)
}
func (f *faultFile) Ioctl(ctx context.Context, cmd uint32, arg uint64, input, output []byte) (int32, syscall.Errno) {
	return f.lf.Ioctl(ctx, cmd, arg, input, output)
}

// loopbackDir is what go-fuse's loopback directory stream implements.
type loopbackDir interface {
	fs.DirStream
	fs.FileReaddirenter
	fs.FileSeekdirer
	fs.FileReleasedirer
	fs.FileFsyncdirer
}

// faultDir is a loopback directory stream whose fsync is the fsync site.
type faultDir struct {
	loopbackDir
	inj *injector
}

func (d *faultDir) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno {
	if errno := d.inj.inject(ctx, SiteFsync); errno != 0 {
		return errno
	}
	return d.loopbackDir.Fsyncdir(ctx, flags)
}
