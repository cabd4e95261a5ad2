//! Renderers of a comparison.
// TEMPORARY stand-in, replaced at merge: every format renders the comparison as JSON.

use crate::compare::Comparison;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Terminal,
    Json,
    Junit,
}

pub struct RenderOptions {
    pub color: bool,
    pub full_report: Option<String>,
    pub max_chars: usize,
}

pub fn render(c: &Comparison, _format: Format, _opts: &RenderOptions) -> String {
    let mut s = serde_json::to_string_pretty(c).expect("comparison serialises");
    s.push('\n');
    s
}
