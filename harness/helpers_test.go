package harness

import clientv3 "go.etcd.io/etcd/client/v3"

func clientv3Config() clientv3.Config { return clientv3.Config{} }
