//! How long the markdown report of a 5,000-benchmark comparison takes to render (target: < 100 ms).

use criterion::{criterion_group, criterion_main, Criterion};
use slogate::report::{render, Format, RenderOptions};
// The fixture is written against `crate::` paths; these make them resolve in this crate.
use slogate::{compare, results, units};

#[allow(dead_code)]
#[path = "../src/report/fixture.rs"]
mod fixture;

fn markdown_5000(c: &mut Criterion) {
    let comparison = fixture::large(5_000, 40);
    let opts = RenderOptions {
        full_report: Some("reports/slogate-report.md".to_string()),
        ..RenderOptions::default()
    };
    c.bench_function("markdown_5000_benchmarks", |b| {
        b.iter(|| render(&comparison, Format::Markdown, &opts))
    });
    let unlimited = RenderOptions {
        max_chars: usize::MAX,
        ..opts.clone()
    };
    c.bench_function("markdown_5000_benchmarks_full", |b| {
        b.iter(|| render(&comparison, Format::Markdown, &unlimited))
    });
}

criterion_group!(benches, markdown_5000);
criterion_main!(benches);
