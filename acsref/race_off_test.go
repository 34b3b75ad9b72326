//go:build !race

package acsref_test

// raceSlowdown: see race_on_test.go.
const raceSlowdown = 1
