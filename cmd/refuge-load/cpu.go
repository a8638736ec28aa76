package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Other work on the machine changes throughput figures but not the CPU time each request
// costs, so every run also reports CPU seconds: Refuge's, this tool's, and everyone else's.

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// procCPU is the user+system CPU time of process pid (0: this process) so far.
func procCPU(pid int) time.Duration {
	path := "/proc/self/stat"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/stat", pid)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+sys) * time.Second / clockTicks
}

// machineCPU is the busy CPU time of the whole machine so far, all cores.
func machineCPU() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest times are already counted in user
			break
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / clockTicks
}

// cpuMeter measures the CPU used between start and stop.
type cpuMeter struct {
	pid                 int
	refuge, own, others time.Duration
}

func startCPU(pid int) *cpuMeter {
	return &cpuMeter{pid: pid, refuge: procCPU(pid), own: procCPU(0), others: machineCPU()}
}

// stop turns the meter's readings into CPU used since start.
func (m *cpuMeter) stop() *cpuMeter {
	r, o, all := procCPU(m.pid)-m.refuge, procCPU(0)-m.own, machineCPU()-m.others
	if m.pid == 0 {
		r = 0
	}
	return &cpuMeter{pid: m.pid, refuge: r, own: o, others: max(0, all-r-o)}
}

func (m *cpuMeter) String() string {
	return fmt.Sprintf("CPU: refuge %.2fs, load tool %.2fs, other processes %.2fs",
		m.refuge.Seconds(), m.own.Seconds(), m.others.Seconds())
}
