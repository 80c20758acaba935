//go:build race

package people_test

// raceEnabled: under the race detector the pure-Go SQLite runs many times slower,
// so the scale test uses a smaller network there; scripts/test.sh runs the full
// 100k-person test again without -race.
const raceEnabled = true
