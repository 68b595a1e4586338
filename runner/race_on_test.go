//go:build race

package runner

// raceEnabled: the race detector slows etcd several times over, so timing
// budgets are not judged under it (see TestCatalog).
const raceEnabled = true
