package disk

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

// RequireEnv names the environment variable that demands disk faults. Set to
// 1 (as CI does), a machine that cannot mount FUSE fails every test and
// scenario that needs disk faults, with the reason, instead of skipping it.
// Unset, empty or 0: they skip. Any other value is an error.
const RequireEnv = "LEADERFAULT_REQUIRE_DISK"

// ErrRequired is wrapped by Usable's error when RequireEnv demands disk
// faults: the caller must fail, not skip.
var ErrRequired = errors.New("disk faults required")

// Usable is Available as tests and scenarios see it: nil when disk faults
// can run here; otherwise the reason, wrapping ErrRequired when RequireEnv
// demands them (or is set to something it does not understand).
func Usable() error {
	return demand(Available(), os.Getenv(RequireEnv))
}

// demand decides whether the reason disk faults cannot run (nil: they can)
// is a skip or, as env says, a failure.
func demand(reason error, env string) error {
	switch env {
	case "", "0":
		return reason
	case "1":
		if reason == nil {
			return nil
		}
		return fmt.Errorf("%s=1: %w: %w", RequireEnv, ErrRequired, reason)
	default:
		bad := fmt.Errorf("%s=%q: want 1 (%w; fail without them) or 0 (skip)", RequireEnv, env, ErrRequired)
		if reason != nil {
			return fmt.Errorf("%w; and %w", bad, reason)
		}
		return bad
	}
}

// SkipUnlessUsable skips tb when disk faults cannot run here, or fails it,
// with the same reason, when RequireEnv demands them.
func SkipUnlessUsable(tb testing.TB) {
	tb.Helper()
	skipOrFail(tb, Usable())
}

func skipOrFail(tb testing.TB, err error) {
	tb.Helper()
	switch {
	case err == nil:
	case errors.Is(err, ErrRequired):
		tb.Fatal(err)
	default:
		tb.Skipf("disk faults unavailable here: %v", err)
	}
}
