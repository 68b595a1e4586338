//go:build !linux

package external

import "syscall"

// execProcAttr puts the process in a group of its own.
func execProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
