package main

import "syscall"

// childAttr kills etcdctl if the adapter dies without cleaning up.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
