package main

import (
	"os"
	"strconv"
	"strings"
)

// cpuSample is a reading of the CPU time counters of Linux's /proc, in
// clock ticks: the whole machine's, and that of the processes this command
// knows (itself and the registry it started). Two samples tell how much of
// the machine other processes used in between: work that competes with the
// measurement, so that figures taken while the machine was busy are not
// quoted as its capacity.
type cpuSample struct {
	ok          bool   // false when /proc is not readable
	total, idle uint64 // all CPUs: every state, and idle + iowait
	known       uint64 // user + system time of the known processes
}

// sampleCPU reads the counters; registryPid is 0 when the registry was not
// started here.
func sampleCPU(registryPid int) cpuSample {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuSample{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(fields) < 6 || fields[0] != "cpu" {
		return cpuSample{}
	}
	s := cpuSample{ok: true}
	for i, f := range fields[1:] {
		if i >= 8 { // guest times are already counted in user
			break
		}
		v, _ := strconv.ParseUint(f, 10, 64)
		s.total += v
		if i == 3 || i == 4 {
			s.idle += v
		}
	}
	s.known = processTicks("self")
	if registryPid != 0 {
		s.known += processTicks(strconv.Itoa(registryPid))
	}
	return s
}

// processTicks returns the user + system time of /proc/<pid>/stat.
func processTicks(pid string) uint64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	fields := strings.Fields(rest) // state is field 3 of the file, utime 14, stime 15
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseUint(fields[11], 10, 64)
	stime, _ := strconv.ParseUint(fields[12], 10, 64)
	return utime + stime
}

// otherCPU returns the share (0 to 1) of the machine's CPU time between a
// and b used by processes other than the known ones, or -1 when it cannot
// be told.
func otherCPU(a, b cpuSample) float64 {
	if !a.ok || !b.ok || b.total <= a.total {
		return -1
	}
	busy := float64((b.total - a.total) - (b.idle - a.idle))
	other := busy - float64(b.known-a.known)
	return max(other, 0) / float64(b.total-a.total)
}
