package harness

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/leaderfault/leaderfault/record"
)

// startH2C serves plaintext HTTP/2 on 127.0.0.1: /stream sends 1 MiB, any
// other path a two-byte answer.
func startH2C(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 32<<10)
	srv := &http.Server{Protocols: new(http.Protocols), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stream" {
			w.Write([]byte("ok"))
			return
		}
		for range (1 << 20) / len(chunk) {
			w.Write(chunk)
		}
	})}
	srv.Protocols.SetUnencryptedHTTP2(true)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ln) }()
	b.Cleanup(func() { srv.Close(); wg.Wait() })
	return ln.Addr().String()
}

func benchProxy(b *testing.B, backend string, observe bool) *proxy {
	p, err := newProxy("bench/client", "m0", false, 1)
	if err != nil {
		b.Fatal(err)
	}
	if observe {
		p.observer = newObserver("m0", record.New(), func() {})
	}
	p.setBackend(backend)
	b.Cleanup(p.close)
	return p
}

func h2cClient(b *testing.B) *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func get(b *testing.B, cl *http.Client, url string) {
	resp, err := cl.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
}

// observerCost runs op through a plain client proxy and through one with
// its traffic observer, alternately, so both see the same machine load, and
// reports the time of each and their ratio (observed/plain).
func observerCost(b *testing.B, backend string, op func(b *testing.B, proxyURL string)) {
	plain, observed := benchProxy(b, backend, false), benchProxy(b, backend, true)
	op(b, plain.URL()) // connect both before timing
	op(b, observed.URL())
	var tPlain, tObserved time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		op(b, plain.URL())
		mid := time.Now()
		op(b, observed.URL())
		tPlain += mid.Sub(start)
		tObserved += time.Since(mid)
		n++
	}
	b.ReportMetric(float64(tPlain.Nanoseconds())/float64(n), "plain-ns/op")
	b.ReportMetric(float64(tObserved.Nanoseconds())/float64(n), "observed-ns/op")
	b.ReportMetric(float64(tObserved)/float64(tPlain), "observed/plain")
}

// BenchmarkClientProxyObserver measures what the traffic observer costs the
// client proxy: 1 MiB HTTP/2 responses (DATA frames), small HTTP/2
// request/response pairs (HEADERS, HPACK), and clientv3 serializable Range
// calls to a real member, each on one connection. The ns/op covers both
// proxies; observed/plain is the figure to read.
func BenchmarkClientProxyObserver(b *testing.B) {
	backend := startH2C(b)
	b.Run("stream-1MiB", func(b *testing.B) {
		cl := h2cClient(b)
		b.SetBytes(2 << 20)
		observerCost(b, backend, func(b *testing.B, url string) { get(b, cl, url+"/stream") })
	})
	b.Run("h2-calls", func(b *testing.B) {
		cl := h2cClient(b)
		observerCost(b, backend, func(b *testing.B, url string) { get(b, cl, url+"/call") })
	})
	b.Run("etcd-range", func(b *testing.B) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := Start(ctx, Options{Members: 1})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		m := c.Members()[0]
		m.client.mu.Lock()
		backend := m.client.backend
		m.client.mu.Unlock()
		clients := map[string]*clientv3.Client{}
		defer func() {
			for _, cli := range clients {
				cli.Close()
			}
		}()
		observerCost(b, backend, func(b *testing.B, url string) {
			cli := clients[url]
			if cli == nil {
				cli, err = clientv3.New(clientv3.Config{Endpoints: []string{url}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
				if err != nil {
					b.Fatal(err)
				}
				clients[url] = cli
			}
			if _, err := cli.Get(ctx, "leaderfault/bench", clientv3.WithSerializable()); err != nil {
				b.Fatal(err)
			}
		})
	})
}
