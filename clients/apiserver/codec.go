package apiserver

import (
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/leaderfault/leaderfault/advancer"
)

// codec is the checkpoint's storage codec: the stored value is BR's 8-byte
// big-endian checkpoint (advancer.DecodeCheckpoint), decoded into a
// Checkpoint named name. The storage, the watcher and the cacher call it
// where they would call a resource's protobuf or JSON serializer.
type codec struct{ name string }

var _ runtime.Codec = codec{}

var checkpointKind = groupVersion.WithKind("Checkpoint")

// Decode implements runtime.Decoder.
func (c codec) Decode(data []byte, _ *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	v, err := advancer.DecodeCheckpoint(data)
	if err != nil {
		return nil, nil, err
	}
	out, ok := into.(*Checkpoint)
	if into == nil {
		out = &Checkpoint{}
	} else if !ok {
		return nil, nil, fmt.Errorf("checkpoint codec: cannot decode into %T", into)
	}
	*out = Checkpoint{Value: v}
	out.Name = c.name
	gvk := checkpointKind
	return out, &gvk, nil
}

// Encode implements runtime.Encoder. The adapter never writes; the cacher
// encodes an empty object once to check the codec matches its type.
func (c codec) Encode(obj runtime.Object, w io.Writer) error {
	cp, ok := obj.(*Checkpoint)
	if !ok {
		return fmt.Errorf("checkpoint codec: cannot encode %T", obj)
	}
	_, err := w.Write(advancer.EncodeCheckpoint(cp.Value))
	return err
}

// Identifier implements runtime.Encoder.
func (c codec) Identifier() runtime.Identifier { return "leaderfault-checkpoint" }
