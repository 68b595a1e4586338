package harness

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/record"
)

// Compact compacts the cluster's history up to its current revision,
// physically, through the member it is applied to (as an operator, or the
// Kubernetes apiserver's compactor every 5 minutes, does). It takes effect
// when the compaction passes the newest revision the advancer has observed:
// a watch the advancer resumes from there is then cancelled with
// ErrCompacted (docs/facts.md §3.13). Healing it does nothing.
type Compact struct{}

// Kind implements Fault.
func (Compact) Kind() string { return "compact" }

// Apply implements Fault.
func (Compact) Apply(ctx context.Context, c *Cluster, m *Member, fired func()) (Effect, error) {
	cli, err := m.DirectClient()
	if err != nil {
		return nil, err
	}
	resp, err := cli.Get(ctx, "compact-probe", clientv3.WithCountOnly())
	if err != nil {
		return nil, fmt.Errorf("compact: current revision: %w", err)
	}
	rev := resp.Header.Revision
	if _, err := cli.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		return nil, fmt.Errorf("compact at revision %d: %w", rev, err)
	}
	seen := newestAdvance(c.rec.Events())
	c.rec.Add(record.KindNote, m.name, "compacted the history to revision %d; the advancer last observed revision %d", rev, seen)
	if rev > seen {
		fired()
	}
	return effectFunc(func(context.Context) error { return nil }), nil
}

// newestAdvance is the revision of the newest value the advancer observed.
func newestAdvance(ev []record.Event) int64 {
	var rev int64
	var val uint64
	for _, e := range ev {
		if e.Kind == record.KindAdvance && e.Value > val {
			val, rev = e.Value, e.Revision
		}
	}
	return rev
}
