package external

import "syscall"

// execProcAttr puts the process in a group of its own and kills it if the
// harness dies (the parent-death signal).
func execProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
