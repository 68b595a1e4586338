package harness

import (
	"fmt"
	"strings"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Leader changes are taken from raft's own notifications: etcd's raft node
// logs "raft.node: <id> elected leader <id> at term <t>" and "... lost leader
// ..." and "... changed leader from <id> to <id> ..." at the instant its soft
// state changes — including the loss of a leader,
// which etcd's LeaderChangedNotify does not signal. A zap core that sees these
// entries turns them into events with no polling.

// raftObserver receives leader changes parsed from a member's raft log.
type raftObserver func(elected bool, leaderID, term uint64)

// logBuffer keeps the most recent warnings and errors of every member, to be
// shown when a test fails.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
	max   int
}

func (b *logBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.lines) >= b.max {
		copy(b.lines, b.lines[1:])
		b.lines = b.lines[:len(b.lines)-1]
	}
	b.lines = append(b.lines, line)
}

func (b *logBuffer) dump() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...)
}

// memberCore is a zapcore.Core that parses raft leader notifications and keeps
// warnings in a logBuffer; everything else is dropped.
type memberCore struct {
	member string
	fields []zapcore.Field
	buf    *logBuffer
	obs    raftObserver
}

func newMemberLogger(member string, buf *logBuffer, obs raftObserver) *zap.Logger {
	return zap.New(&memberCore{member: member, buf: buf, obs: obs})
}

func (c *memberCore) Enabled(l zapcore.Level) bool { return l >= zapcore.InfoLevel }

func (c *memberCore) With(fields []zapcore.Field) zapcore.Core {
	cp := *c
	cp.fields = append(append([]zapcore.Field(nil), c.fields...), fields...)
	return &cp
}

func (c *memberCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if e.Level >= zapcore.WarnLevel || strings.HasPrefix(e.Message, "raft.node: ") {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *memberCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	if observeRaftMessage(e.Message, c.obs) {
		return nil
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range append(c.fields, fields...) {
		f.AddTo(enc)
	}
	c.buf.add(fmt.Sprintf("%s %s %-5s %s %v", e.Time.Format("15:04:05.000"), c.member, e.Level.CapitalString(), e.Message, enc.Fields))
	return nil
}

func (c *memberCore) Sync() error { return nil }

// observeRaftMessage passes a raft leader notification to obs and reports
// whether msg was a raft.node line.
func observeRaftMessage(msg string, obs raftObserver) bool {
	if !strings.HasPrefix(msg, "raft.node: ") {
		return false
	}
	var self, lead, term, old uint64
	if n, _ := fmt.Sscanf(msg, "raft.node: %x elected leader %x at term %d", &self, &lead, &term); n == 3 {
		obs(true, lead, term)
	} else if n, _ := fmt.Sscanf(msg, "raft.node: %x changed leader from %x to %x at term %d", &self, &old, &lead, &term); n == 4 {
		obs(true, lead, term)
	} else if n, _ := fmt.Sscanf(msg, "raft.node: %x lost leader %x at term %d", &self, &lead, &term); n == 3 {
		obs(false, lead, term)
	}
	return true
}
