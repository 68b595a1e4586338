// Package workload is the load every scenario runs: the checkpoint writer
// the advancer under test follows, which keeps uploading through healthy
// members during every fault and records its own failures so that they are
// never blamed on the advancer.
package workload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/internal/memberclient"
	"github.com/leaderfault/leaderfault/record"
)

// Member is the record.Event Member of the writer's events.
const Member = "writer"

// Writer is the upstream of the advancer: it uploads a task's global
// checkpoint — increasing uint64 values, 8 bytes big-endian — every Every,
// and records each upload (record.KindWrite, with the value and the revision
// it was stored at) and each of its own failures (record.KindWriteError, with
// the value if it may still have been stored), so that its hiccups are never
// blamed on the advancer.
//
// It must never be the bottleneck, so it does not use a balanced client:
// it has one client per member and sends each upload to the member that
// answered last; when that member has not answered after HedgeAfter (or
// failed), the same upload goes to every other member too, and the first
// answer wins. Every attempt has a deadline (Timeout): a Put pinned to an
// isolated member hangs until its deadline, and clientv3 does not retry
// mutable requests elsewhere.
//
// Sending one value to several members is safe because an upload is a
// compare-and-put, "put v if the stored value < v" (8-byte big-endian values
// compare as numbers): only one copy can be applied, and a late copy of an
// older value can never move the checkpoint backwards.
type Writer struct {
	Endpoints  []string
	Task       string
	Every      time.Duration // upload period; 0 means 20 ms
	Timeout    time.Duration // deadline of one upload; 0 means 5 × Every
	HedgeAfter time.Duration // wait before sending to every member; 0 means 2 × Every
	Recorder   *record.Recorder
	Failpoints *failpoints.Registry // PointDelayUpload is evaluated before each upload
	Logger     *zap.Logger          // for the clients; nil means none
}

func (w *Writer) withDefaults() Writer {
	c := *w
	if c.Every <= 0 {
		c.Every = 20 * time.Millisecond
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * c.Every
	}
	if c.HedgeAfter <= 0 {
		c.HedgeAfter = 2 * c.Every
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.Recorder == nil {
		c.Recorder = record.New()
	}
	return c
}

// clientConfig makes the writer's client of one member reconnect within a
// few periods: gRPC's backoff starts at one period and is capped at one
// upload's deadline.
func (w *Writer) clientConfig(endpoint string) clientv3.Config {
	return clientv3.Config{
		Endpoints: []string{endpoint},
		Logger:    w.Logger,
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: w.Every, Multiplier: backoff.DefaultConfig.Multiplier, Jitter: backoff.DefaultConfig.Jitter, MaxDelay: w.Timeout},
			MinConnectTimeout: w.Timeout,
		})},
	}
}

