package otel

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the process has used so far,
// on all its threads: the benchmark loop, the tracer's writer, the
// exporters, the collector and the garbage collector. Unlike ns/op it
// does not count time the process spent waiting for a CPU that other
// processes held, so it is steadier on a loaded machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
