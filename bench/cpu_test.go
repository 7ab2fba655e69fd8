package bench

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock measures the CPU time the whole process spends (user and
// system, every thread: the GC's background workers included) over a
// benchmark's loop. On a machine shared with other work, wall time per
// operation (sec/op) grows whenever the benchmark waits for a core; CPU time
// does not, so cpu-ns/op is the steadier measure of what a request costs.
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{processCPU()} }

// report adds cpu-ns/op to the benchmark's results; call it after the
// loop, when b.N is the number of iterations that ran.
func (c cpuClock) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