// Run uploads until ctx ends, then returns nil. It first reads the current
// checkpoint (from any member) and continues above it.
func (w *Writer) Run(ctx context.Context) error {
	if len(w.Endpoints) == 0 || w.Task == "" {
		return fmt.Errorf("checkpoint writer: need endpoints and a task (have %d endpoints, task %q)", len(w.Endpoints), w.Task)
	}
	if err := RegisterPoints(w.Failpoints); err != nil {
		return fmt.Errorf("checkpoint writer: %w", err)
	}
	cfg := w.withDefaults()
	mc, err := memberclient.New(cfg.clientConfig, cfg.Endpoints)
	if err != nil {
		return fmt.Errorf("checkpoint writer: %w", err)
	}
	defer mc.Close()
	u := &uploader{w: cfg, mc: mc, key: advancer.CheckpointKey(cfg.Task)}
	if !u.start(ctx) {
		return nil
	}
	tick := time.NewTicker(cfg.Every)
	defer tick.Stop()
	for {
		// A sleep or pause term blocks here; pause holds until disabled.
		w.eval(PointDelayUpload)
		if ctx.Err() != nil {
			return nil
		}
		u.upload(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (w *Writer) eval(point string) (any, bool) {
	if w.Failpoints == nil {
		return nil, false
	}
	return w.Failpoints.Eval(point)
}

type uploader struct {
	w         Writer
	mc        *memberclient.Set
	key       string
	next      uint64 // value of the next upload
	preferred int    // member that answered last
}

// start reads the stored checkpoint until some member answers, and creates
// the key if it is absent (the compare-and-put needs a stored value).
func (u *uploader) start(ctx context.Context) bool {
	for ctx.Err() == nil {
		r, err := u.mc.QuorumRead(ctx, u.key, u.w.Timeout)
		if err != nil {
			u.w.Recorder.Record(record.Event{Kind: record.KindWriteError, Member: Member, Detail: "initial read: " + err.Error()})
			sleepCtx(ctx, u.w.Every)
			continue
		}
		u.next, u.preferred = r.Value+1, r.Member
		if r.ModRev != 0 {
			return true
		}
		issued := u.w.Recorder.Now()
		cctx, cancel := context.WithTimeout(ctx, u.w.Timeout)
		resp, err := u.mc.Client(r.Member).Txn(cctx).
			If(clientv3.Compare(clientv3.CreateRevision(u.key), "=", 0)).
			Then(clientv3.OpPut(u.key, string(advancer.EncodeCheckpoint(u.next)))).Commit()
		cancel()
		switch {
		case err != nil:
			u.w.Recorder.Record(record.Event{Kind: record.KindWriteError, Member: Member, Value: u.next,
				Detail: fmt.Sprintf("create key via %s (may still commit): %v", u.mc.Endpoint(r.Member), err)})
		case resp.Succeeded:
			u.w.Recorder.Record(record.Event{Kind: record.KindWrite, Member: Member, Value: u.next,
				Revision: resp.Header.Revision, Issued: issued, Detail: "created via " + u.mc.Endpoint(r.Member)})
			u.next++
			return true
		}
		// Created meanwhile (or unknown): read again.
		u.next++
	}
	return false
}

type uploadResult struct {
	member  int
	written bool  // this value is stored ...
	rev     int64 // ... at this revision
	stored  uint64
	err     error
}

// upload stores the next value, hedging across members, and records the
// outcome. Values are never reused: a value whose upload is in doubt may
// still be applied later, so the next upload uses a larger one.
func (u *uploader) upload(ctx context.Context) {
	issued := u.w.Recorder.Now()
	v := u.next
	u.next++
	ctx, cancel := context.WithTimeout(ctx, u.w.Timeout)
	results := make(chan uploadResult, u.mc.Len())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	launched := make([]bool, u.mc.Len())
	inflight := 0
	launch := func(i int) {
		if !launched[i] {
			launched[i] = true
			inflight++
			wg.Go(func() { results <- u.put(ctx, i, v) })
		}
	}
	launchAll := func() {
		for i := range u.mc.Len() {
			launch(i)
		}
	}
	launch(u.preferred)
	hedge := time.NewTimer(u.w.HedgeAfter)
	defer hedge.Stop()
	hedgeC := hedge.C
	var errs []string
	for inflight > 0 {
		select {
		case <-hedgeC:
			hedgeC = nil
			launchAll()
		case r := <-results:
			inflight--
			switch {
			case r.err == nil && r.written:
				u.preferred = r.member
				u.w.Recorder.Record(record.Event{Kind: record.KindWrite, Member: Member, Value: v, Revision: r.rev,
					Issued: issued, Detail: "via " + u.mc.Endpoint(r.member)})
				return
			case r.err == nil:
				// The compare failed and the key holds a larger value than
				// v, which this writer did not upload: continue above it.
				u.next = max(u.next, r.stored+1)
				u.w.Recorder.Record(record.Event{Kind: record.KindWriteError, Member: Member,
					Detail: fmt.Sprintf("value %d not stored: key already at %d", v, r.stored)})
				return
			}
			errs = append(errs, fmt.Sprintf("%s: %v", u.mc.Endpoint(r.member), r.err))
			// A member that fails fast ("no leader", connection refused)
			// should not cost the hedge delay.
			launchAll()
		}
	}
	u.preferred = (u.preferred + 1) % u.mc.Len()
	u.w.Recorder.Record(record.Event{Kind: record.KindWriteError, Member: Member, Value: v,
		Detail: fmt.Sprintf("value %d not confirmed (may still commit): %s", v, strings.Join(errs, "; "))})
}

// put is one compare-and-put of v through member i. When the compare fails
// the Else branch reads the key: if it holds v, another copy of this upload
// was applied, and its ModRevision is the upload's revision.
func (u *uploader) put(ctx context.Context, i int, v uint64) uploadResult {
	enc := string(advancer.EncodeCheckpoint(v))
	resp, err := u.mc.Client(i).Txn(ctx).
		If(clientv3.Compare(clientv3.Value(u.key), "<", enc)).
		Then(clientv3.OpPut(u.key, enc)).
		Else(clientv3.OpGet(u.key)).Commit()
	if err != nil {
		return uploadResult{member: i, err: err}
	}
	if resp.Succeeded {
		return uploadResult{member: i, written: true, rev: resp.Header.Revision}
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return uploadResult{member: i, err: errors.New("checkpoint key vanished")}
	}
	stored, err := advancer.DecodeCheckpoint(kvs[0].Value)
	if err != nil {
		return uploadResult{member: i, err: err}
	}
	return uploadResult{member: i, written: stored == v, rev: kvs[0].ModRevision, stored: stored}
}
