//! The differential flame graph (inferno): frames as wide as the candidate's cost, red where the
//! candidate spends more than the baseline, blue where less.

use super::diff::Differential;

/// The SVG of `d`, costs over `runs` processes (inferno counts in integers, and its `factor`
/// would skew the differential percentages). `title` is the benchmark's key; inferno escapes it
/// and every frame name.
pub fn differential_svg(
    d: &Differential,
    runs: u32,
    title: &str,
    unit: &str,
) -> std::io::Result<Vec<u8>> {
    let scale = f64::from(runs.max(1));
    let mut lines: Vec<String> = d
        .stacks
        .iter()
        .map(|s| {
            let frames: Vec<String> = s.stack.iter().map(|f| f.replace(';', ":")).collect();
            format!(
                "{} {} {}",
                frames.join(";"),
                (s.cost[0] * scale).round() as u64,
                (s.cost[1] * scale).round() as u64
            )
        })
        .collect();
    lines.sort();
    let mut opts = inferno::flamegraph::Options::default();
    opts.title = format!("Where {title} changed");
    opts.subtitle = Some(
        format!("Widths: the candidate's {unit} over {runs} profiled processes. Red: more than the baseline; blue: less."),
    );
    opts.count_name = unit.to_string();
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut opts, lines.iter().map(String::as_str), &mut svg)?;
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::super::diff::differential;
    use super::super::folded::Folded;
    use super::*;

    #[test]
    fn draws_both_sides_with_escaped_names() {
        let parse = |t: &str| Folded::parse(t, "t", |f| Some(f.to_string())).unwrap();
        let d = differential(
            [
                &[parse("main;<b>a</b> 10\nmain;b 10")],
                &[parse("main;<b>a</b> 13\nmain;b 10")],
            ],
            false,
        );
        let svg = String::from_utf8(differential_svg(&d, 1, "s/x", "samples").unwrap()).unwrap();
        assert!(svg.starts_with("<?xml"));
        assert!(svg.contains("Where s/x changed"));
        assert!(svg.contains("&lt;b&gt;a&lt;/b&gt;") && !svg.contains("<b>a</b>"));
        // A grown frame is drawn with its delta: 3 of the 23 samples.
        assert!(svg.contains("+13.04%"), "no delta in the SVG");
    }
}
