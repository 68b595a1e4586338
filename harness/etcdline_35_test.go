//go:build etcd35

package harness

// clientNewBlocks: clientv3 v3.5 dials with grpc.DialContext bounded by
// DialTimeout (client.go, Client.dial), so grpc.WithBlock makes New wait for
// a connection and fail when none comes.
const clientNewBlocks = true
