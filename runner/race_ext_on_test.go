//go:build race

package runner_test

// raceEnabled: timing is not judged under the race detector.
const raceEnabled = true
