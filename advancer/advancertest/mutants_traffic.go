package advancertest

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/leaderfault/leaderfault/advancer"
)

// stormer polls well while etcd answers, and on an error makes a new client
// and reads again at once, with a short deadline: the retry loop without
// backoff of etcd-io/etcd#9578, which meets every recovery budget and
// floods etcd with connections and calls while it cannot answer.
type stormer struct{ name string }

func (s *stormer) Name() string { return s.name }

func (s *stormer) Run(ctx context.Context, env *advancer.Env) error {
	newClient := func() (*clientv3.Client, error) {
		return clientv3.New(clientv3.Config{Endpoints: env.Endpoints, Logger: zap.NewNop(), DialTimeout: time.Second})
	}
	cli, err := newClient()
	if err != nil {
		return err
	}
	defer func() { cli.Close() }()
	var current uint64
	for ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		resp, err := cli.Get(rctx, env.Key())
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			env.ObserveError(err)
			cli.Close()
			if cli, err = newClient(); err != nil {
				return err
			}
			continue // at once: the flaw
		}
		if len(resp.Kvs) == 1 {
			if v, err := advancer.DecodeCheckpoint(resp.Kvs[0].Value); err == nil && v > current {
				current = v
				env.ObserveAdvance(v, resp.Kvs[0].ModRevision)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// leaker watches with require-leader and, after a second with no response
// or an error (then a second's pause),
// rebuilds its watch on a new client, as a careful design does, but never
// closes the old client nor cancels the old watch (m3db/m3#2984): every
// silence during a fault leaves a connection and a Watch stream behind.
type leaker struct{ name string }

func (l *leaker) Name() string { return l.name }

func (l *leaker) Run(ctx context.Context, env *advancer.Env) error {
	var clients []*clientv3.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	var current uint64
	for ctx.Err() == nil {
		cli, err := clientv3.New(clientv3.Config{Endpoints: env.Endpoints, Logger: zap.NewNop(), DialTimeout: time.Second})
		if err != nil {
			return err
		}
		clients = append(clients, cli) // closed only when the run ends: the flaw
		wch := cli.Watch(clientv3.WithRequireLeader(ctx), env.Key(), clientv3.WithProgressNotify())
		gctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := cli.Get(gctx, env.Key())
		cancel()
		if err == nil && len(resp.Kvs) == 1 {
			if v, err := advancer.DecodeCheckpoint(resp.Kvs[0].Value); err == nil && v > current {
				current = v
				env.ObserveAdvance(v, resp.Kvs[0].ModRevision)
			}
		}
		silence := time.NewTimer(time.Second)
	watching:
		for {
			select {
			case <-ctx.Done():
				silence.Stop()
				return nil
			case <-silence.C:
				break watching
			case resp, ok := <-wch:
				if !ok || resp.Err() != nil {
					// A pause, so that the flaw is the leak, not a storm.
					silence.Stop()
					select {
					case <-ctx.Done():
						return nil
					case <-time.After(time.Second):
					}
					break watching
				}
				silence.Reset(time.Second)
				for _, ev := range resp.Events {
					if v, err := advancer.DecodeCheckpoint(ev.Kv.Value); err == nil && v > current {
						current = v
						env.ObserveAdvance(v, ev.Kv.ModRevision)
					}
				}
			}
		}
	}
	return nil
}
