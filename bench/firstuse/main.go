// Command firstuse prints how long the first use of each committed schema
// takes in a fresh process (decode and index), in wall and CPU time:
// bench/gen.sh runs it.
package main

import (
	"fmt"
	"syscall"
	"time"

	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr104 "github.com/dmforge/dmforge/generated/tr104/schema"
	tr135 "github.com/dmforge/dmforge/generated/tr135/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	for _, s := range []*model.Schema{tr181.Schema, tr098.Schema, tr104.Schema, tr135.Schema} {
		c0, t0 := cpu(), time.Now()
		n := s.Len()
		fmt.Printf("first use of %-28s %5d entries: %6d µs wall, %6d µs CPU\n", s.Model, n, time.Since(t0).Microseconds(), (cpu() - c0).Microseconds())
	}
}
