package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestReplaceMember(t *testing.T) {
	t.Run("in process", func(t *testing.T) { testReplaceMember(t, Options{}) })
	t.Run("processes", func(t *testing.T) {
		started := admitted(t)
		opts := Options{Release: processRelease(t)}
		testReplaceMember(t, opts, started)
	})
}

// testReplaceMember replaces a follower whose address a client pinned:
// the new member has the next name, new URLs and the data; the old address
// leads nowhere; a client that lists the members through a survivor finds
// the new one.
func testReplaceMember(t *testing.T, opts Options, started ...func()) {
	c := StartT(t, opts)
	for _, f := range started {
		f()
	}
	ctx := ctxT(t, 60*time.Second)
	rev := writeN(t, c, 5)
	old := othersOf(c, c.Leader())[0]
	at := old.Index()
	oldURL := old.ClientURL()

	in, err := c.Inject(ctx, Replace{}, Named(old.Name()))
	require.NoError(t, err)
	assert.True(t, in.Fired(), "replace fired")
	require.NoError(t, in.Heal(ctx))

	assert.Equal(t, StateRemoved, old.State())
	members := c.Members()
	require.Len(t, members, 3)
	m := members[at]
	assert.Equal(t, "m3", m.Name(), "the new member takes the next name, in the old one's place")
	assert.NotEqual(t, oldURL, m.ClientURL())
	assert.NotEqual(t, old.ID(), m.ID())
	assert.True(t, m.Running())

	// The new member has the data, from its own store.
	cli, err := m.DirectClient()
	require.NoError(t, err)
	got, err := cli.Get(ctx, "leaderfault/k4", clientv3.WithSerializable())
	require.NoError(t, err)
	require.Len(t, got.Kvs, 1, "the new member has the key written before it joined")
	assert.GreaterOrEqual(t, got.Header.Revision, rev)

	// Through a survivor's address, the membership lists the new member.
	survivor := othersOf(c, m)[0]
	sc, err := c.NewClient(clientv3.Config{Endpoints: []string{survivor.ClientURL()}})
	require.NoError(t, err)
	defer sc.Close()
	list, err := sc.MemberList(ctx)
	require.NoError(t, err)
	var urls []string
	for _, x := range list.Members {
		urls = append(urls, x.ClientURLs...)
	}
	assert.Contains(t, urls, m.ClientURL())
	assert.NotContains(t, urls, oldURL)
	assert.Len(t, list.Members, 3)

	// The old address leads nowhere: a client pinned to it gets no answer.
	pinned, err := c.NewClient(clientv3.Config{Endpoints: []string{oldURL}})
	require.NoError(t, err)
	defer pinned.Close()
	pctx, cancel := ctxWithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_, err = pinned.Get(pctx, "leaderfault/k4")
	assert.Error(t, err)

	// And the cluster goes on: a write, a leader move to the new member.
	writeN(t, c, 1)
	require.NoError(t, c.MoveLeader(ctx, m))
	assert.Equal(t, m, c.Leader())

	tl := c.Recorder().Timeline()
	assert.Contains(t, tl, "member-remove")
	assert.Contains(t, tl, "replaces "+old.Name())
}
