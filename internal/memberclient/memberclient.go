// Package memberclient keeps one etcd client per member, each knowing only
// its member, so that a request goes exactly where its caller sends it: the
// robust advancer and the checkpoint writer choose members themselves.
package memberclient

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/advancer"
)

// Set is one client per member, each knowing only its member, so a
// request goes exactly where the caller sends it (the robust advancer and the
// writer choose members themselves). Members are known by position, from 0;
// Add appends, so a position never changes. Safe for concurrent use.
type Set struct {
	configFor func(endpoint string) clientv3.Config

	mu        sync.RWMutex
	endpoints []string
	clients   []*clientv3.Client
}

// Len is the number of members in the set.
func (mc *Set) Len() int {
	mc.mu.RLock()
	defer mc.mu.RUnlock()
	return len(mc.clients)
}

// Endpoint is member i's endpoint.
func (mc *Set) Endpoint(i int) string {
	mc.mu.RLock()
	defer mc.mu.RUnlock()
	return mc.endpoints[i]
}

// Client is member i's client.
func (mc *Set) Client(i int) *clientv3.Client {
	mc.mu.RLock()
	defer mc.mu.RUnlock()
	return mc.clients[i]
}

// Index is the position of endpoint ep in the set, 0 when it is not one.
func (mc *Set) Index(ep string) int {
	mc.mu.RLock()
	defer mc.mu.RUnlock()
	if i := slices.Index(mc.endpoints, ep); i >= 0 {
		return i
	}
	return 0
}

// Add makes a client for each endpoint the set lacks and returns those
// endpoints.
func (mc *Set) Add(endpoints ...string) ([]string, error) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	var added []string
	for _, ep := range endpoints {
		if ep == "" || slices.Contains(mc.endpoints, ep) {
			continue
		}
		cli, err := clientv3.New(mc.configFor(ep))
		if err != nil {
			return added, fmt.Errorf("client for %s: %w", ep, err)
		}
		mc.endpoints = append(mc.endpoints, ep)
		mc.clients = append(mc.clients, cli)
		added = append(added, ep)
	}
	return added, nil
}

// snapshot is the set's endpoints and clients now.
func (mc *Set) snapshot() ([]string, []*clientv3.Client) {
	mc.mu.RLock()
	defer mc.mu.RUnlock()
	return slices.Clone(mc.endpoints), slices.Clone(mc.clients)
}

// Close closes every client.
func (mc *Set) Close() {
	_, clients := mc.snapshot()
	for _, c := range clients {
		c.Close()
	}
}

// MemberURLs is the client URLs of the cluster's members as the first member
// to answer lists them, every member asked at once within timeout. The list
// is each member's own view (a serializable MemberList: answered without a
// leader); a member added but not started yet has no URL in it.
func (mc *Set) MemberURLs(ctx context.Context, timeout time.Duration) ([]string, error) {
	urls, _, err := first(ctx, mc, timeout, func(ctx context.Context, cli *clientv3.Client) ([]string, error) {
		resp, err := clientv3.RetryClusterClient(cli).MemberList(ctx, &etcdserverpb.MemberListRequest{Linearizable: false})
		if err != nil {
			return nil, err
		}
		var urls []string
		for _, m := range resp.Members {
			urls = append(urls, m.ClientURLs...)
		}
		return urls, nil
	})
	if err != nil {
		return nil, fmt.Errorf("member list: %w", err)
	}
	return urls, nil
}

// first asks every member of the set at once and returns the first answer
// without an error, and which member gave it, or every member's error once
// all have failed or timeout has passed. The losers return as soon as their
// ctx is cancelled; first waits for them, so no goroutine outlives the call.
func first[T any](ctx context.Context, mc *Set, timeout time.Duration, ask func(context.Context, *clientv3.Client) (T, error)) (T, int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		v      T
		member int
		err    error
	}
	endpoints, clients := mc.snapshot()
	answers := make(chan answer, len(clients))
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	for i, cli := range clients {
		wg.Go(func() {
			v, err := ask(ctx, cli)
			if err != nil {
				err = fmt.Errorf("%s: %w", endpoints[i], err)
			}
			answers <- answer{v, i, err}
		})
	}
	var errs []error
	for range clients {
		a := <-answers
		if a.err == nil {
			return a.v, a.member, nil
		}
		errs = append(errs, a.err)
	}
	var zero T
	return zero, 0, fmt.Errorf("no member answered within %v: %w", timeout, JoinInline(errs))
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
	r, member, err := first(ctx, mc, timeout, func(ctx context.Context, cli *clientv3.Client) (Read, error) {
		return ReadCheckpoint(clientv3.WithRequireLeader(ctx), cli.KV, key)
	})
	if err != nil {
		return Read{}, fmt.Errorf("quorum read: %w", err)
	}
	r.Member = member
	return r, nil
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
	mc := &Set{configFor: configFor}
	if _, err := mc.Add(endpoints...); err != nil {
		mc.Close()
		return nil, err
	}
	return mc, nil
}
