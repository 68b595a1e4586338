// Package apiserver makes the Kubernetes apiserver's etcd storage a
// leaderfault advancer: the checkpoint key is read the way a kube client
// reads one object, a client-go informer (list, then watch, with client-go's
// own restart and backoff) on the single name, through the apiserver's
// registry storage built by its own decorators, with every default of
// k8s.io/apiserver v0.37.2 (etcd client keepalive 30 s / 10 s, dial timeout
// 20 s, require-leader watches, progress notify).
//
// Two advancers differ only in the decorator, as an apiserver's
// --watch-cache flag does:
//
//   - Storage ("apiserver-storage"): generic.UndecoratedStorage, the etcd3
//     store (storagebackend/factory.Create); every list and watch goes to
//     etcd.
//   - Cacher ("apiserver-cacher"): registry.StorageWithCacher, the watch
//     cache (storage/cacher) with its delegator in front of the same
//     store; lists and watches are served from the cache, which its own
//     reflector fills from etcd.
//
// The checkpoint is 8 raw bytes written by leaderfault's writer, not a
// Kubernetes object. The codec (codec.go) is where the apiserver plugs a
// resource's encoding, so a codec that decodes those bytes into a tiny
// object is the one place that changes; the storage, the cacher and the
// transformer (identity, as an apiserver without encryption at rest) run
// as shipped.
//
// It does not read Env.Pinned: the apiserver is given the etcd servers
// (Env.Endpoints) and its client balances over them.
package apiserver
