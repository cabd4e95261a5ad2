//! Two tiny benchmarks; `WORK_SCALE=1.1` makes `sum_loop` do 10% more work, for a candidate whose
//! one regression is known.
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn work(n: u64) -> u64 {
    (0..n).fold(0, |s, i| black_box(s + i))
}

fn benches(c: &mut Criterion) {
    let scale: f64 = std::env::var("WORK_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
    let n = (20_000.0 * scale) as u64;
    c.bench_function("sum_loop", |b| b.iter(|| work(black_box(n))));
    let mut g = c.benchmark_group("group");
    g.bench_function("other", |b| b.iter(|| work(black_box(10_000))));
    g.finish();
}

criterion_group!(fixture, benches);
criterion_main!(fixture);
