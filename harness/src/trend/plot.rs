//! One series as a plot: estimate line with its CI band, the SLO limit, change points marked.
//! The same drawing goes to SVG and PNG; PNG text uses the embedded DejaVu Sans, so machines
//! without system fonts (CI containers) still get labelled axes.

use super::{RunInfo, Series, TrendError};
use crate::units::{format_pct, Scale, Unit};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;
use sha2::{Digest, Sha256};
use std::path::Path;

const FONT: &str = "sans-serif";
static DEJAVU: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the embedded font once per process (plotters keeps a global font table).
pub fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU).is_err() {
            unreachable!("the embedded DejaVu Sans is a valid font");
        }
    });
}

/// A file name for the series: readable, and unique through a short hash of key and metric.
pub fn file_stem(s: &Series) -> String {
    let readable: String = format!("{}.{}", s.key, s.metric)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let hash = Sha256::digest(format!("{}\0{}\0{}", s.key, s.metric, s.machine).as_bytes());
    let tag: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{readable}-{tag}")
}

/// Writes `<stem>.svg` and `<stem>.png` into `dir`.
pub fn render(
    s: &Series,
    runs: &[RunInfo],
    dir: &Path,
    stem: &str,
    (w, h): (u32, u32),
) -> Result<(), TrendError> {
    let svg_path = dir.join(format!("{stem}.svg"));
    let png_path = dir.join(format!("{stem}.png"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw(&root, s, runs).map_err(|e| draw_error(&svg_path, e))?;
        root.present().map_err(|e| draw_error(&svg_path, e))?;
    }
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, s, runs).map_err(|e| draw_error(&png_path, e))?;
        root.present().map_err(|e| draw_error(&png_path, e))?;
    }
    let png = encode_png(&rgb, w, h).map_err(|e| draw_error(&png_path, e))?;
    for (path, bytes) in [(&svg_path, svg.as_bytes()), (&png_path, png.as_slice())] {
        crate::fsutil::write_atomic(path, bytes).map_err(|source| TrendError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

fn draw_error(path: &Path, e: impl std::fmt::Display) -> TrendError {
    TrendError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Default);
    let mut writer = enc.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

const BAND: RGBColor = RGBColor(31, 119, 180);
const LIMIT: RGBColor = RGBColor(214, 39, 40);
const CHANGE: RGBColor = RGBColor(230, 120, 0);

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Series,
    runs: &[RunInfo],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let n = s.points.len();
    let (mut lo, mut hi) = s.points.iter().fold((f64::MAX, f64::MIN), |(l, h), p| {
        (l.min(p.estimate.lo), h.max(p.estimate.hi))
    });
    if n == 0 {
        (lo, hi) = (0.0, 1.0);
    }
    let span = (hi - lo).max(hi.abs() * 0.02).max(1e-9);
    // The limit joins the y range when it is near the data; far above, it is named in the legend.
    let limit = s.limit.as_ref();
    let limit_shown = limit.filter(|t| t.value >= lo - 2.0 * span && t.value <= hi + 2.0 * span);
    if let Some(t) = limit_shown {
        lo = lo.min(t.value);
        hi = hi.max(t.value);
    }
    let span = (hi - lo).max(hi.abs() * 0.02).max(1e-9);
    let (y0, y1) = ((lo - 0.08 * span).max(0.0), hi + 0.35 * span);
    let scale = Scale::auto(s.unit, y1.abs().max(y0.abs()));
    let f = scale.factor;
    let unit_text = match s.unit {
        Unit::Count => String::new(),
        _ => format!(" ({})", scale.symbol),
    };

    let (w, _) = root.dim_in_pixel();
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{} · {}", s.key, s.metric), (FONT, 17))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(72)
        .build_cartesian_2d(-0.5..(n.max(1) as f64 - 0.5), y0 / f..y1 / f)?;
    let label_of = |x: &f64| -> String {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
            return String::new();
        }
        let r = &runs[s.points[i as usize].run];
        format!(
            "{} {}",
            super::short_commit(r),
            r.started_at.format("%m-%d")
        )
    };
    let y_fmt = |v: &f64| trim_number(*v, y1 / f - y0 / f);
    chart
        .configure_mesh()
        .x_labels(((w as usize) / 130).clamp(2, 12).min(n.max(1)))
        .x_label_formatter(&label_of)
        .y_labels(6)
        .y_label_formatter(&y_fmt)
        .x_desc("run (commit, date)")
        .y_desc(format!("{}{unit_text}", s.metric))
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;

    let xy = |i: usize, v: f64| (i as f64, v / f);
    let mut band: Vec<(f64, f64)> = s
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| xy(i, p.estimate.lo))
        .collect();
    band.extend(
        s.points
            .iter()
            .enumerate()
            .rev()
            .map(|(i, p)| xy(i, p.estimate.hi)),
    );
    chart
        .draw_series(std::iter::once(Polygon::new(band, BAND.mix(0.18).filled())))?
        .label("95% CI")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], BAND.mix(0.18).filled()));
    chart
        .draw_series(LineSeries::new(
            s.points
                .iter()
                .enumerate()
                .map(|(i, p)| xy(i, p.estimate.mean)),
            BAND.stroke_width(2),
        ))?
        .label("estimate (mean)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BAND.stroke_width(2)));
    if n <= 150 {
        chart.draw_series(
            s.points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new(xy(i, p.estimate.mean), 2, BAND.filled())),
        )?;
    }
    match (limit, limit_shown) {
        (Some(t), Some(_)) => {
            chart
                .draw_series(LineSeries::new(
                    [(-0.5, t.value / f), (n as f64 - 0.5, t.value / f)],
                    LIMIT.stroke_width(2),
                ))?
                .label(format!("SLO: {}", t.line))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], LIMIT.stroke_width(2))
                });
        }
        (Some(t), None) => {
            chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
                .label(format!("SLO: {} (off the scale)", t.line))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], LIMIT.stroke_width(2))
                });
        }
        _ => {}
    }
    // Many change points (a long drift shows as a staircase) get thin markers, and a label only
    // where it does not run into the previous one.
    let marker = if s.changes.len() > 8 {
        CHANGE.mix(0.7).stroke_width(1)
    } else {
        CHANGE.stroke_width(2)
    };
    let plot_px = chart.plotting_area().dim_in_pixel().0.max(1) as f64;
    let px_per_run = plot_px / n.max(1) as f64;
    let mut next_free_px = f64::MIN;
    let mut labels_px: Vec<f64> = Vec::new();
    for (k, c) in s.changes.iter().enumerate() {
        let x = c.point.index as f64 - 0.5;
        let line = chart.draw_series(LineSeries::new([(x, y0 / f), (x, y1 / f)], marker))?;
        if k == 0 {
            let label = match s.changes.len() {
                1 => "change point".to_string(),
                k => format!("change points ({k})"),
            };
            line.label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], marker));
        }
        let at_px = (x + 0.5) * px_per_run;
        if at_px < next_free_px {
            continue;
        }
        next_free_px = at_px + 58.0;
        labels_px.push(at_px);
        // A few pixels beside the marker so the line does not cross it; left of it near the edge.
        let (dx, side) = if at_px + 50.0 > plot_px {
            (-4.0, HPos::Right)
        } else {
            (4.0, HPos::Left)
        };
        chart.draw_series(std::iter::once(Text::new(
            format_pct(c.point.relative),
            (x + dx / px_per_run, y1 / f - (y1 - y0) / f * 0.03),
            (FONT, 14)
                .into_font()
                .color(&CHANGE.mix(1.0))
                .pos(Pos::new(side, VPos::Top)),
        )))?;
    }
    chart
        .configure_series_labels()
        .position(legend_corner(&labels_px, plot_px))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font((FONT, 12))
        .draw()?;
    Ok(())
}

