//go:build !race

package people_test

const raceEnabled = false
