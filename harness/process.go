package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/client/pkg/v3/types"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/record"
)

// process is a member's etcd as a child process: the release's own etcdmain
// (Options.Release), on reserved ports, its data dir where the embedded
// member would have it (on the FUSE mount with Disk). What the harness learns
// in process from an embedded member it learns here from the member's JSON log
// on stderr (leader changes, readiness, warnings) and its client API (indexes,
// membership, leader transfer), through a client of its own that bypasses
// the proxies.
type process struct {
	m      *Member
	cmd    *exec.Cmd
	cli    *clientv3.Client
	client string // host:port
	peer   string

	readyc    chan struct{} // closed at "ready to serve client requests"
	readyOnce sync.Once
	// peerServing is closed at "serving peer traffic".
	peerServing chan struct{}
	peerOnce    sync.Once
	exited      chan struct{} // closed when the process is gone
	exitErr     error
	logsDone    chan struct{}

	mu      sync.Mutex
	stopped bool // we ended it
	paused  bool
}

func startProcess(m *Member, initial bool) (*process, error) {
	bin := m.c.etcdBin
	if m.ports == nil {
		for range 2 {
			p, err := reservePort()
			if err != nil {
				return nil, err
			}
			m.ports = append(m.ports, p)
		}
	}
	client, peer := m.ports[0].addr(), m.ports[1].addr()
	state := "new"
	if !initial {
		state = "existing"
	}
	p := m.c.opts.Profile
	args := []string{
		"--name", m.name,
		"--data-dir", m.dataDir,
		"--listen-client-urls", "http://" + client,
		"--advertise-client-urls", m.client.URL(),
		"--listen-peer-urls", "http://" + peer,
		"--initial-advertise-peer-urls", m.peer.URL(),
		"--initial-cluster", m.c.initialCluster(),
		"--initial-cluster-token", m.c.token,
		"--initial-cluster-state", state,
		"--heartbeat-interval", strconv.Itoa(int(p.Tick / time.Millisecond)),
		"--election-timeout", strconv.Itoa(int(p.Election / time.Millisecond)),
		"--pre-vote=true",
		"--socket-reuse-port=true",
		"--logger", "zap", "--log-outputs", "stderr", "--log-level", "info",
		"--metrics", "basic",
	}
	if !m.c.opts.Disk {
		args = append(args, "--unsafe-no-fsync=true")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + m.c.dir, "GOMAXPROCS=2"}
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	end, err := spawn(cmd)
	if err != nil {
		return nil, err
	}
	s := &process{
		m: m, cmd: cmd, client: client, peer: peer,
		readyc: make(chan struct{}), peerServing: make(chan struct{}), exited: make(chan struct{}), logsDone: make(chan struct{}),
	}
	go s.readLog(stderr)
	go func() {
		<-s.logsDone // Wait closes the pipe: read it all first
		s.exitErr = cmd.Wait()
		end()
		close(s.exited)
		s.onExit()
	}()
	cli, err := newDirectClient(client)
	if err != nil {
		s.stop(true)
		return nil, err
	}
	s.cli = cli
	return s, nil
}

// logLine is the part of a zap JSON line the harness reads.
type logLine struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
}

// readLog follows the member's log: raft's leader notifications, the line
// that says it serves, and warnings for the failure dump.
func (s *process) readLog(r io.Reader) {
	defer close(s.logsDone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			s.m.c.logs.add(fmt.Sprintf("%s %s %s", time.Now().Format("15:04:05.000"), s.m.name, sc.Text()))
			continue
		}
		switch {
		case observeRaftMessage(l.Msg, s.m.observeRaft):
		case l.Msg == "ready to serve client requests":
			s.readyOnce.Do(func() { close(s.readyc) })
		case l.Msg == "serving peer traffic":
			s.peerOnce.Do(func() { close(s.peerServing) })
		case l.Level == "warn" || l.Level == "error" || l.Level == "fatal" || l.Level == "panic":
			s.m.c.logs.add(fmt.Sprintf("%s %s %-5s %s", time.Now().Format("15:04:05.000"), s.m.name, strings.ToUpper(l.Level), sc.Text()))
		}
	}
}

// onExit records a process that ended without being told to and marks its
// member crashed, so that it can be restarted.
func (s *process) onExit() {
	s.mu.Lock()
	told := s.stopped
	s.mu.Unlock()
	if told {
		return
	}
	m := s.m
	m.mu.Lock()
	mine := m.srv == server(s)
	if mine {
		m.srv, m.state, m.lead, m.term = nil, StateCrashed, 0, 0
	}
	direct := m.direct
	if mine {
		m.direct = nil
	}
	m.mu.Unlock()
	if !mine {
		return
	}
	if direct != nil {
		direct.Close()
	}
	s.cli.Close()
	for _, p := range m.proxies() {
		p.setBackend("")
		p.resetConns()
	}
	m.c.rec.Add(record.KindMemberCrash, m.name, "etcd exited by itself: %v", s.exitErr)
	m.c.notify()
}

