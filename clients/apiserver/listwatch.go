package apiserver

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/client-go/tools/cache"
)

// keyListWatch is what a kube client's informer with fieldSelector
// metadata.name=NAME reaches in the apiserver: the registry store
// (registry/generic/registry/store.go, ListPredicate and WatchPredicate)
// turns a single-name selector into a non-recursive list or watch of that
// one key on its storage.Interface. The REST layer's other work (admission,
// conversion, HTTP) is not here.
//
// It also reports what the informer does not surface: a list that fails
// and a watch.Error event end the reflector's list or watch, which client-go
// logs and retries without calling the watch error handler.
type keyListWatch struct {
	storage storage.Interface
	key     string
	// observeError receives list errors and watch.Error events.
	observeError func(error)
}

var _ cache.ListerWatcherWithContext = keyListWatch{}

func (lw keyListWatch) ListWithContext(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
	list := newCheckpointList()
	opts := storage.ListOptions{
		ResourceVersion:      options.ResourceVersion,
		ResourceVersionMatch: options.ResourceVersionMatch,
		Predicate: storage.SelectionPredicate{
			Label:    labels.Everything(),
			Field:    fields.Everything(),
			Limit:    options.Limit,
			Continue: options.Continue,
		},
		Recursive: false,
	}
	if err := lw.storage.GetList(ctx, lw.key, opts, list); err != nil {
		lw.observeError(fmt.Errorf("list: %w", err))
		return nil, err
	}
	return list, nil
}

func (lw keyListWatch) WatchWithContext(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
	pred := storage.Everything
	pred.AllowWatchBookmarks = options.AllowWatchBookmarks
	w, err := lw.storage.Watch(ctx, lw.key, storage.ListOptions{
		ResourceVersion:   options.ResourceVersion,
		Predicate:         pred,
		Recursive:         false,
		SendInitialEvents: options.SendInitialEvents,
	})
	if err != nil {
		lw.observeError(fmt.Errorf("watch: %w", err))
		return nil, err
	}
	return watch.Filter(w, func(e watch.Event) (watch.Event, bool) {
		if e.Type == watch.Error {
			lw.observeError(fmt.Errorf("watch: %w", apierrors.FromObject(e.Object)))
		}
		// The watch cache hands out its objects wrapped for serialization
		// (cacher.cachingObject); the apiserver's encoder unwraps them, so
		// a client never sees the wrapper.
		if co, ok := e.Object.(runtime.CacheableObject); ok {
			e.Object = co.GetObject()
		}
		return e, true
	}), nil
}

// List and Watch satisfy cache.ListerWatcher, which the informer takes; it
// calls the WithContext forms.
func (lw keyListWatch) List(options metav1.ListOptions) (runtime.Object, error) {
	return lw.ListWithContext(context.Background(), options)
}

func (lw keyListWatch) Watch(options metav1.ListOptions) (watch.Interface, error) {
	return lw.WatchWithContext(context.Background(), options)
}
