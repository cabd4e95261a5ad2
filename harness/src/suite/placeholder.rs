//! Placeholders in suite strings: `{name}` is replaced by a matrix value, a variable, `{suite_dir}`;
//! `{tmp}` stays for the runner.
//!
//! Only `{` + name + `}` is a placeholder (a name is letters, digits, `_`, `-`, `.`). `{{` writes a
//! literal `{`. A brace after `$` (`${HOME}`) is left to the shell, and any other brace is literal, so
//! JSON arguments need no escaping.

/// Fills every placeholder of `template` with `lookup(name)`; the first name it does not know is
/// returned as the error.
pub(super) fn fill<'a>(
    template: &str,
    lookup: impl Fn(&str) -> Option<&'a str>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some(escaped) = after.strip_prefix('{') {
            out.push('{');
            rest = escaped;
            continue;
        }
        let shell = out.ends_with('$');
        match placeholder_name(after) {
            Some(name) if !shell => {
                out.push_str(lookup(name).ok_or_else(|| name.to_string())?);
                rest = &after[name.len() + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The name of a placeholder whose `{` was just consumed, when `text` is `name}...`.
fn placeholder_name(text: &str) -> Option<&str> {
    let close = text.find('}')?;
    let name = &text[..close];
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    valid.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<&'static str> {
        match name {
            "fanout" => Some("100"),
            "tmp" => Some("{tmp}"),
            _ => None,
        }
    }

    #[test]
    fn fills_known_names_and_keeps_tmp() {
        assert_eq!(fill("--fanout={fanout}", vars).unwrap(), "--fanout=100");
        assert_eq!(fill("{tmp}/prof-{fanout}", vars).unwrap(), "{tmp}/prof-100");
        assert_eq!(fill("plain", vars).unwrap(), "plain");
    }

    #[test]
    fn unknown_names_are_errors() {
        assert_eq!(fill("a {fanot} b", vars).unwrap_err(), "fanot");
    }

    #[test]
    fn escapes_shell_and_json_braces_stay_literal() {
        assert_eq!(fill("{{fanout}", vars).unwrap(), "{fanout}");
        assert_eq!(fill("echo ${HOME}", vars).unwrap(), "echo ${HOME}");
        assert_eq!(
            fill(r#"{"a": {"b": 1}}"#, vars).unwrap(),
            r#"{"a": {"b": 1}}"#
        );
        assert_eq!(fill("{ fanout }", vars).unwrap(), "{ fanout }");
        assert_eq!(fill("trailing {", vars).unwrap(), "trailing {");
    }
}
