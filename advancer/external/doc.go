// Package external runs an advancer in another process: BR's real waiter,
// a client in another language, a stock etcdctl, or a real client built in
// its own Go module. Command starts it with the Env as one JSON line on its
// standard input (Hello) and reads what it observes as JSON lines on its
// standard output (Message: advances, errors, notes); docs/exec-protocol.md
// is the protocol's reference. The process and its children are killed
// with the run.
package external
