// Package memberclient keeps one etcd client per member, each knowing only
// its member, so that a request goes exactly where its caller sends it: the
// robust advancer and the checkpoint writer choose members themselves.
package memberclient

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/advancer"
)

// Set is one client per member, each knowing only its member, so a
// request goes exactly where the caller sends it (the robust advancer and the
// writer choose members themselves).
type Set struct {
	Endpoints []string
	Clients   []*clientv3.Client
}

// Index is the position of endpoint ep in the set, 0 when it is not one.
func (mc *Set) Index(ep string) int {
	for i, e := range mc.Endpoints {
		if e == ep {
			return i
		}
	}
	return 0
}

// Close closes every client.
func (mc *Set) Close() {
	for _, c := range mc.Clients {
		c.Close()
	}
}

// Read is one successful checkpoint read.
type Read struct {
	Member   int    // index of the member that answered
	Value    uint64 // 0 when the key does not exist
	ModRev   int64  // the key's ModRevision (0 when absent)
	Revision int64  // the response header's revision
}

// quorumRead sends a linearizable read of key to every member at once and
// returns the first answer within timeout. A linearizable answer proves that
// member was caught up with the leader at the time of the read, so its
// revision is a quorum revision, unlike a watch's progress revision (local to
// its member). WithRequireLeader makes a leaderless member fail at once
// instead of holding the read until the deadline.
func (mc *Set) QuorumRead(ctx context.Context, key string, timeout time.Duration) (Read, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		r   Read
		err error
	}
	answers := make(chan answer, len(mc.Clients))
	var wg sync.WaitGroup
	for i, cli := range mc.Clients {
		wg.Go(func() {
			r, err := ReadCheckpoint(clientv3.WithRequireLeader(ctx), cli.KV, key)
			r.Member = i
			if err != nil {
				err = fmt.Errorf("%s: %w", mc.Endpoints[i], err)
			}
			answers <- answer{r, err}
		})
	}
	// The losers return as soon as ctx is cancelled; wait for them so that no
	// goroutine outlives the call.
	defer func() {
		cancel()
		wg.Wait()
	}()
	var errs []error
	for range mc.Clients {
		a := <-answers
		if a.err == nil {
			return a.r, nil
		}
		errs = append(errs, a.err)
	}
	return Read{}, fmt.Errorf("quorum read: no member answered within %v: %w", timeout, JoinInline(errs))
}

// JoinInline joins errors on one line ("a; b"), so each stays readable in a
// timeline, and keeps them for errors.Is.
func JoinInline(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return inlineErrors(errs)
}

type inlineErrors []error

func (e inlineErrors) Error() string {
	parts := make([]string, len(e))
	for i, err := range e {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

func (e inlineErrors) Unwrap() []error { return e }

// ReadCheckpoint reads key and decodes it. An absent key reads as 0, as in BR.
func ReadCheckpoint(ctx context.Context, kv clientv3.KV, key string) (Read, error) {
	resp, err := kv.Get(ctx, key)
	if err != nil {
		return Read{}, err
	}
	r := Read{Revision: resp.Header.Revision}
	if len(resp.Kvs) == 0 {
		return r, nil
	}
	r.Value, err = advancer.DecodeCheckpoint(resp.Kvs[0].Value)
	r.ModRev = resp.Kvs[0].ModRevision
	return r, err
}

// New makes one client per endpoint, each with the configuration configFor
// gives it (whose Endpoints must be that endpoint alone).
func New(configFor func(endpoint string) clientv3.Config, endpoints []string) (*Set, error) {
	mc := &Set{Endpoints: append([]string(nil), endpoints...)}
	for _, ep := range endpoints {
		cli, err := clientv3.New(configFor(ep))
		if err != nil {
			mc.Close()
			return nil, fmt.Errorf("client for %s: %w", ep, err)
		}
		mc.Clients = append(mc.Clients, cli)
	}
	return mc, nil
}
