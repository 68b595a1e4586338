package execproto

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestStartReadsHelloAndEndsAtEOF(t *testing.T) {
	r, w := io.Pipe()
	go func() {
		_, _ = io.WriteString(w, `{"endpoints":["http://127.0.0.1:1"],"pinned":"http://127.0.0.1:1","key":"/k","task":"t"}`+"\n")
		_ = w.Close()
	}()
	h, ctx, cancel, err := Start(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if h.Key != "/k" || len(h.Endpoints) != 1 {
		t.Fatalf("hello = %+v", h)
	}
	<-ctx.Done() // end-of-file ends the run
}

func TestStartRejectsAHelloWithoutKey(t *testing.T) {
	_, _, _, err := Start(context.Background(), strings.NewReader(`{"endpoints":["x"]}`+"\n"))
	if err == nil || !strings.Contains(err.Error(), "no endpoints or no key") {
		t.Fatalf("err = %v", err)
	}
}

func TestOutputLines(t *testing.T) {
	var b bytes.Buffer
	o := NewOutput(&b)
	o.Advance(1<<63, 7)
	o.Errorf("x %d", 1)
	want := `{"advance":{"revision":7,"value":9223372036854775808}}` + "\n" + `{"error":"x 1"}` + "\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	if _, err := DecodeCheckpoint([]byte{1}); err == nil {
		t.Fatal("a 1-byte value decoded")
	}
}
