// Package harness runs a multi-member etcd cluster and breaks it on purpose.
//
// A Cluster is 1, 3 or 5 real etcd members, embedded in the calling process
// (go.etcd.io/etcd/server/v3/embed) or, with Options.Release, child processes
// of etcd's own binary of a release; each behind two loopback proxies of ours — one on its client URL, one on its
// peer URL — so that client links and peer links can be delayed, blackholed,
// paused or reset per member and per direction. Members can be crashed, stopped
// and restarted on the same data dir and addresses, or replaced by a new
// member at new addresses (Replace); leadership can be moved; a member's data
// dir can sit on a FUSE mount served by a child process so its disk can be
// slowed or stalled. Faults are values (see Fault) applied to a
// Target resolved at the moment of injection; every effect goes to a
// record.Recorder. The client proxies also follow the gRPC traffic they carry
// (ClientTraffic, WatchStreams), so a fault can be aimed where the client under
// test really is (Watched, Connected), wherever its balancer put it.
//
// Disk faults need FUSE (/dev/fuse and root or fusermount). Where they cannot
// run, DiskAvailable says why, and the tests and scenarios that need them
// skip with that reason. LEADERFAULT_REQUIRE_DISK=1 (set by CI) turns every
// such skip into a failure with the same reason, so a machine without FUSE
// cannot pass with the disk scenarios silently untested; SkipWithoutDisk is
// the test helper that does either.
//
// It is not a general etcd test framework (no TLS, no membership changes but
// Replace, no grpc-proxy), and it does not judge anything: scenarios and expectations live
// in package runner, and the advancer under test in package advancer.
package harness
