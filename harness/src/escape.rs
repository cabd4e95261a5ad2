//! Escaping of untrusted text (benchmark names, branches, reasons, stderr) for each output format.
//! Anything a contributor controls can reach a pull-request comment, so markdown escaping leaves no
//! markup, HTML, table cell break, mention or issue reference alive.

/// Inserted after `@` and `#` so GitHub links no mention or issue; invisible and not a word
/// character (unlike U+200D, which Unicode counts as one).
const WORD_JOINER: char = '\u{2060}';

/// Bidirectional overrides reorder what a reader sees (trojan-source): dropped everywhere.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Escapes `text` to one line of inert GitHub markdown, safe in a paragraph, a heading, a
/// `<summary>` or a table cell: HTML and table pipes become entities, markdown punctuation is
/// backslash-escaped, line breaks become spaces, and `@name` / `#123` lose their links.
pub fn markdown_text(text: &str) -> String {
    let text = text.trim();
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 4);
    let mut chars = text.chars().peekable();
    let mut at_start = true;
    let mut leading_digits = true;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {}
            // Links need `[`, so parentheses and `!` can stay as they are.
            '`' | '*' | '_' | '[' | ']' | '~' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '#' => {
                out.push_str("\\#");
                if next.is_some_and(|n| n.is_ascii_digit()) {
                    out.push(WORD_JOINER);
                }
            }
            '@' => {
                out.push('@');
                if next.is_some_and(|n| n.is_alphanumeric() || n == '_' || n == '-') {
                    out.push(WORD_JOINER);
                }
            }
            // List markers and thematic breaks only matter at the start of a line.
            '-' | '+' | '=' if at_start => {
                out.push('\\');
                out.push(c);
            }
            // `1.` or `1)` at the start would open an ordered list.
            '.' | ')' if leading_digits && !at_start => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        leading_digits = leading_digits && c.is_ascii_digit();
        at_start = false;
    }
    out
}

/// A fenced code block showing `text` verbatim (stderr tails): the fence is longer than any
/// backtick run inside, and an HTML comment opener is split so no second report marker appears.
pub fn code_block(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let body: String = text
        .replace("<!--", &format!("<!-{WORD_JOINER}-"))
        .chars()
        .filter(|&c| matches!(c, '\n' | '\t') || !(c.is_control() || is_bidi_control(c)))
        .collect();
    format!("{fence}text\n{}\n{fence}\n", body.trim_end_matches('\n'))
}

/// Escapes `text` for XML attribute values and element content, dropping characters XML 1.0
/// cannot carry at all.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{FFFE}' | '\u{FFFF}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Makes `text` safe to print on a terminal: control characters (ANSI escapes from a benchmark
/// name or stderr) become `?`, line breaks become spaces.
pub fn terminal_text(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|&c| !is_bidi_control(c))
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A mention GitHub would link: `@` directly followed by a word character.
    fn has_live_mention(s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        chars
            .windows(2)
            .any(|w| w[0] == '@' && (w[1].is_alphanumeric() || w[1] == '_'))
    }

    #[test]
    fn html_is_inert() {
        let e = markdown_text("<img src=x onerror=alert(1)>");
        assert!(!e.contains('<') && !e.contains('>'));
        assert!(e.starts_with("&lt;img"));
    }

    #[test]
    fn mentions_and_issue_refs_are_broken() {
        let e = markdown_text("ping @org/team and @alice about #123");
        assert!(!has_live_mention(&e), "{e}");
        assert!(e.contains(&format!("@{WORD_JOINER}org/team")));
        assert!(!e.contains("#1"));
        assert_eq!(markdown_text("a @ b"), "a @ b", "a lone @ is left as is");
    }

    #[test]
    fn table_cells_cannot_be_split() {
        let e = markdown_text("| a | b |\n|---|---|");
        assert!(!e.contains('|') && !e.contains('\n'));
    }

    #[test]
    fn backticks_and_emphasis_are_escaped() {
        assert_eq!(markdown_text("```"), "\\`\\`\\`");
        assert_eq!(markdown_text("*bold* _it_"), "\\*bold\\* \\_it\\_");
        assert_eq!(markdown_text("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(markdown_text("3) item"), "3\\) item");
    }

    #[test]
    fn block_starts_are_escaped() {
        assert_eq!(markdown_text("- item"), "\\- item");
        assert_eq!(markdown_text("+ item"), "\\+ item");
        assert_eq!(markdown_text("> quote"), "&gt; quote");
        assert_eq!(markdown_text("12. item"), "12\\. item");
        assert_eq!(markdown_text("1.5x"), "1\\.5x", "harmless but consistent");
        assert_eq!(markdown_text("a-b 1.5"), "a-b 1.5");
        assert_eq!(markdown_text("# title"), "\\# title");
    }

    #[test]
    fn report_marker_in_a_name_is_not_a_marker() {
        let e = markdown_text("<!-- slogate:report -->");
        assert!(!e.contains("<!--"));
        let block = code_block("x <!-- slogate:report --> y");
        assert!(!block.contains("<!-- slogate:report -->"));
    }

    #[test]
    fn code_fence_outlasts_backtick_runs() {
        let block = code_block("before\n````\nafter");
        assert!(block.starts_with("`````text\n"));
        assert!(block.ends_with("\n`````\n"));
        assert!(code_block("plain").starts_with("```text\n"));
    }

    #[test]
    fn xml_escapes_and_drops_invalid_characters() {
        assert_eq!(
            xml_text("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }

    #[test]
    fn terminal_text_neutralises_escape_sequences() {
        assert_eq!(terminal_text("\u{1b}[31mred\nx"), "?[31mred x");
    }

    proptest! {
        #[test]
        fn escaped_text_carries_no_markup(s in any::<String>()) {
            let e = markdown_text(&s);
            prop_assert!(!e.contains('<'));
            prop_assert!(!e.contains('|'));
            prop_assert!(!e.contains('\n'));
            prop_assert!(!has_live_mention(&e));
        }

        #[test]
        fn escaped_ascii_text_carries_no_markup(s in "[ -~\\n]{0,40}") {
            let e = markdown_text(&s);
            prop_assert!(!e.contains('<'));
            prop_assert!(!e.contains('|'));
            prop_assert!(!has_live_mention(&e));
        }

        #[test]
        fn code_blocks_cannot_be_closed_early(s in "[`a\\n]{0,30}") {
            let block = code_block(&s);
            let fence_len = block.chars().take_while(|&c| c == '`').count();
            let fence = "`".repeat(fence_len);
            let inner = &block[fence_len..block.len() - fence_len - 1];
            prop_assert!(!inner.contains(&fence));
        }
    }
}
