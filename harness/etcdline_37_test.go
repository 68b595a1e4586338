//go:build !etcd35

package harness

// clientNewBlocks: clientv3 v3.7 creates its connection with grpc.NewClient
// (client.go, Client.dial), which ignores grpc.WithBlock: New returns at once
// and DialTimeout bounds only the token and version calls.
const clientNewBlocks = false
