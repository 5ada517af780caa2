package perf

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// Info describes the machine a measurement ran on. Sizes are in bytes; a
// value below zero (caches) or zero (cores, cache line) means undetected.
type Info struct {
	Brand          string   `json:"brand"`
	Vendor         string   `json:"vendor"`
	Family         int      `json:"family"`
	Model          int      `json:"model"`
	PhysicalCores  int      `json:"physical_cores"`
	LogicalCores   int      `json:"logical_cores"`
	ThreadsPerCore int      `json:"threads_per_core"`
	NumCPU         int      `json:"num_cpu"`    // CPUs this process may use
	GOMAXPROCS     int      `json:"gomaxprocs"` // at the time of Detect
	CacheLine      int      `json:"cache_line"`
	L1D            int      `json:"l1d"`
	L1I            int      `json:"l1i"`
	L2             int      `json:"l2"`
	L3             int      `json:"l3"`
	Hypervisor     string   `json:"hypervisor,omitempty"`
	Level          string   `json:"level,omitempty"` // e.g. x86-64-v3
	Features       []string `json:"features"`        // the ones that matter to us, see notable
	Go             string   `json:"go"`
}

// notable are the features worth printing: vector widths and the
// instructions that hashing, memcpy and crypto paths use.
var notable = []cpuid.FeatureID{
	cpuid.SSE42, cpuid.POPCNT, cpuid.BMI2, cpuid.AVX, cpuid.AVX2, cpuid.AVX512F, cpuid.AVX512BW,
	cpuid.AESNI, cpuid.SHA, cpuid.CLMUL, cpuid.ERMS, cpuid.FSRM, cpuid.ASIMD, cpuid.AESARM, cpuid.CRC32,
}

// Detect reads the CPU and topology of this machine.
func Detect() Info {
	c := &cpuid.CPU
	in := Info{
		Brand:          strings.TrimSpace(c.BrandName),
		Vendor:         c.VendorString,
		Family:         c.Family,
		Model:          c.Model,
		PhysicalCores:  c.PhysicalCores,
		LogicalCores:   c.LogicalCores,
		ThreadsPerCore: c.ThreadsPerCore,
		NumCPU:         runtime.NumCPU(),
		GOMAXPROCS:     runtime.GOMAXPROCS(0),
		CacheLine:      c.CacheLine,
		L1D:            c.Cache.L1D,
		L1I:            c.Cache.L1I,
		L2:             c.Cache.L2,
		L3:             c.Cache.L3,
		Go:             runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
	}
	if c.VM() {
		in.Hypervisor = c.HypervisorVendorString
		if in.Hypervisor == "" {
			in.Hypervisor = "yes"
		}
	}
	if l := c.X64Level(); l > 0 {
		in.Level = fmt.Sprintf("x86-64-v%d", l)
	}
	for _, f := range notable {
		if c.Supports(f) {
			in.Features = append(in.Features, f.String())
		}
	}
	return in
}

// size formats a cache size, "?" when undetected.
func size(b int) string {
	switch {
	case b <= 0:
		return "?"
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d B", b)
}

// WriteTo prints the description in four lines:
//
//	cpu:      AMD EPYC 7B13 64-Core Processor (AuthenticAMD family 25 model 1), hypervisor KVMKVMKVM
//	cores:    1 physical, 2 logical (2 threads/core); NumCPU 2, GOMAXPROCS 2
//	caches:   line 64 B, L1d 32 KiB, L1i 32 KiB, L2 512 KiB, L3 32 MiB
//	features: x86-64-v3 SSE42 POPCNT BMI2 AVX AVX2 AESNI ...; go1.26.8 linux/amd64
func (in Info) WriteTo(w io.Writer) (int64, error) {
	hv := ""
	if in.Hypervisor != "" {
		hv = ", hypervisor " + in.Hypervisor
	}
	n, err := fmt.Fprintf(w, "cpu:      %s (%s family %d model %d)%s\n"+
		"cores:    %d physical, %d logical (%d threads/core); NumCPU %d, GOMAXPROCS %d\n"+
		"caches:   line %d B, L1d %s, L1i %s, L2 %s, L3 %s\n"+
		"features: %s; %s\n",
		in.Brand, in.Vendor, in.Family, in.Model, hv,
		in.PhysicalCores, in.LogicalCores, in.ThreadsPerCore, in.NumCPU, in.GOMAXPROCS,
		in.CacheLine, size(in.L1D), size(in.L1I), size(in.L2), size(in.L3),
		strings.TrimSpace(in.Level+" "+strings.Join(in.Features, " ")), in.Go)
	return int64(n), err
}
