package disk

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// fakeTB records whether a helper skipped or failed the test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                          {}
func (f *fakeTB) Skipf(format string, args ...any) { f.skipped = fmt.Sprintf(format, args...) }
func (f *fakeTB) Fatal(args ...any)                { f.failed = fmt.Sprint(args...) }

// LEADERFAULT_REQUIRE_DISK decides whether a machine without FUSE skips or
// fails what needs disk faults; the reason is the same either way.
func TestRequireEnvTurnsTheSkipIntoAFailure(t *testing.T) {
	noFUSE := errors.New("disk faults need FUSE: /dev/fuse missing")
	for _, tc := range []struct {
		env    string
		reason error
		want   string // "run", "skip" or "fail"
	}{
		{"", nil, "run"},
		{"", noFUSE, "skip"},
		{"0", noFUSE, "skip"},
		{"1", nil, "run"},
		{"1", noFUSE, "fail"},
		{"yes", nil, "fail"}, // not understood: failing is the safe side
		{"yes", noFUSE, "fail"},
	} {
		t.Run(fmt.Sprintf("%s=%q/%v", RequireEnv, tc.env, tc.reason != nil), func(t *testing.T) {
			err := demand(tc.reason, tc.env)
			tb := &fakeTB{}
			skipOrFail(tb, err)
			got := "run"
			switch {
			case tb.failed != "":
				got = "fail"
			case tb.skipped != "":
				got = "skip"
			}
			assert.Equal(t, tc.want, got, "skipped %q failed %q", tb.skipped, tb.failed)
			if tc.reason != nil {
				assert.ErrorContains(t, err, tc.reason.Error(), "the reason is kept")
			}
			if got == "fail" {
				assert.ErrorIs(t, err, ErrRequired)
				assert.Contains(t, tb.failed, RequireEnv, "the failure names the variable")
			}
		})
	}
}

// The variable is read from the environment on every call.
func TestUsableReadsRequireEnv(t *testing.T) {
	t.Setenv(RequireEnv, "true")
	err := Usable()
	assert.ErrorIs(t, err, ErrRequired)
	assert.ErrorContains(t, err, `LEADERFAULT_REQUIRE_DISK="true": want 1 (disk faults required; fail without them) or 0 (skip)`)
}
