//go:build race

package advancertest

// raceEnabled: under the race detector everything runs several times slower,
// so the catalog's timing requirements cannot be judged.
const raceEnabled = true
