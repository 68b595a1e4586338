package runner

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leaderfault/leaderfault/harness"
	"github.com/leaderfault/leaderfault/record"
	"github.com/leaderfault/leaderfault/scenarios/catalog"
	"github.com/leaderfault/leaderfault/scenarios/script"
)

func TestClusterProfileStretchesOnce(t *testing.T) {
	for _, c := range []struct {
		name    string
		line    *script.ClusterSpec
		stretch float64
		want    harness.Profile
	}{
		{"no cluster line", nil, 1, harness.ProfileFast},
		{"no cluster line, ×10", nil, 10, harness.ProfileProduction},
		{"fast ×10 is production", &script.ClusterSpec{Profile: "fast"}, 10, harness.ProfileProduction},
		{"production as written", &script.ClusterSpec{Profile: "production"}, 0, harness.ProfileProduction},
		{"production ×2", &script.ClusterSpec{Profile: "production"}, 2, harness.Profile{Name: "custom", Tick: 200 * time.Millisecond, Election: 2 * time.Second}},
		{"own timing ×10", &script.ClusterSpec{Tick: 20 * time.Millisecond, Election: 200 * time.Millisecond}, 10, harness.Profile{Name: "custom", Tick: 200 * time.Millisecond, Election: 2 * time.Second}},
		{"own timing ×5 is production", &script.ClusterSpec{Tick: 20 * time.Millisecond, Election: 200 * time.Millisecond}, 5, harness.ProfileProduction},
	} {
		got, err := clusterProfile(c.line, c.stretch)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, got, c.name)
	}
	_, err := clusterProfile(&script.ClusterSpec{Profile: "fast"}, 0.15)
	assert.ErrorContains(t, err, "whole milliseconds")
}

func TestStretchTo(t *testing.T) {
	for _, c := range []struct {
		src  string
		want float64
	}{
		{"scenario a\nwait 1s\n", 10},
		{"scenario a\ncluster profile=fast\n", 10},
		{"scenario a\ncluster profile=production\n", 1},
		{"scenario a\ncluster election=250ms\n", 4},
	} {
		sc, err := Parse("a.scn", []byte(c.src))
		require.NoError(t, err)
		got, err := StretchTo(sc, harness.ProfileProduction)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, c.src)
	}
}

// TestFastRunIsInFastTime runs the shortest catalog scenario, written in
// production time, at the fast profile: the cluster at etcd's
// integration-test timing, the preset scaled by 10, the script's durations
// divided by 10 in what ran and in what the result says.
func TestFastRunIsInFastTime(t *testing.T) {
	t.Parallel()
	file, src, err := catalog.Source("leader-transfer")
	require.NoError(t, err)
	sc, err := Parse(file, src)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // waiting for admission included
	defer cancel()
	res, err := Run(ctx, sc, Options{Preset: "robust", Time: "fast"})
	require.NoError(t, err)
	assert.Equal(t, "fast", res.Profile)
	assert.Equal(t, 100*time.Millisecond, res.Elect)
	assert.Equal(t, 10*time.Millisecond, res.Tick)
	assert.Equal(t, 10.0, res.Scale, "the advancer's default scale follows the election timeout")
	assert.Equal(t, 0.1, res.Stretch)
	assert.Equal(t, harness.EtcdVersion(), res.Etcd)
	var texts []string
	for _, e := range res.Expectations {
		texts = append(texts, e.Text)
	}
	assert.Contains(t, texts, "expect leader-change within 300ms")
	assert.Contains(t, texts, "expect advance within 200ms")
	// The writer's every=200ms ran as 20ms: the median gap between uploads
	// (the first follows the key's creation at once, and a late tick makes
	// one gap long and the next short) is far below 200ms.
	var writes []time.Duration
	for _, e := range res.Events {
		if e.Kind == record.KindWrite && e.Issued > 0 {
			writes = append(writes, e.Issued)
		}
	}
	require.GreaterOrEqual(t, len(writes), 3)
	var gaps []time.Duration
	for i := 1; i < len(writes); i++ {
		gaps = append(gaps, writes[i]-writes[i-1])
	}
	slices.Sort(gaps)
	assert.Less(t, gaps[len(gaps)/2], 60*time.Millisecond, "median interval between uploads: %v", gaps)
	assert.Equal(t, "pass", string(res.Verdict()), res.Summary())
}

// TestCatalogIsWrittenInProductionTime: every catalog scenario is written at
// etcd's production timing (so the default time runs it as written) and
// can run at the fast profile (LEADERFAULT_TIME=fast, --time fast).
func TestCatalogIsWrittenInProductionTime(t *testing.T) {
	for _, name := range catalog.Names() {
		file, src, err := catalog.Source(name)
		require.NoError(t, err)
		sc, err := Parse(file, src)
		require.NoError(t, err)
		k, err := TimeStretch(sc, "")
		require.NoError(t, err, name)
		assert.Equal(t, 1.0, k, "%s is not written at the production profile", name)
		k, err = TimeStretch(sc, "fast")
		require.NoError(t, err, name)
		assert.Equal(t, 0.1, k, name)
		_, err = sc.Stretch(k)
		assert.NoError(t, err, name)
	}
}
