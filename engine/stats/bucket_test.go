package stats

import "testing"

// The lookup of small values agrees with the search everywhere it applies.
func TestBucketOfSmallValues(t *testing.T) {
	for v := int64(-3); v < int64(len(smallBuckets))+300; v++ {
		if got, want := bucketOf(v), searchBucket(v); got != want {
			t.Fatalf("bucketOf(%d) = %d; want %d", v, got, want)
		}
	}
}
