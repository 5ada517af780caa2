// Package perf measures the machine and the hot paths.
//
// It owns three things:
//   - Detect/Info: the CPU and topology (model, physical and logical cores,
//     cache line and cache sizes, instruction set features, hypervisor) read
//     with github.com/klauspost/cpuid/v2, printed at the top of every
//     benchmark run so numbers can be compared across machines;
//   - micro-benchmarks of the request hot path (parse, command lookup, ring
//     lookup, replica decision, encode, one in-process round trip) in
//     *_timing_test.go files, run with -benchmem;
//   - Profile: a driver that runs those benchmarks under the CPU and memory
//     profilers and prints the top entries of each profile.
//
// perf may import any package of ours except cmd and bench (bench imports
// perf). Everything here is safe for concurrent use: Detect only reads.
package perf
