// A tiny Go benchmark for the import tests: WORK_SCALE=1.1 makes BenchmarkSum do 10% more work.
package slogatebench

import (
	"os"
	"strconv"
	"testing"
)

var sink int

func work(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i
	}
	return s
}

func scale() float64 {
	v, err := strconv.ParseFloat(os.Getenv("WORK_SCALE"), 64)
	if err != nil {
		return 1
	}
	return v
}

func BenchmarkSum(b *testing.B) {
	n := int(200000 * scale())
	for i := 0; i < b.N; i++ {
		sink = work(n)
	}
}

func BenchmarkAlloc(b *testing.B) {
	b.SetBytes(1024)
	for i := 0; i < b.N; i++ {
		buf := make([]byte, 1024)
		sink = len(buf) + work(100000)
	}
}
