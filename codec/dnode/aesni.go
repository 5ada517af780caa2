package dnode

import "github.com/klauspost/cpuid/v2"

// AESNI reports whether the CPU has the AES instructions, which Go's
// crypto/aes uses when present (the peer encryption then costs little).
// The bench prints it in its CPU line.
func AESNI() bool { return cpuid.CPU.Supports(cpuid.AESNI) }
