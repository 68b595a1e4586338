package harness

import (
	"encoding/binary"

	"google.golang.org/protobuf/encoding/protowire"
)

// gRPC method names (HTTP/2 :path) of the calls etcd clients make most.
const (
	MethodWatch = "/etcdserverpb.Watch/Watch"
	MethodRange = "/etcdserverpb.KV/Range"
	MethodPut   = "/etcdserverpb.KV/Put"
)

// maxWatchMessage bounds the gRPC message the observer reassembles to read a
// Watch request or response; a larger one is counted but not read.
const maxWatchMessage = 4 << 20

// grpcMessages splits one direction of a gRPC stream into messages: each is
// a 5-byte prefix (compressed flag, big-endian length) and its payload, and
// messages do not align with HTTP/2 DATA frames.
type grpcMessages struct {
	prefix  [5]byte
	have    int    // bytes of prefix read
	need    int    // payload bytes still to come
	payload []byte // the message so far, nil when it is being skipped
	skip    bool   // compressed or too large: counted, not read
}

// write consumes p and calls emit for each complete message; payload is nil
// for a message that was skipped.
func (g *grpcMessages) write(p []byte, emit func(payload []byte)) {
	for len(p) > 0 {
		if g.have < len(g.prefix) {
			n := copy(g.prefix[g.have:], p)
			g.have += n
			p = p[n:]
			if g.have < len(g.prefix) {
				return
			}
			g.need = int(binary.BigEndian.Uint32(g.prefix[1:]))
			g.skip = g.prefix[0] != 0 || g.need > maxWatchMessage
			g.payload = nil
			if !g.skip {
				g.payload = make([]byte, 0, g.need)
			}
		}
		n := min(g.need, len(p))
		if !g.skip {
			g.payload = append(g.payload, p[:n]...)
		}
		g.need -= n
		p = p[n:]
		if g.need == 0 {
			if g.skip {
				emit(nil)
			} else {
				emit(g.payload)
			}
			g.have, g.payload = 0, nil
		}
	}
}

// watchRequestKind is what a WatchRequest asks for.
type watchRequestKind int

const (
	watchRequestOther watchRequestKind = iota
	watchRequestCreate
	watchRequestCancel
	watchRequestProgress
)

// Field numbers of etcdserverpb (api/v3/etcdserverpb/rpc.proto). The wire
// format is the contract shared by every etcd release; decoding it directly
// keeps the observer independent of which generated Go types (gogo in v3.5,
// google.golang.org/protobuf in v3.6+) the build links.
const (
	fieldWatchRequestCreate   = 1
	fieldWatchRequestCancel   = 2
	fieldWatchRequestProgress = 3

	fieldWatchResponseHeader = 1
	fieldWatchResponseEvents = 11
	fieldHeaderRevision      = 3
)

// decodeWatchRequest says which request of the oneof a WatchRequest carries.
func decodeWatchRequest(b []byte) watchRequestKind {
	kind := watchRequestOther
	walkFields(b, func(num protowire.Number, _ protowire.Type, _ []byte, _ uint64) {
		switch num {
		case fieldWatchRequestCreate:
			kind = watchRequestCreate
		case fieldWatchRequestCancel:
			kind = watchRequestCancel
		case fieldWatchRequestProgress:
			kind = watchRequestProgress
		}
	})
	return kind
}

// decodeWatchResponse returns a WatchResponse's header revision and its
// number of events; ok is false when b is not a well-formed message.
func decodeWatchResponse(b []byte) (rev int64, events int, ok bool) {
	ok = walkFields(b, func(num protowire.Number, typ protowire.Type, sub []byte, _ uint64) {
		switch {
		case num == fieldWatchResponseHeader && typ == protowire.BytesType:
			walkFields(sub, func(num protowire.Number, typ protowire.Type, _ []byte, v uint64) {
				if num == fieldHeaderRevision && typ == protowire.VarintType {
					rev = int64(v)
				}
			})
		case num == fieldWatchResponseEvents && typ == protowire.BytesType:
			events++
		}
	})
	return rev, events, ok
}

// walkFields calls field for each top-level field of the protobuf message b
// (sub is a length-delimited field's bytes, v a varint's value) and reports
// whether b parsed to its end.
func walkFields(b []byte, field func(num protowire.Number, typ protowire.Type, sub []byte, v uint64)) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var sub []byte
		var v uint64
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			sub, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return false
		}
		b = b[n:]
		field(num, typ, sub, v)
	}
	return true
}
