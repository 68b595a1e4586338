package apiserver

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/tools/cache"

	"github.com/leaderfault/leaderfault/advancer"
)

// Storage is the apiserver without its watch cache (--watch-cache=false):
// an informer on the key through the etcd3 store.
func Storage() advancer.Advancer {
	return &adapter{name: "apiserver-storage", decorate: generic.UndecoratedStorage}
}

// Cacher is the apiserver as it runs by default: an informer on the key
// through the watch cache and its delegator, over the etcd3 store.
func Cacher() advancer.Advancer {
	return &adapter{name: "apiserver-cacher", decorate: registry.StorageWithCacher()}
}

type adapter struct {
	name     string
	decorate generic.StorageDecorator
}

func (a *adapter) Name() string { return a.name }

// retryStart is the pause before building the storage again when it could
// not be built (its etcd client waits up to 20 s to connect). A real
// apiserver exits then and its supervisor restarts it; the 1 s is the
// cacher's own pause between attempts to start caching (wait.Until in
// cacher.NewCacherFromConfig).
const retryStart = time.Second

// Run builds the storage, runs an informer on the checkpoint key until ctx
// ends, and reports every object the informer delivers.
func (a *adapter) Run(ctx context.Context, env *advancer.Env) error {
	if err := env.Validate(); err != nil {
		return fmt.Errorf("%s: %w", a.name, err)
	}
	key := env.Key()
	resourcePrefix := path.Dir(key)
	name := path.Base(key)
	for {
		s, destroy, err := a.build(env.Endpoints, resourcePrefix, name)
		if err == nil {
			a.inform(ctx, env, s, key)
			destroy()
			return nil
		}
		env.ObserveError(fmt.Errorf("%s: building the storage: %w", a.name, err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retryStart):
		}
	}
}

// build is what an apiserver does for one resource: the default storage
// config, the resource's codec, and the storage decorator.
func (a *adapter) build(endpoints []string, resourcePrefix, name string) (storage.Interface, func(), error) {
	cfg := storagebackend.NewDefaultConfig("/", codec{name: name})
	cfg.Transport.ServerList = endpoints
	keyFunc := func(obj runtime.Object) (string, error) {
		m, err := meta.Accessor(obj)
		if err != nil {
			return "", err
		}
		return resourcePrefix + "/" + m.GetName(), nil
	}
	getAttrs := func(obj runtime.Object) (labels.Set, fields.Set, error) {
		return storage.DefaultClusterScopedAttr(obj)
	}
	s, destroy, err := a.decorate(cfg.ForResource(groupResource), resourcePrefix, keyFunc, newCheckpoint, newCheckpointList, getAttrs, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	return s, destroy, nil
}

// inform runs a client-go informer with its defaults (no resync; the
// reflector's backoff of 800 ms doubling to 30 s) until ctx ends.
func (a *adapter) inform(ctx context.Context, env *advancer.Env, s storage.Interface, key string) {
	inf := cache.NewSharedIndexInformer(keyListWatch{storage: s, key: key, observeError: func(err error) { env.ObserveError(fmt.Errorf("%s: %w", a.name, err)) }}, &Checkpoint{}, 0, cache.Indexers{})
	report := func(obj any) {
		cp, ok := obj.(*Checkpoint)
		if !ok {
			env.ObserveError(fmt.Errorf("%s: informer delivered %T", a.name, obj))
			return
		}
		rev, err := strconv.ParseInt(cp.ResourceVersion, 10, 64)
		if err != nil {
			env.ObserveError(fmt.Errorf("%s: resourceVersion %q: %w", a.name, cp.ResourceVersion, err))
			rev = 0
		}
		env.ObserveAdvance(cp.Value, rev)
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { report(obj) },
		UpdateFunc: func(_, obj any) { report(obj) },
		DeleteFunc: func(any) { env.Note("%s: the checkpoint key was deleted", a.name) },
	})
	if err != nil {
		env.ObserveError(fmt.Errorf("%s: informer handler: %w", a.name, err))
		return
	}
	if err := inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *cache.Reflector, err error) {
		env.ObserveError(fmt.Errorf("%s: list/watch: %w", a.name, err))
		cache.DefaultWatchErrorHandler(ctx, r, err)
	}); err != nil {
		env.ObserveError(fmt.Errorf("%s: informer error handler: %w", a.name, err))
		return
	}
	inf.RunWithContext(ctx)
}
