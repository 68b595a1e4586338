package external

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The exec tests run this test binary as their out-of-process client.
	if mode := os.Getenv(fakeClientEnv); mode != "" {
		os.Exit(fakeClient(mode))
	}
	goleak.VerifyTestMain(m)
}
