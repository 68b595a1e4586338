//go:build !linux

package advancer

import "syscall"

// execProcAttr puts the process in a group of its own.
func execProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
