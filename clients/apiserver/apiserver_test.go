package apiserver

import (
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/advancer"
	"github.com/leaderfault/leaderfault/advancer/advancertest"
)

func TestCodecDecodesTheCheckpoint(t *testing.T) {
	obj, gvk, err := codec{name: "central_global"}.Decode(advancer.EncodeCheckpoint(42), nil, nil)
	require.NoError(t, err)
	require.Equal(t, checkpointKind, *gvk)
	require.Equal(t, uint64(42), obj.(*Checkpoint).Value)
	require.Equal(t, "central_global", obj.(*Checkpoint).Name)

	_, _, err = codec{}.Decode([]byte("not eight"), nil, nil)
	require.ErrorContains(t, err, "want 8")
}

// The adapters see advances through a leader transfer and a leader crash.
func TestStorageSeesAdvances(t *testing.T) {
	advancertest.RunCatalog(t, Storage, advancertest.Only("leader-transfer", "leader-crash"))
}

func TestCacherSeesAdvances(t *testing.T) {
	advancertest.RunCatalog(t, Cacher, advancertest.Only("leader-transfer", "leader-crash"))
}

// TestCatalog is make clients: the whole catalog, LEADERFAULT_CLIENTS_REPEAT
// times, for the adapter LEADERFAULT_CLIENT names (apiserver-storage or
// apiserver-cacher), JSON to LEADERFAULT_JSON.
func TestCatalog(t *testing.T) {
	newAdapter := map[string]func() advancer.Advancer{"apiserver-storage": Storage, "apiserver-cacher": Cacher}[os.Getenv("LEADERFAULT_CLIENT")]
	if newAdapter == nil {
		t.Skip("LEADERFAULT_CLIENT is not apiserver-storage or apiserver-cacher: make clients sets it")
	}
	repeat, err := strconv.Atoi(os.Getenv("LEADERFAULT_CLIENTS_REPEAT"))
	if err != nil || repeat < 1 {
		repeat = 1
	}
	advancertest.RunCatalog(t, newAdapter, advancertest.Repeat(repeat))
}
