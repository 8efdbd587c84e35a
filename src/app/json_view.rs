//! The JSON view's text, laid out once: the lines of the secret as pretty JSON (values masked unless
//! revealed), already through the sanitizer, each with its width. Built when the view opens, when values
//! are revealed or masked and when a new read arrives, never per frame, so that a key press on a 5 MB value
//! costs only the drawing of the rows on screen.

use zeroize::Zeroizing;

use crate::sanitize::{json as json_safe, terminal};
use crate::secret::{MASK, SecretData};

/// One line of the view: the key part (drawn in the key style; empty on continuation lines) and the rest.
#[derive(Clone)]
pub struct JsonLine {
    /// `  "KEY"` on the first line of a key, else empty.
    pub key: String,
    /// The rest of the line; holds revealed values, so it is zeroized.
    pub text: Zeroizing<String>,
    /// Characters in `key` and `text` together.
    pub chars: usize,
}

impl std::fmt::Debug for JsonLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLine").field("key", &self.key).field("chars", &self.chars).finish_non_exhaustive()
    }
}

/// The laid-out view, for the state of `revealed` it was built with.
#[derive(Debug, Clone)]
pub struct JsonLayout {
    /// True when the values were revealed.
    pub revealed: bool,
    /// The lines, first to last.
    pub lines: Vec<JsonLine>,
}

impl JsonLayout {
    /// Lays out `data`, values revealed or masked.
    pub fn new(data: &SecretData, revealed: bool) -> Self {
        let mut lines = vec![line("", "{")];
        let n = data.pairs.len();
        for (i, (k, v)) in data.pairs.iter().enumerate() {
            let comma = if i + 1 < n { "," } else { "" };
            let key = format!("  {}", json_safe(&serde_json::to_string(k).unwrap_or_default()));
            if !revealed {
                lines.push(line(&key, &format!(": \"{MASK}\"{comma}")));
                continue;
            }
            let pretty = match serde_json::from_str::<serde_json::Value>(v.json_text()) {
                Ok(val) => {
                    let pretty = Zeroizing::new(serde_json::to_string_pretty(&val).unwrap_or_default());
                    // Escaped copies of a value are zeroized like the value.
                    let safe = match json_safe(&pretty) {
                        std::borrow::Cow::Owned(s) => Some(Zeroizing::new(s)),
                        std::borrow::Cow::Borrowed(_) => None,
                    };
                    safe.unwrap_or(pretty)
                }
                Err(_) => Zeroizing::new(terminal(v.json_text()).into_owned()),
            };
            let mut it = pretty.lines();
            let first = it.next().unwrap_or("");
            let rest: Vec<&str> = it.collect();
            if rest.is_empty() {
                lines.push(line(&key, &format!(": {first}{comma}")));
            } else {
                lines.push(line(&key, &format!(": {first}")));
                let last = rest.len() - 1;
                for (j, l) in rest.iter().enumerate() {
                    lines.push(line("", &format!("  {l}{}", if j == last { comma } else { "" })));
                }
            }
        }
        lines.push(line("", "}"));
        Self { revealed, lines }
    }

    /// Rows the view takes at `width` columns (long lines wrap).
    pub fn rows(&self, width: usize) -> usize {
        self.lines.iter().map(|l| l.chars.div_ceil(width.max(1)).max(1)).sum()
    }
}

fn line(key: &str, text: &str) -> JsonLine {
    JsonLine {
        key: key.to_string(),
        text: Zeroizing::new(text.to_string()),
        chars: key.chars().count() + text.chars().count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_and_revealed_layouts() {
        let data = SecretData::from_json_object(r#"{"A":"x\u202ey","B":{"n":1}}"#).expect("json");
        let masked = JsonLayout::new(&data, false);
        assert_eq!(masked.lines.len(), 4);
        assert!(masked.lines.iter().all(|l| !l.text.contains("x")));
        let shown = JsonLayout::new(&data, true);
        let text: Vec<String> = shown.lines.iter().map(|l| format!("{}{}", l.key, l.text.as_str())).collect();
        assert_eq!(text[1], "  \"A\": \"x\\u202ey\",", "bidi escaped, not dropped");
        assert_eq!(text.len(), 6, "{text:?}");
        assert_eq!(shown.rows(4), shown.lines.iter().map(|l| l.chars.div_ceil(4).max(1)).sum::<usize>());
    }
}
