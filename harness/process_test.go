package harness

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/harness/disk"
	"github.com/leaderfault/leaderfault/internal/admission"

	"github.com/leaderfault/leaderfault/record"
)

// processRelease is the release the process-backend tests run: the one this
// binary links, so that both backends run the same etcd.
func processRelease(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	v := EtcdVersion()
	_, err := PrepareRelease(ctx, v)
	require.NoError(t, err, "building etcd %s for members as processes", v)
	return v
}

// TestProcessMembersLeadCrashAndPause runs a cluster of child processes
// through what the embedded backend does (a write, a leader transfer, a
// crash and restart) and what only processes can do: SIGSTOP of the leader,
// after which the others elect a new one, and SIGCONT on heal, after which the
// paused member follows it.
func TestProcessMembersLeadCrashAndPause(t *testing.T) {
	started := admitted(t)
	c := StartT(t, Options{Release: processRelease(t)})
	started()
	ctx := ctxT(t, 60*time.Second)
	assert.Nil(t, c.Members()[0].Server(), "a process member has no in-process server")
	assert.Contains(t, c.EtcdDescription(), "as processes")
	rev := writeN(t, c, 5)

	// A leader transfer through the client API.
	old := c.Leader()
	to := othersOf(c, old)[0]
	require.NoError(t, c.MoveLeader(ctx, to))
	assert.Equal(t, to, c.Leader())

	// Crash: SIGKILL, a new leader, restart on the same ports and data.
	lead := c.Leader()
	in, err := c.Inject(ctx, Crash{}, Leader)
	require.NoError(t, err)
	assert.Equal(t, StateCrashed, lead.State())
	_, err = c.WaitNewLeader(ctx, lead)
	require.NoError(t, err)
	require.NoError(t, in.Heal(ctx))
	require.True(t, lead.Running())
	require.NoError(t, lead.waitRevision(ctx, rev))

	// Pause: the process is stopped, the others elect a leader without it,
	// and after SIGCONT it follows that leader.
	lead = c.Leader()
	pid := lead.server().(*process).cmd.Process.Pid
	in, err = c.Inject(ctx, Pause{}, Leader)
	require.NoError(t, err)
	require.True(t, in.Fired())
	st, err := procState(pid)
	require.NoError(t, err)
	assert.Equal(t, byte('T'), st, "the paused process is stopped")
	nl, err := c.WaitNewLeader(ctx, lead)
	require.NoError(t, err)
	assert.NotEqual(t, lead, nl)
	cli, err := nl.DirectClient()
	require.NoError(t, err)
	_, err = cli.Put(ctx, "leaderfault/after-pause", "v")
	require.NoError(t, err, "the others serve writes while the leader is paused")
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, c.waitFollows(ctx, lead))
	require.NoError(t, c.CheckWhole(ctx))
	assert.NotEmpty(t, c.Recorder().OfKind(record.KindMemberCrash))
}

// TestPauseNeedsProcesses: an in-process member cannot be paused, and says why.
func TestPauseNeedsProcesses(t *testing.T) {
	c := StartT(t, Options{Members: 1})
	_, err := c.Inject(ctxT(t, 10*time.Second), Pause{}, Leader)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pause needs members that run as processes")
}

// TestProcessMembersDieWithTheirParent: members are started with a parent
// death signal, so killing the process that started them (here a child
// test binary running one cluster) kills them too.
func TestProcessMembersDieWithTheirParent(t *testing.T) {
	if os.Getenv("LEADERFAULT_PROCESS_CHILD") == "1" {
		c := StartT(t, Options{Members: 1, Release: EtcdVersion()})
		pid := c.Members()[0].server().(*process).cmd.Process.Pid
		os.Stdout.WriteString("member-pid " + strconv.Itoa(pid) + "\n")
		select {} // killed by the parent test
	}
	processRelease(t)
	pid := runChildUntilLine(t, "TestProcessMembersDieWithTheirParent", "member-pid ")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); os.IsNotExist(err) {
			return
		}
		if st, err := procState(pid); err == nil && st == 'Z' {
			return // dead, waiting for its reaper (init)
		}
		require.True(t, time.Now().Before(deadline), "member process %d outlived its parent by 10 s", pid)
		time.Sleep(10 * time.Millisecond)
	}
}

