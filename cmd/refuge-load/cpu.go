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

// procStat is what /proc/PID/stat says of a process's parent and CPU time.
type procStat struct {
	ppid     int
	cpu      time.Duration // user+system
	children time.Duration // user+system of its children that exited and were waited for
}

// readStat reads /proc/PID/stat (pid 0: this process).
func readStat(pid int) (procStat, bool) {
	path := "/proc/self/stat"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/stat", pid)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, false
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 15 {
		return procStat{}, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	tick := func(t int64) time.Duration { return time.Duration(t) * time.Second / clockTicks }
	return procStat{ppid: int(n(1)), cpu: tick(n(11) + n(12)), children: tick(n(13) + n(14))}, true
}

// procCPU is the user+system CPU time of process pid (0: this process) so far.
func procCPU(pid int) time.Duration {
	st, _ := readStat(pid)
	return st.cpu
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

// cpuMeter measures the CPU used between start and stop: by each Refuge process, by
// PostgreSQL (when the instance is on it, on this machine), by this tool, and by everyone
// else.
type cpuMeter struct {
	pids                    []int
	pg                      *pgCluster
	each                    []time.Duration // per Refuge process
	refuge, db, own, others time.Duration
}

func startCPU(pids []int, pg *pgCluster) *cpuMeter {
	m := &cpuMeter{pids: pids, pg: pg, db: pg.cpu(), own: procCPU(0), others: machineCPU()}
	for _, pid := range pids {
		m.each = append(m.each, procCPU(pid))
	}
	return m
}

// stop turns the meter's readings into CPU used since start.
func (m *cpuMeter) stop() *cpuMeter {
	out := &cpuMeter{pids: m.pids, pg: m.pg, db: m.pg.cpu() - m.db, own: procCPU(0) - m.own}
	for i, pid := range m.pids {
		d := procCPU(pid) - m.each[i]
		out.each, out.refuge = append(out.each, d), out.refuge+d
	}
	out.others = max(0, machineCPU()-m.others-out.refuge-out.db-out.own)
	return out
}

func (m *cpuMeter) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CPU: refuge %.2fs", m.refuge.Seconds())
	if len(m.each) > 1 {
		for i, d := range m.each {
			fmt.Fprintf(&b, "%s%.2f", map[bool]string{true: " (", false: " + "}[i == 0], d.Seconds())
		}
		b.WriteString(")")
	}
	if m.pg != nil && m.pg.postmaster != 0 {
		fmt.Fprintf(&b, ", postgres %.2fs", m.db.Seconds())
	}
	fmt.Fprintf(&b, ", load tool %.2fs, other processes %.2fs", m.own.Seconds(), m.others.Seconds())
	return b.String()
}
