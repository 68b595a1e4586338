package harness

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestStartThreeMembers(t *testing.T) {
	start := time.Now()
	c := StartT(t, Options{})
	t.Logf("ready in %v", time.Since(start))
	l := c.Leader()
	require.NotNil(t, l)
	cli, err := c.NewClient(clientv3Config())
	require.NoError(t, err)
	defer cli.Close()
	_, err = cli.Put(ctxT(t, 5*time.Second), "k", "v")
	require.NoError(t, err)
	assert.Len(t, c.Members(), 3)
	for _, m := range c.Members() {
		assert.True(t, m.Running())
	}
}
