//go:build !etcd35

package model

import (
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// header is a watch response header at rev; clientv3 v3.7 holds it by pointer.
func header(rev int64) *etcdserverpb.ResponseHeader {
	return &etcdserverpb.ResponseHeader{Revision: rev}
}

var _ = clientv3.WatchResponse{Header: header(0)}
