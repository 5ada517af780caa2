package ring

// Test-only access to the internal reference algorithms, so their published
// test vectors can be checked with other parameters than hashkit uses.
var (
	Lookup3    = lookup3
	Murmur3X86 = murmur3x86
)
