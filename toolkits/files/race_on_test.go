//go:build race

package files

// raceEnabled: the race detector multiplies memory several times over, so
// the attack tests report peak RSS but do not hold it to the limit.
const raceEnabled = true
