//go:build unix

package main

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time the process has used in user and in
// system mode, as the kernel accounts it (all threads, finished ones
// included). runtime/metrics' /cpu/classes/total is not that: it is the
// CPU available to the process (GOMAXPROCS × wall time).
func processCPUTime() (user, system time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), true
}
