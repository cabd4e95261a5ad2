//! Variants from a configuration file: a scenario's `configs = "config.yaml"`.
//!
//! The file (YAML, TOML or JSON, by its extension) maps configuration names to the scenario's
//! arguments, in the layout of `benchmarks/<name>/config.yaml` scenario folders:
//! ```yaml
//! start: &base            # the benchmark `<scenario>-start`
//!   nspans: 1000
//!   finish: false
//! start-finish:
//!   <<: *base             # anchors, aliases and merge keys (`<<: [*a, *b]`: the first wins)
//!   finish: true
//! ```
//! A top-level key that starts with `.` is a template for anchors, not a configuration.
//!
//! Values become argument text: a string as written; an integer in decimal; a float as the shortest
//! text that reads back the same (`1.50` gives `1.5`, `2.0` gives `2.0`), in exponent form when
//! very large or small (`1e16`, `1e-7`, which Python's `float()` reads); a
//! boolean `true` or `false`; a list one word per element (`--sizes 1 10 100`, for argparse's
//! `nargs="*"`); null leaves the argument out. A mapping, or a list holding a list, mapping or null,
//! is an error. Errors name the file and the line of the configuration or argument (values carry no
//! positions once anchors are resolved, so the line is found from the text; an argument merged from
//! an anchor is reported at its configuration's line).

use super::{is_valid_name, SuiteError};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_norway::Value;
use std::fmt;
use std::path::Path;

/// One configuration: one variant of its scenario.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Config {
    pub name: String,
    /// 1-based line of its name in the file.
    pub line: usize,
    /// Arguments in the order written; those merged from an anchor follow the configuration's own.
    pub args: Vec<(String, ArgValue)>,
}

/// An argument's value as text for a command line.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ArgValue {
    Text(String),
    /// One word per element.
    List(Vec<String>),
    /// null: the argument is left out.
    Unset,
}

impl Config {
    /// The `--key value` words of its arguments, in order.
    pub fn words(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (key, value) in &self.args {
            match value {
                ArgValue::Text(t) => out.extend([format!("--{key}"), t.clone()]),
                ArgValue::List(items) => {
                    out.push(format!("--{key}"));
                    out.extend(items.iter().cloned());
                }
                ArgValue::Unset => {}
            }
        }
        out
    }

    /// The text of one argument for `{config.KEY}` (null gives ``), or why there is none.
    pub fn text(&self, key: &str) -> Result<&str, String> {
        match self.args.iter().find(|(k, _)| k == key).map(|(_, v)| v) {
            Some(ArgValue::Text(t)) => Ok(t),
            Some(ArgValue::Unset) => Ok(""),
            Some(ArgValue::List(_)) => Err(format!(
                "`{key}` is a list in configuration `{}`: use `{{config_args}}`",
                self.name
            )),
            None => Err(format!(
                "configuration `{}` has no argument `{key}`",
                self.name
            )),
        }
    }
}

/// Words joined into one line for a POSIX shell (`{config_args}` inside a longer string): a word
/// with anything but letters, digits and `_-./=:,+@%` is single-quoted.
pub(super) fn shell_join(words: &[String]) -> String {
    let quote = |w: &String| {
        let plain = !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
        if plain {
            w.clone()
        } else {
            format!("'{}'", w.replace('\'', r"'\''"))
        }
    };
    words.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Past every position of a file.
const END: Pos = (usize::MAX, usize::MAX);

/// A value as any of the three formats gives it, mappings in the order written.
#[derive(Debug, Clone, PartialEq)]
enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(Raw, Raw)>),
}

impl Raw {
    fn kind(&self) -> &'static str {
        match self {
            Raw::Null => "null",
            Raw::Bool(_) => "a boolean",
            Raw::Int(_) | Raw::Float(_) => "a number",
            Raw::Str(_) => "a string",
            Raw::Seq(_) => "a list",
            Raw::Map(_) => "a mapping",
        }
    }

    /// A scalar's argument text.
    fn scalar(&self) -> Option<String> {
        match self {
            Raw::Bool(b) => Some(b.to_string()),
            Raw::Int(i) => Some(i.to_string()),
            // Debug is the shortest text that reads back the same, and keeps `.0` on whole numbers.
            Raw::Float(f) => Some(format!("{f:?}")),
            Raw::Str(s) => Some(s.clone()),
            Raw::Null | Raw::Seq(_) | Raw::Map(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number, boolean, list or mapping")
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                Raw::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Int(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw::Int(v.into()))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
                Ok(Raw::Int(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Raw::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Raw::Map(entries))
            }
        }
        d.deserialize_any(RawVisitor)
    }
}

