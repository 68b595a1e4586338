package harness

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// BenchmarkClusterStart measures start + ready (every member serving, one
// leader agreed, every member listing every member) + close of a 3-member
// cluster.
func BenchmarkClusterStart(b *testing.B) {
	var ready []time.Duration
	for b.Loop() {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c, err := Start(ctx, Options{})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		ready = append(ready, time.Since(start))
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(median(ready), "ready-ms-p50")
}

// BenchmarkClusterStartProcesses is BenchmarkClusterStart with members as
// processes of the release this binary links (built before the timer).
func BenchmarkClusterStartProcesses(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	_, err := PrepareRelease(ctx, EtcdVersion())
	cancel()
	if err != nil {
		b.Fatal(err)
	}
	var ready []time.Duration
	for b.Loop() {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c, err := Start(ctx, Options{Release: EtcdVersion()})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		ready = append(ready, time.Since(start))
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(median(ready), "ready-ms-p50")
}

// median returns the median in milliseconds.
func median(ds []time.Duration) float64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return float64(s[len(s)/2]) / float64(time.Millisecond)
}

// BenchmarkClusterStartNaiveEmbed is the baseline: three plain
// embed.StartEtcd members on their real peer URLs, started concurrently with
// the same timing profile, measured the same way.
func BenchmarkClusterStartNaiveEmbed(b *testing.B) {
	naiveRan = true
	var ready []time.Duration
	for b.Loop() {
		ready = append(ready, naiveCluster(b))
	}
	b.ReportMetric(median(ready), "ready-ms-p50")
}

func freePorts(b *testing.B, n int) []string {
	var lns []net.Listener
	var out []string
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// naiveCluster starts, readies and closes a plain 3-member embed cluster and
// returns how long it took to be ready.
func naiveCluster(b *testing.B) time.Duration {
	start := time.Now()
	dir := b.TempDir()
	ports := freePorts(b, 6)
	var initial []string
	for i := 0; i < 3; i++ {
		initial = append(initial, fmt.Sprintf("n%d=http://%s", i, ports[2*i]))
	}
	var cfgs []*embed.Config
	for i := 0; i < 3; i++ {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("n%d", i)
		cfg.Dir = filepath.Join(dir, cfg.Name)
		pu, _ := url.Parse("http://" + ports[2*i])
		cu, _ := url.Parse("http://" + ports[2*i+1])
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
		cfg.InitialCluster = strings.Join(initial, ",")
		cfg.InitialClusterToken = "naive-" + filepath.Base(dir)
		cfg.TickMs, cfg.ElectionMs = 10, 100
		cfg.Logger = "zap"
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		cfg.ListenMetricsUrls = nil
		cfgs = append(cfgs, cfg)
	}
	es := make([]*embed.Etcd, 3)
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := embed.StartEtcd(cfg)
			if err != nil {
				b.Error(err)
				return
			}
			es[i] = e
		}()
	}
	wg.Wait()
	for _, e := range es {
		if e == nil {
			continue
		}
		<-e.Server.ReadyNotify()
	}
	// Ready means a leader is agreed: every member knows the same one.
	for _, e := range es {
		for e != nil && e.Server.Lead() != es[0].Server.Lead() {
			<-e.Server.LeaderChangedNotify()
		}
	}
	ready := time.Since(start)
	for _, e := range es {
		if e != nil {
			e.Close()
		}
	}
	os.RemoveAll(dir)
	return ready
}

// BenchmarkMoveLeader reports how many raft ticks a leader transfer takes,
// from the MoveLeader call until a quorum agrees on the new leader.
func BenchmarkMoveLeader(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var total time.Duration
	n := 0
	for b.Loop() {
		l := c.Leader()
		to := c.Members()[(l.Index()+1)%3]
		start := time.Now()
		if err := c.MoveLeader(ctx, to); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		n++
	}
	b.ReportMetric(float64(total)/float64(n)/float64(c.Profile().Tick), "ticks/op")
}
