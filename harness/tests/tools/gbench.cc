// A tiny Google Benchmark program for the import tests: WORK_SCALE=1.1 makes BM_Sum do 10% more work.
#include <benchmark/benchmark.h>

#include <cstdlib>

static long work(long n) {
  long s = 0;
  for (long i = 0; i < n; ++i) {
    s += i;
    benchmark::DoNotOptimize(s);
  }
  return s;
}

static double scale() {
  const char* w = std::getenv("WORK_SCALE");
  return w ? std::atof(w) : 1.0;
}

static void BM_Sum(benchmark::State& state) {
  const long n = static_cast<long>(state.range(0) * scale());
  for (auto _ : state) benchmark::DoNotOptimize(work(n));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Sum)->Arg(20000);

static void BM_Other(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(work(10000));
  state.counters["calls"] = 1;
}
BENCHMARK(BM_Other);

BENCHMARK_MAIN();
