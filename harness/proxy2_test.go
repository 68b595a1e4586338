package harness

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestProxyStreamWithUpstreamBlackhole(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for i := 0; i < 5; i++ {
			w.Write([]byte("tick\n"))
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	})}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ln) }()
	defer func() { srv.Close(); wg.Wait() }()

	p, err := newProxy("test/peer", "B", true, 1)
	require.NoError(t, err)
	defer p.close()
	p.peerName = func(id string) string { return "A" }
	p.rules = func(from, to string) (LinkRule, func()) {
		return LinkRule{Blackhole: from == "A"}, func() {}
	}
	p.setBackend(ln.Addr().String())
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", p.URL()+"/stream", nil)
	req.Header.Set("X-Server-From", "a")
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "tick\n", line)
}
