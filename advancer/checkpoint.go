package advancer

import (
	"encoding/binary"
	"fmt"
)

// CheckpointKey is BR's global checkpoint key of a log-backup task.
func CheckpointKey(task string) string {
	return "/tidb/br-stream/checkpoint/" + task + "/central_global"
}

// EncodeCheckpoint renders a checkpoint as BR stores it: 8 bytes, big-endian.
// Big-endian also makes etcd's byte-wise value comparison numeric, which the
// writer's compare-and-put relies on.
func EncodeCheckpoint(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// DecodeCheckpoint parses a stored checkpoint, rejecting anything that is not
// 8 bytes (as BR's parseGlobalCheckpointValue does).
func DecodeCheckpoint(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("global checkpoint is %d bytes, want 8 (value %q)", len(b), b)
	}
	return binary.BigEndian.Uint64(b), nil
}
