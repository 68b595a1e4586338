package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"

	"github.com/leaderfault/leaderfault/advancer"
)

// pd is tikv/pd's own etcd client and watch machinery (docs/facts.md §10), in
// production units: the client newClient builds
// (pkg/utils/etcdutil/etcdutil.go), the health checker CreateEtcdClient
// starts on it (health_checker.go), and the LoopWatcher
// (etcdutil.go, StartWatchLoop/watch/load). Faithful, not improved: where
// PD's design is weak on a scenario, this preset shows it.
func pd() Config {
	return Config{
		Name:   PresetPD,
		Design: DesignPD,
		// etcdutil.go, const defaultEtcdClientTimeout (newClient's DialTimeout).
		DialTimeout: 3 * time.Second,
		// newClient sets no AutoSyncInterval: the health checker's syncer
		// lists members itself (health_checker.go, syncer/update).
		AutoSyncInterval: 0,
		// etcdutil.go, consts defaultDialKeepAliveTime / defaultDialKeepAliveTimeout;
		// PermitWithoutStream is clientv3's default (false). At Scale(10) gRPC
		// raises 1 s to its 10 s floor (Scale notes it).
		KeepAliveTime:       10 * time.Second,
		KeepAliveTimeout:    3 * time.Second,
		PermitWithoutStream: false,
		// newClient passes no dial options: gRPC's default backoff and
		// connect timeout, clientv3's unary retry pause.
		BackoffBase:       grpcBackoffBase,
		BackoffMultiplier: grpcBackoffMultiplier,
		BackoffJitter:     grpcBackoffJitter,
		BackoffMax:        grpcBackoffMax,
		MinConnectTimeout: grpcMinConnectTimeout,
		UnaryRetryWait:    clientv3UnaryRetryWait,
		// etcdutil.go, LoopWatcher.watch: WithRequireLeader ctx and
		// WithProgressNotify on every watch.
		RequireLeader:  true,
		ProgressNotify: true,
		// etcdutil.go, const RequestProgressInterval (the watch loop's ticker).
		ProgressInterval: time.Second,
		// etcdutil.go, const WatchChTimeoutDuration (= DefaultRequestTimeout):
		// no response for this long, checked at each progress tick, rebuilds
		// the watch.
		IdleTimeout: 10 * time.Second,
		// etcdutil.go, const DefaultRequestTimeout: EtcdKVGetWithContext
		// (load), RequestProgress, queryEtcdMembers, IsHealthy.
		RequestTimeouts: Durations{10 * time.Second},
		// pkg/utils/grpcutil/grpcutil.go, CheckStream: cancels the watch ctx
		// when Watch() has not returned in 3 s.
		WatchCreateTimeouts: Durations{3 * time.Second},
		// etcdutil.go, const defaultEtcdRetryInterval (NewLoopWatcher's
		// watchChangeRetryInterval; initFromEtcd's load retry ticker).
		RetryInterval: time.Second,
		// etcdutil.go, CreateEtcdClient: tickerInterval = defaultDialKeepAliveTime.
		HealthInterval: 10 * time.Second,
		// etcdutil.go, const etcdServerDisconnectedTimeout.
		HealthResetAfter: time.Minute,
	}
}

// PD's constants that are not knobs, each with its source in tikv/pd.
const (
	// etcdutil.go, const defaultLoadFromEtcdRetryTimes (initFromEtcd).
	pdLoadRetryTimes = 3
	// etcdutil.go, consts maxLoadBatchSize / minLoadBatchSize: load halves
	// its limit and retries on ResourceExhausted/DeadlineExceeded text.
	pdMaxLoadBatchSize = int64(10000)
	pdMinLoadBatchSize = int64(100)
	// health_checker.go, const pickedCountThreshold: an evicted endpoint
	// comes back after being picked this many patrols in a row.
	pdPickedCountThreshold = 3
	// etcdutil.go: DefaultRequestTimeout / DefaultSlowRequestTime (10 s / 1 s)
	// latency buckets in pickEps.
	pdLatencyBuckets = 10
	// etcdutil.go: etcdServerOfflineTimeout (30 min) is 30 ×
	// etcdServerDisconnectedTimeout (1 min); it scales with health-reset-after.
	pdOfflineFactor = 30
	// etcdutil.go, const healthyPath: the key IsHealthy reads.
	pdHealthyKey = "health"
)

