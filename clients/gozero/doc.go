// Package gozero holds the out-of-process advancer for go-zero's etcd
// discovery (cmd/gozero-advancer). It is a module of its own that does not
// import leaderfault, so go-zero runs on the etcd client its go.mod asks
// for (v3.5.21) instead of leaderfault's v3.7.3, and its process-wide
// registry (discov/internal.GetRegistry) lives for exactly one run.
package gozero
