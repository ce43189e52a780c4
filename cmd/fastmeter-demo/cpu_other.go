//go:build !unix

package main

import "time"

// processCPUTime has no portable source outside Unix; process.cpu.time is
// then not reported rather than reported wrong.
func processCPUTime() (user, system time.Duration, ok bool) { return 0, 0, false }