func (c Config) validatePD() []string {
	var errs []string
	if c.ProgressInterval <= 0 || c.IdleTimeout <= 0 {
		errs = append(errs, fmt.Sprintf("design pd needs progress-interval and idle-timeout > 0 (have %v, %v)", c.ProgressInterval, c.IdleTimeout))
	}
	if len(c.RequestTimeouts) != 1 || len(c.WatchCreateTimeouts) != 1 {
		errs = append(errs, fmt.Sprintf("design pd needs exactly one request-timeouts entry (DefaultRequestTimeout) and one watch-create-timeouts entry (CheckStream) (have %v, %v)",
			c.RequestTimeouts, c.WatchCreateTimeouts))
	}
	if c.HealthInterval <= 0 || c.HealthResetAfter <= 0 {
		errs = append(errs, fmt.Sprintf("design pd needs health-interval and health-reset-after > 0 (have %v, %v)", c.HealthInterval, c.HealthResetAfter))
	}
	if c.RetryInterval <= 0 {
		errs = append(errs, fmt.Sprintf("design pd needs retry-interval > 0 (have %v)", c.RetryInterval))
	}
	return errs
}

// pdAdvancer runs PD's LoopWatcher on the checkpoint key, with PD's health
// checker guarding its client.
//
// The client starts knowing only Env.Pinned, as PD's server client starts
// with its own member's advertised URL (server/server.go, CreateEtcdClient
// with AdvertiseClientUrls); the health checker's member sync finds the
// others and a patrol hands the client every healthy one. So the first watch
// sits on the pinned member, and later streams are balanced by gRPC's
// round-robin picker over the healthy members.
//
// One deviation, at start only: PD's first patrol comes one HealthInterval
// after the client is created; here it runs as soon as the first watch is
// created and the member list first synced, then every HealthInterval. A scenario's fault comes within a
// second of the start, and is meant to meet PD in its steady state (a client
// that knows every healthy member), not in its first ten seconds, where the
// client knows one member.
type pdAdvancer struct{ cfg Config }

func (a *pdAdvancer) Name() string { return a.cfg.Name }

func (a *pdAdvancer) Run(ctx context.Context, env *advancer.Env) error {
	if err := a.cfg.prepare(env); err != nil {
		return err
	}
	cli, err := clientv3.New(a.cfg.clientConfig([]string{env.PinnedOrFirst()}, env.Log()))
	if err != nil {
		return fmt.Errorf("advancer %s: client for %s: %w", a.cfg.Name, env.PinnedOrFirst(), err)
	}
	defer cli.Close()
	hc := newPDHealthChecker(a.cfg, env, cli)
	firstWatch := make(chan struct{})
	stop := hc.start(ctx, firstWatch)
	defer stop()
	lw := &pdLoopWatcher{cfg: a.cfg, env: env, client: cli, key: env.Key(), created: firstWatch}
	lw.run(ctx)
	return nil
}

// pdLoopWatcher is PD's LoopWatcher on one key, whose putFn reports the
// checkpoint when it grows.
type pdLoopWatcher struct {
	cfg    Config
	env    *advancer.Env
	client *clientv3.Client
	key    string
	// created is closed when the first watch is created (nil: not wanted).
	created chan struct{}

	current uint64
}

func (lw *pdLoopWatcher) requestTimeout() time.Duration { return lw.cfg.RequestTimeouts[0] }

// put is the LoopWatcher's putFn.
func (lw *pdLoopWatcher) put(value []byte, modRev int64, how string) error {
	v, err := advancer.DecodeCheckpoint(value)
	if err != nil {
		return err
	}
	if v > lw.current {
		lw.current = v
		lw.env.ObserveAdvanceVia(v, modRev, how)
	}
	return nil
}

// run is StartWatchLoop: load (initFromEtcd), then watch; when a watch
// returns an error, pause watchChangeRetryInterval and watch again from the
// revision it reached. PD does not load again after a watch error: only the
// first start (and a compaction with reload, which this consumer does not
// set) loads.
func (lw *pdLoopWatcher) run(ctx context.Context) {
	rev := lw.initFromEtcd(ctx)
	for ctx.Err() == nil {
		next, err := lw.watch(ctx, rev)
		if err != nil {
			lw.env.ObserveError(fmt.Errorf("watcher canceled unexpectedly, a new watcher starts after %v from rev %d: %w", lw.cfg.RetryInterval, next, err))
			rev = next
			if !sleepCtx(ctx, lw.cfg.RetryInterval) {
				return
			}
		}
	}
}