func (s *process) clientAddr() string { return s.client }
func (s *process) peerAddr() string   { return s.peer }

func (s *process) ready(ctx context.Context) error {
	select {
	case <-s.readyc:
		return nil
	case <-s.exited:
		return fmt.Errorf("exited while starting: %v (its log: see the failure dump)", s.exitErr)
	case <-ctx.Done():
		return fmt.Errorf("not ready: %w", ctx.Err())
	}
}

// gracefulStopWait bounds a graceful stop: etcd transfers leadership first,
// within an election timeout or so; a member that does not exit by then is
// killed.
const gracefulStopWait = 30 * time.Second

func (s *process) stop(hard bool) {
	s.mu.Lock()
	s.stopped = true
	paused := s.paused
	s.paused = false
	s.mu.Unlock()
	if s.cli != nil {
		s.cli.Close()
	}
	if hard {
		_ = s.cmd.Process.Kill()
	} else {
		if paused {
			_ = s.cmd.Process.Signal(syscall.SIGCONT)
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
	}
	t := time.NewTimer(gracefulStopWait)
	defer t.Stop()
	select {
	case <-s.exited:
	case <-t.C:
		s.m.c.rec.Add(record.KindNote, s.m.name, "etcd did not exit %v after SIGTERM: killed", gracefulStopWait)
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *process) status(ctx context.Context) (*clientv3.StatusResponse, error) {
	return s.cli.Status(ctx, "http://"+s.client)
}

func (s *process) appliedIndex(ctx context.Context) (uint64, error) {
	st, err := s.status(ctx)
	if err != nil {
		return 0, err
	}
	return st.RaftAppliedIndex, nil
}

// settledIndex asks the member's status once per raft tick until its applied
// index reaches its committed index.
func (s *process) settledIndex(ctx context.Context) (uint64, error) {
	for {
		st, err := s.status(ctx)
		if err == nil && st.RaftAppliedIndex >= st.RaftIndex {
			return st.RaftAppliedIndex, nil
		}
		select {
		case <-time.After(s.m.c.opts.Profile.Tick):
		case <-ctx.Done():
			return 0, fmt.Errorf("applying committed entries: %w", errors.Join(ctx.Err(), err))
		}
	}
}

func (s *process) moveLeader(ctx context.Context, _, to types.ID) error {
	_, err := s.cli.MoveLeader(ctx, uint64(to))
	return err
}

// membership asks the member itself with a MemberList request that leaves
// Linearizable unset: served from its own view on every line (v3.6 added the
// field; v3.5 always answers locally).
func (s *process) membership(ctx context.Context) ([]memberView, error) {
	conn := s.cli.ActiveConnection()
	resp, err := pb.NewClusterClient(conn).MemberList(ctx, &pb.MemberListRequest{})
	if err != nil {
		return nil, err
	}
	var out []memberView
	for _, k := range resp.Members {
		out = append(out, memberView{id: types.ID(k.ID), name: k.Name, clientURLs: k.ClientURLs})
	}
	return out, nil
}

// barrier is a linearizable read: a ReadIndex, like LinearizableReadNotify.
func (s *process) barrier(ctx context.Context) error {
	_, err := s.cli.Get(ctx, "leaderfault/probe", clientv3.WithCountOnly())
	return err
}

// pause stops the process (SIGSTOP) and returns once the kernel says it is
// stopped; resume continues it (SIGCONT).
func (s *process) pause(ctx context.Context) error {
	s.mu.Lock()
	s.paused = true
	s.mu.Unlock()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	for {
		st, err := procState(s.cmd.Process.Pid)
		if err != nil {
			return err
		}
		if st == 'T' {
			return nil
		}
		select {
		case <-time.After(time.Millisecond):
		case <-s.exited:
			return fmt.Errorf("exited: %v", s.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("not stopped (state %c): %w", st, ctx.Err())
		}
	}
}

func (s *process) resume() error {
	s.mu.Lock()
	was := s.paused
	s.paused = false
	s.mu.Unlock()
	if !was {
		return nil
	}
	return s.cmd.Process.Signal(syscall.SIGCONT)
}

// procState is the state letter of /proc/PID/stat (proc(5)): R, S, D, T...
func procState(pid int) (byte, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return 0, fmt.Errorf("/proc/%d/stat: no state in %q", pid, b)
	}
	return b[i+2], nil
}
