//! The shape of `suite.toml` as written, with the position of every value kept for error messages.
//!
//! Every table refuses unknown keys, so a misspelt `procesess` is an error rather than a silently
//! ignored setting; [`Source::toml_error`] turns toml's message into `file:line:col: ...` with a
//! suggestion.

use super::{did_you_mean, SuiteError};
use crate::suite::spec::{Profiler, Protocol};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub suite: RawSuite,
    #[serde(default)]
    pub vars: BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    pub defaults: RawSettings,
    #[serde(default, rename = "scenario")]
    pub scenarios: Vec<Spanned<RawScenario>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSuite {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    #[serde(default)]
    pub setup: Vec<Spanned<String>>,
    /// Where `ab --profile` gets this suite's profiles.
    pub profile: Option<Profiler>,
    /// The noise file `compare` and `ab` use when `--noise` is not given, beside the suite file.
    pub noise: Option<Spanned<String>>,
}

/// Measurement settings: `[defaults]`, and the same keys on a scenario.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    pub protocol: Option<Spanned<Protocol>>,
    pub processes: Option<Spanned<u32>>,
    pub values: Option<Spanned<toml::Value>>,
    pub warmups: Option<Spanned<u32>>,
    pub timeout: Option<Spanned<String>>,
    pub memory_limit: Option<Spanned<String>>,
    pub noise_threshold: Option<Spanned<toml::Value>>,
    pub simulate: Option<Spanned<bool>>,
}

/// A `[[scenario]]`. The settings keys repeat those of [`RawSettings`] because serde cannot refuse
/// unknown keys in a struct that flattens another.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    pub command: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub matrix: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    /// A configuration file whose top-level keys are variants (see the `configs` module).
    pub configs: Option<Spanned<String>>,
    /// `env.VAR = "..."` for every variant, `env.<dimension>.<value> = { VAR = "..." }` per value.
    #[serde(default)]
    /// Values carry no span: toml keeps none for a table made of dotted keys (`env.a.b = ...`).
    pub env: BTreeMap<Spanned<String>, EnvEntry>,
    #[serde(default)]
    pub thresholds: Vec<Spanned<String>>,
    #[serde(default)]
    pub overhead: Vec<Spanned<String>>,
    pub protocol: Option<Spanned<Protocol>>,
    pub processes: Option<Spanned<u32>>,
    pub values: Option<Spanned<toml::Value>>,
    pub warmups: Option<Spanned<u32>>,
    pub timeout: Option<Spanned<String>>,
    pub memory_limit: Option<Spanned<String>>,
    pub noise_threshold: Option<Spanned<toml::Value>>,
    pub simulate: Option<Spanned<bool>>,
}

/// One key of a scenario's `env`: a string is a variable for every variant; a table maps the values
/// of the matrix dimension named by the key to variables.
#[derive(Debug)]
pub(super) enum EnvEntry {
    Var(String),
    PerValue(BTreeMap<String, BTreeMap<String, String>>),
}

impl<'de> Deserialize<'de> for EnvEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = EnvEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string (a variable for every variant) or a table of matrix values")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EnvEntry, E> {
                Ok(EnvEntry::Var(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<EnvEntry, A::Error> {
                let mut per_value = BTreeMap::new();
                while let Some((value, vars)) = map.next_entry()? {
                    per_value.insert(value, vars);
                }
                Ok(EnvEntry::PerValue(per_value))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl RawScenario {
    /// The scenario's own settings, to lay over `[defaults]`.
    pub fn settings(&mut self) -> RawSettings {
        RawSettings {
            protocol: self.protocol.take(),
            processes: self.processes.take(),
            values: self.values.take(),
            warmups: self.warmups.take(),
            timeout: self.timeout.take(),
            memory_limit: self.memory_limit.take(),
            noise_threshold: self.noise_threshold.take(),
            simulate: self.simulate.take(),
        }
    }
}

/// A suite file's text, to turn byte spans into `file:line:col` errors.
pub(super) struct Source<'a> {
    pub file: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        crate::slo::file::line_col(self.text, offset)
    }

    /// An error at the start of `span`.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> SuiteError {
        let (line, column) = self.line_col(span.start);
        SuiteError::At {
            file: self.file.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An error inside a string value: at `column` (1-based, in characters) of its content when the
    /// string is written without escapes, else at the string.
    pub fn error_in_string(
        &self,
        value: &Spanned<String>,
        column: usize,
        message: impl Into<String>,
    ) -> SuiteError {
        let span = value.span();
        let written = &self.text[span.clone()];
        let plain = written.len() == value.get_ref().len() + 2
            && (written.starts_with('"') || written.starts_with('\''));
        let offset = if plain {
            let inner = value.get_ref();
            let byte = inner
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(inner.len(), |(i, _)| i);
            span.start + 1 + byte
        } else {
            span.start
        };
        self.error(offset..offset, message)
    }

    /// Rewrites a toml parse or shape error as `file:line:col: message`.
    pub fn toml_error(&self, err: &toml::de::Error) -> SuiteError {
        let span = err.span().unwrap_or(0..0);
        self.error(span, rewrite_message(err.message()))
    }
}

/// Makes serde's `unknown field `x`, expected one of `a`, `b`` read as a suite-file message:
/// `unknown key `x` in [defaults]; did you mean `a`?`.
fn rewrite_message(message: &str) -> String {
    let message = message.trim();
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((key, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let table = if known.contains(&"command") {
        "[[scenario]]"
    } else if known.contains(&"setup") {
        "[suite]"
    } else if known.contains(&"processes") {
        "[defaults]"
    } else if known.contains(&"scenario") {
        "the top level"
    } else {
        "this table"
    };
    match did_you_mean(key, known.iter().copied()) {
        Some(close) => format!("unknown key `{key}` in {table}; did you mean `{close}`?"),
        None => format!(
            "unknown key `{key}` in {table}; known keys: {}",
            known.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = Source {
            file: Path::new("s.toml"),
            text: "a = 1\nµb = 2\n",
        };
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(6), (2, 1));
        assert_eq!(src.line_col(8), (2, 2), "µ is one column, two bytes");
    }

    #[test]
    fn unknown_field_messages_name_the_table_and_suggest() {
        let m = rewrite_message(
            "unknown field `procesess`, expected one of `protocol`, `processes`, `values`",
        );
        assert_eq!(
            m,
            "unknown key `procesess` in [defaults]; did you mean `processes`?"
        );
        let m = rewrite_message("unknown field `zzz`, expected `name` or `command`");
        assert_eq!(
            m,
            "unknown key `zzz` in [[scenario]]; known keys: name, command"
        );
        assert_eq!(rewrite_message("invalid type"), "invalid type");
    }
}