/// The upper corner whose side has fewer change labels, so the legend hides none of them.
fn legend_corner(labels_px: &[f64], plot_px: f64) -> SeriesLabelPosition {
    const LEGEND_PX: f64 = 250.0;
    let left = labels_px.iter().filter(|&&x| x < LEGEND_PX).count();
    let right = labels_px
        .iter()
        .filter(|&&x| x + 50.0 > plot_px - LEGEND_PX)
        .count();
    if left > right {
        SeriesLabelPosition::UpperRight
    } else {
        SeriesLabelPosition::UpperLeft
    }
}

/// A tick value with as many decimals as the axis range needs, and no more.
fn trim_number(v: f64, range: f64) -> String {
    // About six ticks: one decimal more than the tick step's leading digit needs.
    let decimals = if range <= 0.0 {
        3
    } else {
        (-((range / 6.0).log10().floor() as i32)).clamp(0, 6) as usize
    };
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_moves_away_from_change_labels() {
        assert!(matches!(
            legend_corner(&[], 800.0),
            SeriesLabelPosition::UpperLeft
        ));
        assert!(matches!(
            legend_corner(&[120.0], 800.0),
            SeriesLabelPosition::UpperRight
        ));
        assert!(matches!(
            legend_corner(&[120.0, 700.0, 760.0], 800.0),
            SeriesLabelPosition::UpperLeft
        ));
    }

    #[test]
    fn tick_labels_keep_enough_digits() {
        assert_eq!(trim_number(2.5, 0.4), "2.50");
        assert_eq!(trim_number(40.4, 0.55), "40.40");
        assert_eq!(trim_number(2.5, 4.0), "2.5");
        assert_eq!(trim_number(1234.4, 500.0), "1234");
    }
}
