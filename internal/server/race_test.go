//go:build race

package server

// raceEnabled: under the race detector the pure-Go SQLite runs many times slower,
// so the route matrix covers two networks there; scripts/test.sh runs it again
// over all four without -race.
const raceEnabled = true
