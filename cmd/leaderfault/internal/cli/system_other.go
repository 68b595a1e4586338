//go:build !linux

package cli

import (
	"errors"
	"os"
)

// isTerminal reports whether f is a character device (a terminal, most
// likely; leaderfault itself needs Linux).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// terminalWidth is unknown here.
func terminalWidth(*os.File) int { return 0 }

// openFileLimit is not read here.
func openFileLimit() (soft, hard uint64, err error) {
	return 0, 0, errors.New("not supported on this system")
}