/// Reads the configurations of `text`, the content of `file` (as the user reaches it, for errors).
pub(super) fn parse(file: &Path, text: &str) -> Result<Vec<Config>, SuiteError> {
    let at = |line: usize, column: usize, message: String| SuiteError::At {
        file: file.to_path_buf(),
        line,
        column,
        message,
    };
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let lines: Vec<&str> = text.lines().collect();
    let root = match ext.as_str() {
        "yaml" | "yml" => yaml(text, &lines).map_err(|(line, column, m)| at(line, column, m))?,
        "json" => serde_json::from_str(text)
            .map_err(|e| at(e.line(), e.column(), format!("bad JSON: {e}")))?,
        "toml" => toml::from_str(text).map_err(|e| {
            let source = super::raw::Source { file, text };
            let (line, column) = source.line_col(e.span().map_or(0, |s| s.start));
            at(line, column, format!("bad TOML: {}", e.message().trim()))
        })?,
        _ => {
            return Err(at(
                1,
                1,
                "a configs file is YAML (`.yaml`, `.yml`), TOML (`.toml`) or JSON (`.json`), by its extension".into(),
            ))
        }
    };
    let entries = match root {
        Raw::Map(entries) => entries,
        Raw::Null => Vec::new(),
        other => {
            return Err(at(
                1,
                1,
                format!("the file is {}: expected configuration names as top-level keys, each mapping argument names to values", other.kind()),
            ))
        }
    };

    // Every top-level key's line, in file order, bounds the search for its arguments' lines.
    let mut named = Vec::with_capacity(entries.len());
    let mut cursor: Pos = (0, 0);
    for (key, value) in entries {
        let Some(name) = key.scalar() else {
            return Err(at(
                cursor.0.max(1),
                1,
                format!("a configuration name is {}: expected a string", key.kind()),
            ));
        };
        let (line, column) = key_position(&lines, &name, cursor, END)
            .or_else(|| key_position(&lines, &name, (0, 0), END))
            .unwrap_or((cursor.0.max(1), 1));
        cursor = (line, column);
        named.push((name, line, column, value));
    }
    let ends: Vec<Pos> = named
        .iter()
        .skip(1)
        .map(|(_, line, column, _)| (*line, *column))
        .chain([END])
        .collect();

    let mut configs: Vec<Config> = Vec::new();
    for ((name, line, column, value), end) in named.into_iter().zip(ends) {
        if name.starts_with('.') {
            continue;
        }
        if !is_valid_name(&name) {
            return Err(at(line, column, format!("configuration name `{name}` may hold only letters, digits, `_`, `-` and `.`: it is part of the benchmark's name")));
        }
        if let Some(first) = configs.iter().find(|c| c.name == name) {
            return Err(at(
                line,
                column,
                format!(
                    "configuration `{name}` is defined twice (first at line {})",
                    first.line
                ),
            ));
        }
        let fields = match value {
            Raw::Map(fields) => fields,
            Raw::Null => Vec::new(),
            other => {
                return Err(at(line, column, format!("configuration `{name}` is {}: expected a mapping of argument names to values", other.kind())));
            }
        };
        let mut args: Vec<(String, ArgValue)> = Vec::with_capacity(fields.len());
        for (key, value) in fields {
            let key_text = key.scalar().unwrap_or_default();
            let (arg_line, arg_column) =
                key_position(&lines, &key_text, (line, column), end).unwrap_or((line, column));
            let here = |message: String| at(arg_line, arg_column, message);
            if !is_valid_name(&key_text) {
                return Err(here(format!("configuration `{name}`: argument name `{key_text}` may hold only letters, digits, `_`, `-` and `.`: it becomes `--{key_text}`")));
            }
            if args.iter().any(|(k, _)| *k == key_text) {
                return Err(here(format!(
                    "configuration `{name}`: argument `{key_text}` is given twice"
                )));
            }
            let value = match value {
                Raw::Null => ArgValue::Unset,
                Raw::Seq(items) => {
                    let mut words = Vec::with_capacity(items.len());
                    for item in &items {
                        words.push(item.scalar().ok_or_else(|| {
                            here(format!("configuration `{name}`: argument `{key_text}` is a list holding {}: list elements are strings, numbers or booleans", item.kind()))
                        })?);
                    }
                    ArgValue::List(words)
                }
                Raw::Map(_) => {
                    return Err(here(format!("configuration `{name}`: argument `{key_text}` is a mapping: an argument is a string, number, boolean, list or null")));
                }
                scalar => ArgValue::Text(scalar.scalar().unwrap_or_default()),
            };
            args.push((key_text, value));
        }
        configs.push(Config { name, line, args });
    }
    if configs.is_empty() {
        return Err(at(1, 1, "no configurations: expected configuration names as top-level keys, each mapping argument names to values".into()));
    }
    Ok(configs)
}

