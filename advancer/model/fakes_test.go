package model

import (
	"context"
	"sync"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/leaderfault/leaderfault/advancer"
)

// fakeKV answers Get with a fixed checkpoint, for the waiter's timing tests
// (the integration tests use real members).
type fakeKV struct {
	clientv3.KV
	mu       sync.Mutex
	value    uint64
	modRev   int64
	revision int64
	gets     int
	// stalled makes Get block until its ctx ends, as a linearizable read
	// on a member that cannot reach the leader does.
	stalled bool
}

func (f *fakeKV) set(value uint64, modRev, revision int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value, f.modRev, f.revision = value, modRev, revision
}

func (f *fakeKV) Get(ctx context.Context, key string, _ ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.stalled {
		f.mu.Unlock()
		<-ctx.Done()
		f.mu.Lock()
		return nil, ctx.Err()
	}
	resp := &clientv3.GetResponse{Header: &etcdserverpb.ResponseHeader{Revision: f.revision}}
	if f.modRev != 0 {
		resp.Kvs = []*mvccpb.KeyValue{{Key: []byte(key), Value: advancer.EncodeCheckpoint(f.value), ModRevision: f.modRev}}
	}
	return resp, nil
}

// fakeWatcher hands out one channel per Watch and lets the test decide what
// RequestProgress does.
type fakeWatcher struct {
	clientv3.Watcher
	mu       sync.Mutex
	watches  []fakeWatch
	progress func(ctx context.Context) error // nil: answer with a progress notification
	requests int
	// stuck makes Watch block until its ctx ends, as clientv3's does while
	// the gRPC stream cannot be opened.
	stuck bool
}

type fakeWatch struct {
	ctx context.Context
	rev int64
	ch  chan clientv3.WatchResponse
}

func (f *fakeWatcher) Watch(ctx context.Context, _ string, opts ...clientv3.OpOption) clientv3.WatchChan {
	op := clientv3.OpGet("k", opts...)
	ch := make(chan clientv3.WatchResponse, 16)
	if f.stuck {
		<-ctx.Done()
		close(ch)
		return ch
	}
	f.mu.Lock()
	f.watches = append(f.watches, fakeWatch{ctx: ctx, rev: op.Rev(), ch: ch})
	f.mu.Unlock()
	return ch
}

func (f *fakeWatcher) RequestProgress(ctx context.Context) error {
	f.mu.Lock()
	f.requests++
	progress := f.progress
	w := f.watches[len(f.watches)-1]
	f.mu.Unlock()
	if progress != nil {
		return progress(ctx)
	}
	w.ch <- clientv3.WatchResponse{Header: header(w.rev)}
	return nil
}

func (f *fakeWatcher) Close() error { return nil }

func (f *fakeWatcher) last() fakeWatch {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.watches[len(f.watches)-1]
}

func (f *fakeWatcher) count() (watches, requests int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.watches), f.requests
}

func putResponse(value uint64, rev int64) clientv3.WatchResponse {
	return clientv3.WatchResponse{
		Header: header(rev),
		Events: []*clientv3.Event{{Type: clientv3.EventTypePut, Kv: &mvccpb.KeyValue{Value: advancer.EncodeCheckpoint(value), ModRevision: rev}}},
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
