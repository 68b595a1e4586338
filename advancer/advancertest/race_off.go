//go:build !race

package advancertest

const raceEnabled = false