/// A YAML file's top-level value with aliases resolved and merge keys applied; an error is
/// `(line, column, message)`.
fn yaml(text: &str, lines: &[&str]) -> Result<Raw, (usize, usize, String)> {
    let mut root: Value = serde_norway::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        (line, column, format!("bad YAML: {e}"))
    })?;
    if let Value::Mapping(map) = &mut root {
        for (key, value) in map.iter_mut() {
            merge_keys(value).map_err(|message| {
                let name = key.as_str().unwrap_or_default();
                let (line, column) = key_position(lines, name, (0, 0), END).unwrap_or((1, 1));
                (line, column, format!("configuration `{name}`: {message}"))
            })?;
        }
    }
    merge_keys(&mut root).map_err(|message| (1, 1, message))?;
    let Value::Mapping(map) = root else {
        return Raw::deserialize(root).map_err(|e| (1, 1, e.to_string()));
    };
    // Each configuration on its own, so that a value the reader refuses (a tagged `!env X`) is
    // reported at its configuration's line.
    map.into_iter()
        .map(|(key, value)| {
            let name = key.as_str().unwrap_or_default().to_string();
            let at = |e: serde_norway::Error| {
                let (line, column) = key_position(lines, &name, (0, 0), END).unwrap_or((1, 1));
                (line, column, format!("configuration `{name}`: {e}"))
            };
            Ok((
                Raw::deserialize(key).map_err(at)?,
                Raw::deserialize(value).map_err(at)?,
            ))
        })
        .collect::<Result<_, _>>()
        .map(Raw::Map)
}

