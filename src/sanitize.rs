//! The one sanitizer between outside text and a terminal.
//!
//! Every string that came from the server or from a secret (names, keys, values, annotations, error texts
//! that quote them) goes through [`terminal`] before the CLI prints it or the TUI draws it, so that nothing
//! in it is obeyed by the terminal and two different strings never look the same:
//!
//! | what | shown as |
//! |---|---|
//! | `\` | `\\` (so every escape below is unambiguous) |
//! | tab, line feed, carriage return, ESC | `\t`, `\n`, `\r`, `\e` |
//! | other C0 controls and DEL | `\x01` … `\x1f`, `\x7f` |
//! | C1 controls (U+0080–U+009F) | `\u{9b}` … |
//! | bidi controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) | `\u{202e}` … |
//! | invisible and zero-width characters ([`is_invisible`]) | `\u{200b}` … |
//! | line and paragraph separators (U+2028/9) | `\u{2028}`, `\u{2029}` |
//!
//! Everything else, other scripts and emoji included, is shown as it is. The escaping is injective:
//! [`unescape`] gives the original back, which the property tests check.
//!
//! Machine formats are not terminal text: JSON output is escaped by serde_json exactly, and CSV cells go
//! through [`csv_cell`], which quotes as RFC 4180 says and guards cells a spreadsheet would run as a formula.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters that are not drawn but change what is drawn around them: zero-width spaces and
/// joiners, word joiners and invisible operators, the byte-order mark, soft hyphen, Hangul fillers, Mongolian
/// vowel separator, interlinear annotation marks, and the tag characters (U+E0000–U+E007F).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2065}'
            | '\u{206A}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// True for the bidirectional controls that reorder the text around them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// True for a character [`terminal`] escapes (the backslash aside).
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` as it may be shown on a terminal: see the module documentation. Clean text is borrowed as it is.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\u{1b}' => out.push_str("\\e"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Reverses [`terminal`]; `None` for text it cannot have produced.
pub fn unescape(shown: &str) -> Option<String> {
    let mut out = String::with_capacity(shown.len());
    let mut chars = shown.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'e' => out.push('\u{1b}'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Multi-line text (a policy, a diff, a CSV file shown on a terminal): each line through [`terminal`], the
/// line breaks kept.
pub fn lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || (c != '\n' && needs_escape(c))) {
        return Cow::Borrowed(text);
    }
    let parts: Vec<Cow<'_, str>> = text.split('\n').map(terminal).collect();
    Cow::Owned(parts.join("\n"))
}

/// JSON text from serde_json made safe for a terminal and still exactly the same JSON: the characters
/// serde_json leaves raw inside strings (DEL, C1 controls, bidi controls, invisible characters, U+2028/9)
/// become `\uXXXX` escapes (surrogate pairs above U+FFFF). Outside strings serde_json writes only ASCII.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c != '\n' && needs_escape(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{:04x}", u);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One CSV cell (RFC 4180): quoted when it holds a comma, a quote, a line break or leading/trailing space,
/// with quotes doubled. A cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return) gets a leading `'`, as OWASP advises; nothing else is changed.
pub fn csv_cell(cell: &str) -> Cow<'_, str> {
    let guard = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = guard
        || cell.contains([',', '"', '\n', '\r'])
        || cell.starts_with(char::is_whitespace)
        || cell.ends_with(char::is_whitespace);
    if !quote {
        return Cow::Borrowed(cell);
    }
    let mut out = String::with_capacity(cell.len() + 3);
    out.push('"');
    if guard {
        out.push('\'');
    }
    out.push_str(&cell.replace('"', "\"\""));
    out.push('"');
    Cow::Owned(out)
}

/// `println!` for a line that may quote the server or a secret: the whole line goes through [`terminal`].
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        println!("{}", $crate::sanitize::terminal(&format!($($arg)*)))
    };
}

/// `eprintln!` for a line that may quote the server or a secret: the whole line goes through [`terminal`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::sanitize::terminal(&format!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn hostile_names_are_shown_escaped() {
        assert_eq!(terminal("K\u{1b}]0;pwned\u{7}"), "K\\e]0;pwned\\x07");
        assert_eq!(terminal("a\rb\nc\td"), "a\\rb\\nc\\td");
        assert_eq!(terminal("K\u{200b}Z"), "K\\u{200b}Z");
        assert_eq!(terminal("\u{202e}abc"), "\\u{202e}abc");
        assert_eq!(terminal("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(terminal("back\\slash"), "back\\\\slash");
        assert!(matches!(terminal("DB_PASSWORD é 日本 🔑"), Cow::Borrowed(_)), "clean text is not copied");
    }

    #[test]
    fn csv_cells_are_quoted_and_guarded() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1+1"), "\"'-1+1\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn json_stays_the_same_json() {
        let v = serde_json::json!({"K\u{1b}\u{202e}": "a\u{200b}b\u{9b}\u{e0041}"});
        let text = serde_json::to_string_pretty(&v).expect("json");
        let safe = json(&text);
        assert!(!safe.chars().any(|c| c != '\n' && needs_escape(c)), "{safe}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).expect("parses"), v);
    }

    proptest! {
        #[test]
        fn json_output_is_safe_and_exact(k in any::<String>(), v in any::<String>()) {
            let value = serde_json::json!({ k: v });
            let text = serde_json::to_string_pretty(&value).expect("json");
            let safe = json(&text);
            prop_assert!(!safe.chars().any(|c| c != '\n' && needs_escape(c)));
            prop_assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).expect("parses"), value);
        }

        #[test]
        fn lines_keep_their_breaks(parts in proptest::collection::vec("[^\n]{0,12}", 1..5)) {
            let text = parts.join("\n");
            let shown = lines(&text);
            prop_assert_eq!(shown.split('\n').count(), parts.len());
            prop_assert!(!shown.chars().any(|c| c != '\n' && needs_escape(c)));
        }

        #[test]
        fn nothing_a_terminal_obeys_gets_through(s in any::<String>()) {
            let shown = terminal(&s);
            prop_assert!(!shown.chars().any(needs_escape), "{shown:?}");
        }

        #[test]
        fn the_escaping_is_injective(s in any::<String>()) {
            prop_assert_eq!(unescape(&terminal(&s)), Some(s));
        }

        #[test]
        fn escaping_twice_changes_only_backslashes(s in "[a-zA-Z\\\\\u{1b}\u{200b}]{0,20}") {
            let once = terminal(&s).into_owned();
            prop_assert_eq!(terminal(&once).replace("\\\\", "\\"), once);
        }

        #[test]
        fn csv_cells_read_back(s in any::<String>()) {
            let cell = csv_cell(&s);
            let inner = cell.strip_prefix('"').and_then(|c| c.strip_suffix('"'));
            match inner {
                Some(inner) => {
                    let back = inner.replace("\"\"", "\"");
                    let back = back.strip_prefix('\'').filter(|_| s.starts_with(['=', '+', '-', '@', '\t', '\r'])).unwrap_or(&back);
                    prop_assert_eq!(back, s.as_str());
                }
                None => {
                    prop_assert_eq!(cell.as_ref(), s.as_str());
                    prop_assert!(!s.contains([',', '"', '\n', '\r']));
                }
            }
        }
    }
}
