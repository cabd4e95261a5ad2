//! The outline of a JSON document that format detection looks at: the document as a
//! `serde_json::Value`, except that arrays and objects [`DEPTH`] levels down are kept empty (their
//! content is checked for syntax and skipped without being built).
//!
//! Detection looks at a file's top keys and at the fields of its benchmarks (three levels down:
//! `benchmarks` / one benchmark / `runs`), never at the values inside. Building the whole tree of
//! a pyperf file of 10,000 benchmarks took more time and memory than reading it into its typed
//! structs afterwards.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Containers at this depth (the document is at 0) are kept empty.
pub const DEPTH: usize = 3;

/// Parses `bytes` into their outline; errors are serde_json's, with line and column.
pub fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = Outline(0).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// A value at this depth.
struct Outline(usize);

impl<'de> DeserializeSeed<'de> for Outline {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Outline {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        if self.0 >= DEPTH {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        } else {
            while let Some(v) = seq.next_element_seed(Outline(self.0 + 1))? {
                out.push(v);
            }
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        if self.0 >= DEPTH {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        } else {
            while let Some(k) = map.next_key::<String>()? {
                let v = map.next_value_seed(Outline(self.0 + 1))?;
                out.insert(k, v);
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_three_levels_and_empties_what_is_deeper() {
        let text = br#"{"version": "1.0", "benchmarks": [{"metadata": {"name": "a"},
            "runs": [{"values": [1.5]}]}], "n": 3}"#;
        assert_eq!(
            parse(text).unwrap(),
            json!({"version": "1.0", "benchmarks": [{"metadata": {}, "runs": []}], "n": 3})
        );
    }

    #[test]
    fn skipped_content_is_still_checked() {
        let e = parse(b"{\"a\": [[[1, 2,]]]}").unwrap_err();
        assert_eq!((e.line(), e.column()), (1, 15), "at the stray `]`");
        assert!(parse(b"{} x").is_err(), "trailing text");
        assert!(parse(b"[[[{\"deep\": {\"x\": 1").unwrap_err().is_eof());
    }
}
