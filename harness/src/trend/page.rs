//! The two documents beside the plots: `index.html` (every plot, grouped by suite, benchmarks with
//! the newest change point first) and `changes.md` (one line per change point).

use super::{plot, short_commit, Change, Series, Trends};
use crate::escape::{markdown_text, xml_text};
use crate::units::format_pct;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Static HTML; every name from the history is escaped.
pub fn index_html(t: &Trends, (w, h): (u32, u32)) -> String {
    let mut out = String::from(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>slogate trends</title>\n\
         <style>body{font-family:sans-serif;margin:1.5em;max-width:1900px}img{max-width:100%;height:auto;border:1px solid #ddd}\
         .plots{display:flex;flex-wrap:wrap;gap:12px}.change{color:#b35900}</style>\n</head>\n<body>\n<h1>Trends</h1>\n",
    );
    let changes: usize = t.series.iter().map(|s| s.changes.len()).sum();
    let span = match (t.runs.first(), t.runs.last()) {
        (Some(a), Some(b)) => format!(
            " from {} to {}",
            a.started_at.format("%Y-%m-%d"),
            b.started_at.format("%Y-%m-%d")
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<p>{} runs{span}, {} series, {changes} change points (<a href=\"changes.md\">list</a>).</p>",
        t.runs.len(),
        t.series.len()
    );
    for (suite, benches) in by_suite(t) {
        let _ = writeln!(out, "<h2>{}</h2>", xml_text(suite));
        for series in benches {
            let _ = writeln!(out, "<section>\n<h3>{}</h3>", xml_text(&series[0].key));
            for s in &series {
                for c in &s.changes {
                    let _ = writeln!(
                        out,
                        "<p class=\"change\">{}: {}</p>",
                        xml_text(&named(t, s)),
                        xml_text(&describe(t, s, c))
                    );
                }
            }
            out.push_str("<div class=\"plots\">\n");
            for s in &series {
                let stem = xml_text(&plot::file_stem(s));
                let _ = writeln!(
                    out,
                    "<a href=\"plots/{stem}.svg\"><img src=\"plots/{stem}.png\" width=\"{w}\" height=\"{h}\" \
                     loading=\"lazy\" alt=\"{} {}\"></a>",
                    xml_text(&s.key),
                    xml_text(&named(t, s))
                );
            }
            out.push_str("</div>\n</section>\n");
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The metric, and the machine when the history holds several.
fn named(t: &Trends, s: &Series) -> String {
    match t.machine_label(s) {
        Some(m) => format!("{} {m}", s.metric),
        None => s.metric.clone(),
    }
}

/// Suites in name order; inside each, benchmarks (all their metrics' series together) with the
/// newest change point first, then by key.
fn by_suite(t: &Trends) -> BTreeMap<&str, Vec<Vec<&Series>>> {
    let mut benches: BTreeMap<(&str, &str), Vec<&Series>> = BTreeMap::new();
    for s in &t.series {
        benches.entry((&s.suite, &s.key)).or_default().push(s);
    }
    let mut suites: BTreeMap<&str, Vec<Vec<&Series>>> = BTreeMap::new();
    for ((suite, _), series) in benches {
        suites.entry(suite).or_default().push(series);
    }
    for list in suites.values_mut() {
        list.sort_by_key(|series| {
            std::cmp::Reverse(
                series
                    .iter()
                    .flat_map(|s| s.changes.iter().map(|c| c.after_run))
                    .max(),
            )
        });
    }
    suites
}

/// `+8.1% (regression) between abc1234 (2026-10-03) and def5678 (2026-10-04), confidence 99.5%`.
fn describe(t: &Trends, s: &Series, c: &Change) -> String {
    let (before, after) = (&t.runs[c.before_run], &t.runs[c.after_run]);
    let worse = (c.point.relative > 0.0) == s.rise_is_worse();
    format!(
        "{} ({}) between {} ({}) and {} ({}), confidence {:.1}%",
        format_pct(c.point.relative),
        if worse { "regression" } else { "improvement" },
        short_commit(before),
        before.started_at.format("%Y-%m-%d"),
        short_commit(after),
        after.started_at.format("%Y-%m-%d"),
        c.point.confidence() * 100.0
    )
}

/// One line per change point, newest first.
pub fn changes_md(t: &Trends) -> String {
    let mut all: Vec<(&Series, &Change)> = t
        .series
        .iter()
        .flat_map(|s| s.changes.iter().map(move |c| (s, c)))
        .collect();
    all.sort_by(|a, b| {
        (b.1.after_run, &a.0.key, &a.0.metric).cmp(&(a.1.after_run, &b.0.key, &b.0.metric))
    });
    let mut out = String::from("# Change points\n\n");
    if all.is_empty() {
        let _ = writeln!(out, "No change points in {} runs.", t.runs.len());
    }
    for (s, c) in all {
        let before = &t.runs[c.before_run];
        let after = &t.runs[c.after_run];
        let _ = writeln!(
            out,
            "- {} · {} · {} · {}..{} · confidence {:.1}%",
            markdown_text(&s.key),
            markdown_text(&named(t, s)),
            markdown_text(&format!(
                "{} {}",
                format_pct(c.point.relative),
                if (c.point.relative > 0.0) == s.rise_is_worse() {
                    "(regression)"
                } else {
                    "(improvement)"
                }
            )),
            markdown_text(&short_commit(before)),
            markdown_text(&short_commit(after)),
            c.point.confidence() * 100.0
        );
    }
    out
}
