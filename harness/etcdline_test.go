package harness

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The build tag and the module file go together: -tags etcd35 without
// -modfile=go.etcd35.mod (or the reverse) builds a binary whose shims do not
// match its etcd.
func TestEtcdLineMatchesBuildTag(t *testing.T) {
	assert.Equal(t, taggedLine, EtcdLine(), "etcd %s built with the shims of line %s: use -modfile=go.etcd35.mod together with -tags etcd35", EtcdVersion(), taggedLine)
	assert.True(t, strings.HasPrefix(EtcdVersion(), EtcdLine()+"."), "line %q of version %q", EtcdLine(), EtcdVersion())
}
