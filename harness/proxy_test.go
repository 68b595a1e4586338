package harness

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startEcho serves POST bodies back on 127.0.0.1 and returns its address.
func startEcho(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); wg.Wait() })
	return ln.Addr().String()
}

func post(t *testing.T, url, from, body string, timeout time.Duration) (string, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: timeout}
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("X-Server-From", from)
	resp, err := cl.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestProxyDirectionalRules(t *testing.T) {
	backend := startEcho(t)
	p, err := newProxy("test/peer", "B", true, 1)
	require.NoError(t, err)
	defer p.close()
	p.peerName = func(id string) string { return map[string]string{"a": "A", "c": "C"}[id] }
	var mu sync.Mutex
	blocked := map[[2]string]bool{}
	p.rules = func(from, to string) (LinkRule, func()) {
		mu.Lock()
		defer mu.Unlock()
		return LinkRule{Blackhole: blocked[[2]string{from, to}]}, func() {}
	}
	p.setBackend(backend)

	got, err := post(t, p.URL(), "a", "hello", 2*time.Second)
	require.NoError(t, err)
	assert.Equal(t, "hello", got)

	// Block B→A: A's request reaches B but the answer never comes back.
	mu.Lock()
	blocked[[2]string{"B", "A"}] = true
	mu.Unlock()
	_, err = post(t, p.URL(), "a", "hello", 300*time.Millisecond)
	assert.Error(t, err)
	// C is not affected.
	got, err = post(t, p.URL(), "c", "hi", 2*time.Second)
	require.NoError(t, err)
	assert.Equal(t, "hi", got)
}