// initFromEtcd tries load up to pdLoadRetryTimes times, one retry interval
// apart. If every try fails PD watches anyway, from revision 0 (the
// member's current revision): the key's current value is then only learnt
// from its next Put.
func (lw *pdLoopWatcher) initFromEtcd(ctx context.Context) int64 {
	ticker := time.NewTicker(lw.cfg.RetryInterval)
	defer ticker.Stop()
	var rev int64
	var err error
	for i := range pdLoadRetryTimes {
		rev, err = lw.load(ctx)
		if err == nil && ctx.Err() == nil {
			return rev
		}
		if err != nil {
			lw.env.ObserveError(fmt.Errorf("load %d/%d: %w", i+1, pdLoadRetryTimes, err))
		}
		select {
		case <-ctx.Done():
			return rev
		case <-ticker.C:
		}
	}
	if err != nil {
		lw.env.Note("load failed %d times; watching from rev %d", pdLoadRetryTimes, rev)
	}
	return rev
}

// load is LoopWatcher.load for a single key: a sorted, limited Get with
// DefaultRequestTimeout (EtcdKVGetWithContext) through the balanced client;
// an error whose text names ResourceExhausted or DeadlineExceeded halves the
// limit and retries while the limit is above the minimum. (clientv3 turns a
// deadline of the caller's own ctx into "context deadline exceeded", which
// does not match: such a load fails at once.) It returns the header revision
// + 1.
func (lw *pdLoopWatcher) load(ctx context.Context) (int64, error) {
	limit := pdMaxLoadBatchSize
	for {
		if ctx.Err() != nil {
			return 0, nil
		}
		resp, err := lw.get(ctx, limit)
		if err != nil {
			if strings.Contains(err.Error(), codes.ResourceExhausted.String()) ||
				strings.Contains(err.Error(), codes.DeadlineExceeded.String()) {
				if limit > pdMinLoadBatchSize {
					limit /= 2
					continue
				}
			}
			return 0, err
		}
		for _, kv := range resp.Kvs {
			if err := lw.put(kv.Value, kv.ModRevision, "load"); err != nil {
				return 0, err
			}
		}
		return resp.Header.Revision + 1, nil
	}
}

func (lw *pdLoopWatcher) get(ctx context.Context, limit int64) (*clientv3.GetResponse, error) {
	if _, ok := lw.env.Eval(PointFailCheckpointRead); ok {
		return nil, fmt.Errorf("%s: %w", PointFailCheckpointRead, context.DeadlineExceeded)
	}
	gctx, cancel := context.WithTimeout(ctx, lw.requestTimeout())
	defer cancel()
	return lw.client.Get(gctx, lw.key, clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend), clientv3.WithLimit(limit+1))
}

// errPDWatchChanClosed: the channel closed without a response (only when
// the watch's own ctx ends; clientv3 otherwise sends an error response first).
// PD would read a zero response from it; here it returns like a canceled
// watch instead of spinning.
var errPDWatchChanClosed = errors.New("watch channel closed")

