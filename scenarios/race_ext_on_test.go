//go:build race

package scenarios_test

// raceEnabled: timing is not judged under the race detector.
const raceEnabled = true
