package harness

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                          {}
func (f *fakeTB) Skipf(format string, args ...any) { f.skipped = fmt.Sprintf(format, args...) }
func (f *fakeTB) Fatal(args ...any)                { f.failed = fmt.Sprint(args...) }

// Whoever needs disk faults learns from DiskAvailable that it must fail, not
// skip, when LEADERFAULT_REQUIRE_DISK demands them (a value it does not
// understand demands them too: this machine may well have FUSE).
func TestRequireDiskEnvFailsInsteadOfSkipping(t *testing.T) {
	t.Setenv(RequireDiskEnv, "on")
	assert.ErrorIs(t, DiskAvailable(), ErrDiskRequired)
	tb := &fakeTB{}
	SkipWithoutDisk(tb)
	assert.Empty(t, tb.skipped)
	assert.Contains(t, tb.failed, RequireDiskEnv)
}
