//! The whole comparison as pretty JSON (schema `slogate.comparison/1`), for tools and archives:
//! every field, nothing summarised away.

use super::{RenderOptions, Renderer};
use crate::compare::Comparison;

pub struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn render(&self, c: &Comparison, _opts: &RenderOptions) -> String {
        let mut out = serde_json::to_string_pretty(c)
            .expect("a comparison is plain data and always serialises");
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::compare::COMPARISON_SCHEMA;

    #[test]
    fn snapshot_of_the_fixed_comparison() {
        insta::assert_snapshot!(JsonRenderer.render(&fixture::fixed(), &RenderOptions::default()));
    }

    #[test]
    fn round_trips_without_loss() {
        let c = fixture::fixed();
        let json = JsonRenderer.render(&c, &RenderOptions::default());
        let back: Comparison = serde_json::from_str(&json).unwrap();
        assert_eq!(back.schema, COMPARISON_SCHEMA);
        let again = JsonRenderer.render(&back, &RenderOptions::default());
        let (a, b): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(&json).unwrap(),
            serde_json::from_str(&again).unwrap(),
        );
        assert_same(&a, &b, "$");
    }

    /// Equal values, floats to the last bit or two (serde_json's default parser may be off by one
    /// unit in the last place).
    fn assert_same(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
        use serde_json::Value::*;
        match (a, b) {
            (Number(x), Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                assert!(
                    (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                    "{at}: {x} != {y}"
                );
            }
            (Array(x), Array(y)) => {
                assert_eq!(x.len(), y.len(), "{at}");
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    assert_same(x, y, &format!("{at}[{i}]"));
                }
            }
            (Object(x), Object(y)) => {
                assert_eq!(
                    x.keys().collect::<Vec<_>>(),
                    y.keys().collect::<Vec<_>>(),
                    "{at}"
                );
                for (k, x) in x {
                    assert_same(x, &y[k], &format!("{at}.{k}"));
                }
            }
            _ => assert_eq!(a, b, "{at}"),
        }
    }
}