// watch is LoopWatcher.watch: a new Watcher and a require-leader,
// progress-notify watch from revision, created under CheckStream's guard; a
// ticker every RequestProgressInterval asks for progress (DefaultRequestTimeout)
// and, when no response came for WatchChTimeoutDuration, rebuilds the watch
// from the revision reached. A canceled watch (require-leader, or any error)
// returns to run. Creation that the guard cancels waits one tick and tries
// again.
func (lw *pdLoopWatcher) watch(ctx context.Context, revision int64) (int64, error) {
	var (
		watcher       clientv3.Watcher
		watcherCancel context.CancelFunc
	)
	defer func() {
		if watcherCancel != nil {
			watcherCancel()
		}
		if watcher != nil {
			watcher.Close()
		}
	}()
	ticker := time.NewTicker(lw.cfg.ProgressInterval)
	defer ticker.Stop()
	for {
		if watcherCancel != nil {
			watcherCancel()
		}
		if watcher != nil {
			watcher.Close()
		}
		watcher = clientv3.NewWatcher(lw.client)
		base := ctx
		if lw.cfg.RequireLeader {
			base = clientv3.WithRequireLeader(ctx)
		}
		watcherCtx, cancel := context.WithCancel(base)
		watcherCancel = cancel
		opts := []clientv3.OpOption{clientv3.WithRev(revision)}
		if lw.cfg.ProgressNotify {
			opts = append(opts, clientv3.WithProgressNotify())
		}
		done := make(chan struct{})
		go checkStream(watcherCtx, cancel, done, lw.cfg.WatchCreateTimeouts[0])
		watchChan := watcher.Watch(watcherCtx, lw.key, opts...)
		done <- struct{}{}
		if err := watcherCtx.Err(); err != nil {
			if ctx.Err() != nil {
				return revision, nil
			}
			lw.env.ObserveError(fmt.Errorf("watch from rev %d not created within %v, retrying: %w", revision, lw.cfg.WatchCreateTimeouts[0], err))
			select {
			case <-ctx.Done():
				return revision, nil
			case <-ticker.C:
				continue
			}
		}
		lastReceived := time.Now()
		lw.env.Note("watch created from rev %d", revision)
		if lw.created != nil {
			close(lw.created)
			lw.created = nil
		}
		rebuild, next, err := lw.follow(ctx, watcher, watcherCtx, watchChan, ticker, revision, &lastReceived)
		revision = next
		if !rebuild {
			return revision, err
		}
	}
}

// follow is watch's watchChanLoop on one watch channel. It returns
// rebuild=true to create a new watch from revision, or rebuild=false with the
// watch's error (nil when ctx ended).
func (lw *pdLoopWatcher) follow(ctx context.Context, watcher clientv3.Watcher, watcherCtx context.Context, watchChan clientv3.WatchChan,
	ticker *time.Ticker, revision int64, lastReceived *time.Time) (rebuild bool, next int64, err error) {
	for {
		select {
		case <-ctx.Done():
			return false, revision, nil
		case <-ticker.C:
			// PD: the ctx must derive from watcherCtx so that the request
			// goes on the watch's own stream.
			if _, skip := lw.env.Eval(PointSkipProgressRequest); !skip {
				pctx, cancel := context.WithTimeout(watcherCtx, lw.requestTimeout())
				if err := watcher.RequestProgress(pctx); err != nil {
					lw.env.Note("request progress failed (rev %d): %v", revision, err)
				}
				cancel()
			}
			if since := time.Since(*lastReceived); since >= lw.cfg.IdleTimeout {
				lw.env.ObserveError(fmt.Errorf("watch channel blocked for %v, recreating it from rev %d", since.Round(time.Millisecond), revision))
				return true, revision, nil
			}
		case wresp, ok := <-watchChan:
			if _, drop := lw.env.Eval(PointDropWatchResponse); drop && ok {
				continue
			}
			if !ok {
				return false, revision, errPDWatchChanClosed
			}
			*lastReceived = time.Now()
			if wresp.CompactRevision != 0 {
				lw.env.Note("required rev %d compacted; watching from compact rev %d", revision, wresp.CompactRevision)
				return true, wresp.CompactRevision, nil
			}
			if err := wresp.Err(); err != nil {
				return false, revision, err
			}
			if wresp.IsProgressNotify() {
				revision = max(revision, wresp.Header.Revision+1)
				continue
			}
			for _, ev := range wresp.Events {
				if ev.Type != clientv3.EventTypePut {
					continue
				}
				if err := lw.put(ev.Kv.Value, ev.Kv.ModRevision, "watch"); err != nil {
					// PD logs a failed putFn and goes on.
					lw.env.Note("put failed in watch loop: %v", err)
				}
			}
			revision = wresp.Header.Revision + 1
		}
	}
}

// checkStream is grpcutil.CheckStream with its timeout as a parameter:
// cancel the watch ctx unless done arrives within timeout; always wait for
// done, so the goroutine ends with the Watch call it guards.
func checkStream(ctx context.Context, cancel context.CancelFunc, done chan struct{}, timeout time.Duration) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
		return
	case <-timer.C:
		cancel()
	case <-ctx.Done():
	}
	<-done
}