// runChildUntilLine runs this test binary's test name as a child with
// LEADERFAULT_PROCESS_CHILD=1, reads its output until a line starting with
// prefix, SIGKILLs it and returns the number after the prefix.
func runChildUntilLine(t *testing.T, name, prefix string) int {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	ctx := ctxT(t, 60*time.Second)
	cmd := exec.CommandContext(ctx, exe, "-test.run", "^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), "LEADERFAULT_PROCESS_CHILD=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), prefix); ok {
			n, err := strconv.Atoi(strings.TrimSpace(rest))
			require.NoError(t, err)
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			return n
		}
	}
	require.Fail(t, "the child ended without printing "+prefix)
	return 0
}

// TestPageFaultStallHangsEveryRead: on a member that runs as a process, the
// mmap disk site (armed by disk-stall reads=all) holds the reads that serve
// page faults of bbolt's mmap, after dropping the cached pages: armed alone,
// with writes and fsyncs going through, it makes a serializable read, which
// etcd serves from the mmap, hang until disarmed. The stall with it fires.
func TestPageFaultStallHangsEveryRead(t *testing.T) {
	SkipWithoutDisk(t)
	started := admitted(t)
	c := StartT(t, Options{Release: processRelease(t), Disk: true})
	started()
	ctx := ctxT(t, 60*time.Second)
	rev := writeN(t, c, 50)
	victim := othersOf(c, c.Leader())[0]
	cli, err := victim.DirectClient()
	require.NoError(t, err)
	// etcd answers a key from its buffer of writes not yet committed to
	// bbolt (every 100 ms); a physical compaction through the victim
	// returns once the victim has committed its backend.
	_, err = cli.Compact(ctx, rev, clientv3.WithCompactPhysical())
	require.NoError(t, err)
	read := func(d time.Duration) error {
		rctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		_, err := cli.Get(rctx, "leaderfault/", clientv3.WithPrefix(), clientv3.WithSerializable())
		return err
	}
	require.NoError(t, read(5*time.Second))

	point := diskPointName(victim.Name(), disk.SiteMmap)
	mark := c.Recorder().Len()
	require.NoError(t, c.Failpoints().Enable(point, "pause"))
	err = read(2 * time.Second)
	require.Error(t, err, "with page faults held a serializable read hangs")
	assert.True(t, clientv3IsDeadline(err), "the read timed out: %v", err)
	_, err = c.Recorder().Wait(ctx, mark, func(e record.Event) bool {
		return e.Kind == record.KindFailpointHit && e.Name == point
	})
	require.NoError(t, err, "a page fault was held")
	require.NoError(t, c.Failpoints().Disable(point))
	require.NoError(t, read(10*time.Second), "answered again once released")

	in, err := c.Inject(ctx, DiskStall{PageFaults: true}, Named(victim.Name()))
	require.NoError(t, err)
	require.Error(t, read(time.Second))
	assert.True(t, in.Fired())
	require.NoError(t, in.Heal(ctx))
	require.NoError(t, read(10*time.Second))
	require.NoError(t, c.CheckWhole(ctx))
}

// TestPageFaultStallNeedsProcesses: in this process a held page fault would
// freeze everything, so the stall refuses, and says why.
func TestPageFaultStallNeedsProcesses(t *testing.T) {
	SkipWithoutDisk(t)
	c := StartT(t, Options{Members: 1, Disk: true})
	_, err := c.Inject(ctxT(t, 10*time.Second), DiskStall{PageFaults: true}, Leader)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs members that run as processes")
}

// admitted holds an admission lease (internal/admission) for the rest of a
// test that loads the machine like a scenario run: its own clusters, child
// processes or a bulk of data. Catalog runs in other packages' tests going at
// the same time are admitted by measured headroom, which cannot foresee a test
// that starts after them; with the lease they count it. Call it before the
// cluster starts; the lease counts as starting until started is called.
func admitted(t *testing.T) (started func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	lease, err := admission.Admit(ctx, admission.Request{Length: 10 * time.Second})
	require.NoError(t, err, "admission")
	t.Cleanup(lease.Release)
	return lease.Started
}