/// Applies YAML merge keys (`<<`, <https://yaml.org/type/merge.html>) everywhere in `value`, inner
/// mappings first, so that a mapping merged from an anchor brings the keys it merged itself. A key
/// of the mapping wins over a merged one, and an earlier mapping of a `<<` list over a later one.
fn merge_keys(value: &mut Value) -> Result<(), String> {
    match value {
        Value::Mapping(map) => {
            for inner in map.values_mut() {
                merge_keys(inner)?;
            }
            let sources = match map.shift_remove("<<") {
                None => return Ok(()),
                Some(Value::Mapping(m)) => vec![m],
                Some(Value::Sequence(items)) => items
                    .into_iter()
                    .map(|item| match item {
                        Value::Mapping(m) => Ok(m),
                        _ => Err(
                            "a `<<` list may hold only mappings (aliases such as `*base`)"
                                .to_string(),
                        ),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(
                    "`<<` must merge a mapping or a list of mappings (an alias such as `*base`)"
                        .into(),
                ),
            };
            for source in sources {
                for (k, v) in source {
                    map.entry(k).or_insert(v);
                }
            }
        }
        Value::Sequence(items) => {
            for item in items {
                merge_keys(item)?;
            }
        }
        Value::Tagged(tagged) => merge_keys(&mut tagged.value)?,
        _ => {}
    }
    Ok(())
}

/// A 1-based (line, column) in the text.
type Pos = (usize, usize);

/// Where `key` is first written as a key strictly between `after` and `before`: as `key:` (YAML),
/// `"key":` (JSON), `key =`, `key.` or `[key]` (TOML), quoted or not.
fn key_position(lines: &[&str], key: &str, after: Pos, before: Pos) -> Option<Pos> {
    if key.is_empty() {
        return None;
    }
    let last = before.0.min(lines.len());
    for number in after.0.max(1)..=last {
        let line = lines[number - 1];
        if line.trim_start().starts_with('#') {
            continue;
        }
        for (at, _) in line.match_indices(key) {
            let before_key = line[..at].chars().next_back();
            let quote = before_key.filter(|c| *c == '"' || *c == '\'');
            let starts = before_key.is_none_or(|c| c.is_whitespace() || "{[,\"'".contains(c));
            let mut rest = &line[at + key.len()..];
            if let Some(q) = quote {
                match rest.strip_prefix(q) {
                    Some(r) => rest = r,
                    None => continue,
                }
            }
            let ends = rest.trim_start().starts_with([':', '=', ']', '.']);
            let pos = (
                number,
                line[..at].chars().count() + 1 - usize::from(quote.is_some()),
            );
            if starts && ends && pos > after && pos < before {
                return Some(pos);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_as(ext: &str, text: &str) -> Result<Vec<Config>, SuiteError> {
        parse(Path::new(&format!("dir/config.{ext}")), text)
    }

    fn err(ext: &str, text: &str) -> String {
        parse_as(ext, text).unwrap_err().to_string()
    }

    fn text(t: &str) -> ArgValue {
        ArgValue::Text(t.into())
    }

    const YAML: &str = "\
# spans
.base: &base
  nspans: 1000
  ratio: 0.5
start: &start
  <<: *base
  finish: false
start-finish:
  <<: *start
  finish: true
tags:
  <<: [*start, {ntags: 3, nspans: 1}]
  kinds: [server, 2, true]
  skip: ~
  whole: 2.0
";

    /// Floats as the module says: the shortest text that reads back the same, a whole one with
    /// `.0`, a very large or small one in exponent form.
    #[test]
    fn floats_are_the_shortest_text_that_reads_back() {
        let configs = parse_as(
            "yaml",
            "a:\n  x: 1.50\n  y: 2.0\n  big: 1.0e16\n  small: 1.0e-7\n",
        )
        .unwrap();
        let words = configs[0].words();
        assert_eq!(
            words,
            ["--x", "1.5", "--y", "2.0", "--big", "1e16", "--small", "1e-7"]
        );
    }

    #[test]
    fn yaml_anchors_and_chained_merge_keys() {
        let configs = parse_as("yaml", YAML).unwrap();
        let names: Vec<&str> = configs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["start", "start-finish", "tags"],
            ".base is a template"
        );
        assert_eq!(configs[0].line, 5);
        assert_eq!(
            configs[0].args,
            [
                ("finish".to_string(), text("false")),
                ("nspans".to_string(), text("1000")),
                ("ratio".to_string(), text("0.5")),
            ]
        );
        // start-finish merges start, which merged base: the chain is followed.
        assert_eq!(
            configs[1].words(),
            ["--finish", "true", "--nspans", "1000", "--ratio", "0.5"]
        );
        // The first mapping of a `<<` list wins over a later one; own keys win over both.
        let tags = &configs[2];
        assert_eq!(tags.text("nspans").unwrap(), "1000");
        assert_eq!(tags.text("ntags").unwrap(), "3");
        assert_eq!(tags.text("whole").unwrap(), "2.0");
        assert_eq!(tags.text("skip").unwrap(), "");
        assert!(tags.text("kinds").unwrap_err().contains("is a list"));
        assert!(tags
            .text("nope")
            .unwrap_err()
            .contains("has no argument `nope`"));
        let words = tags.words();
        assert_eq!(&words[..5], ["--kinds", "server", "2", "true", "--whole"]);
        assert!(
            !words.contains(&"--skip".to_string()),
            "null leaves the argument out"
        );
    }

    #[test]
    fn serde_norway_apply_merge_loses_chained_merges() {
        // Why merge_keys exists: the library's own pass leaves the inner `<<` of `*start` as a key.
        let mut v: Value = serde_norway::from_str(YAML).unwrap();
        v.apply_merge().unwrap();
        assert!(v["start-finish"].get("<<").is_some());
        let mut v: Value = serde_norway::from_str(YAML).unwrap();
        merge_keys(&mut v).unwrap();
        assert!(v["start-finish"].get("<<").is_none());
        assert_eq!(v["start-finish"]["nspans"], Value::from(1000));
    }

    #[test]
    fn toml_and_json_keep_the_order_written() {
        let toml = "[b]\nn = 2\nflag = true\n\n[a]\nsizes = [1, 2.5]\n";
        let configs = parse_as("toml", toml).unwrap();
        assert_eq!(configs[0].name, "b");
        assert_eq!(configs[0].words(), ["--n", "2", "--flag", "true"]);
        assert_eq!((configs[1].name.as_str(), configs[1].line), ("a", 5));
        assert_eq!(configs[1].words(), ["--sizes", "1", "2.5"]);
        let json = "{\n  \"z\": {\"n\": 1},\n  \"y\": {}\n}";
        let configs = parse_as("json", json).unwrap();
        assert_eq!((configs[0].name.as_str(), configs[0].line), ("z", 2));
        assert_eq!((configs[1].name.as_str(), configs[1].line), ("y", 3));
        assert!(configs[1].words().is_empty());
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = err("yaml", "a:\n  n: 1\nb:\n  n: [1\n");
        assert!(e.starts_with("dir/config.yaml:5:"), "{e}");
        assert!(e.contains("bad YAML"), "{e}");
        let e = err("yaml", "a:\n  n: 1\nb:\n  x: 1\n  n: {deep: 1}\n");
        assert!(
            e.starts_with("dir/config.yaml:5:3: configuration `b`: argument `n` is a mapping"),
            "{e}"
        );
        let e = err("yaml", "a:\n  n: [[1]]\n");
        assert!(
            e.starts_with("dir/config.yaml:2:3:") && e.contains("a list holding a list"),
            "{e}"
        );
        let e = err("yaml", "ok:\n  n: 1\nbad name:\n  n: 1\n");
        assert!(
            e.starts_with("dir/config.yaml:3:1: configuration name `bad name`"),
            "{e}"
        );
        let e = err("yaml", "a: 3\n");
        assert!(
            e.starts_with("dir/config.yaml:1:1: configuration `a` is a number"),
            "{e}"
        );
        for empty in ["", "# nothing\n", ".only: {n: 1}\n"] {
            let e = err("yaml", empty);
            assert!(
                e.starts_with("dir/config.yaml:1:1: no configurations"),
                "{empty:?}: {e}"
            );
        }
        let e = err("yaml", "- a\n- b\n");
        assert!(e.contains("the file is a list"), "{e}");
        // A value the reader refuses (a YAML tag) is placed at its configuration, not at 1:1.
        let e = err("yaml", "a:\n  n: 1\nb:\n  n: !env X\n");
        assert!(
            e.starts_with("dir/config.yaml:3:1: configuration `b`:"),
            "{e}"
        );
        let e = err("yaml", "a:\n  <<: 3\n");
        assert!(
            e.starts_with("dir/config.yaml:1:1: configuration `a`: `<<` must merge"),
            "{e}"
        );
        let e = err("json", "{\"a\": {\"n\": 1},\n \"a\": {\"n\": 2}}");
        assert!(
            e.starts_with(
                "dir/config.json:2:2: configuration `a` is defined twice (first at line 1)"
            ),
            "{e}"
        );
        let e = err("json", "{\"a\": {\"n\": 1,}}");
        assert!(
            e.starts_with("dir/config.json:1:") && e.contains("bad JSON"),
            "{e}"
        );
        let e = err("toml", "[a]\nn = \n");
        assert!(
            e.starts_with("dir/config.toml:2:") && e.contains("bad TOML"),
            "{e}"
        );
        let e = err("ini", "a=1");
        assert!(e.contains("by its extension"), "{e}");
    }

    #[test]
    fn key_positions_need_a_key_not_a_substring() {
        let lines = ["start-finish:", "  finish: true", "  x: finish", "[finish]"];
        assert_eq!(key_position(&lines, "finish", (0, 0), END), Some((2, 3)));
        assert_eq!(key_position(&lines, "finish", (2, 3), END), Some((4, 2)));
        assert_eq!(key_position(&lines, "finish", (2, 3), (4, 1)), None);
        let json = [r#"{"a": {"n": 1}, "n": 2}"#];
        assert_eq!(key_position(&json, "n", (0, 0), END), Some((1, 8)));
        assert_eq!(key_position(&json, "n", (1, 8), END), Some((1, 17)));
    }

    #[test]
    fn shell_join_quotes_what_a_shell_would_split() {
        let words: Vec<String> = ["--n", "10", "--name", "a b", "--q", "it's", "--e", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            shell_join(&words),
            r#"--n 10 --name 'a b' --q 'it'\''s' --e ''"#
        );
    }
}
