//go:build race

package harness

// raceEnabled: the race detector slows etcd several times over, so measured
// magnitudes that depend on timing are not judged under it.
const raceEnabled = true
