//go:build race

package acsref_test

// raceSlowdown scales the time bounds the issue sets (discovered within
// 5 s of the first Inform): the race detector slows the ACS 2-20 times.
const raceSlowdown = 10
