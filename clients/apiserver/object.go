package apiserver

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// groupVersion names the checkpoint's made-up API group; nothing serves it,
// but the storage layer labels its metrics and errors with it.
var groupVersion = schema.GroupVersion{Group: "leaderfault.io", Version: "v1"}

// groupResource is the resource the storage is built for.
var groupResource = groupVersion.WithResource("checkpoints").GroupResource()

// Checkpoint is the checkpoint key as an apiserver object: its name is the
// key's last element, its resourceVersion the key's etcd ModRevision (the
// storage's versioner sets it), Value the decoded 8 bytes.
type Checkpoint struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Value             uint64 `json:"value"`
}

// CheckpointList is the list type the storage fills on a list.
type CheckpointList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Checkpoint `json:"items"`
}

// DeepCopyObject implements runtime.Object.
func (c *Checkpoint) DeepCopyObject() runtime.Object {
	if c == nil {
		return nil
	}
	out := *c
	c.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

// DeepCopyObject implements runtime.Object.
func (l *CheckpointList) DeepCopyObject() runtime.Object {
	if l == nil {
		return nil
	}
	out := *l
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	out.Items = make([]Checkpoint, len(l.Items))
	for i := range l.Items {
		out.Items[i] = *l.Items[i].DeepCopyObject().(*Checkpoint)
	}
	return &out
}

func newCheckpoint() runtime.Object     { return &Checkpoint{} }
func newCheckpointList() runtime.Object { return &CheckpointList{} }
