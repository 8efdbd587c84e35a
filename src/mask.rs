//! Masking injected values in a child's output (`sesame run --mask`): every occurrence of a value is
//! replaced with `<redacted>` as the output streams through, including a value split across two writes.
//!
//! Only the bytes that could still become a value are held back (the end of what arrived, when it is the
//! start of some value); everything else is passed on at once, so prompts and progress lines still stream.
//! Values shorter than [`MIN_MASKED`] bytes are not masked: they would turn common text into `<redacted>`.

use zeroize::Zeroizing;

/// What a masked value becomes.
pub const REDACTED: &[u8] = b"<redacted>";

/// Values shorter than this (in bytes) are not masked.
pub const MIN_MASKED: usize = 4;

/// A streaming masker over a set of values.
pub struct Masker {
    /// The values, longest first (the longest match wins), in zeroizing buffers.
    needles: Vec<Zeroizing<Vec<u8>>>,
    /// Bytes received that may be the start of a value.
    pending: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Masker({} values)", self.needles.len())
    }
}

impl Masker {
    /// A masker for these values (those shorter than [`MIN_MASKED`] are left out).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles: Vec<Zeroizing<Vec<u8>>> = values
            .into_iter()
            .filter(|v| v.len() >= MIN_MASKED)
            .map(|v| Zeroizing::new(v.as_bytes().to_vec()))
            .collect();
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.as_slice().cmp(b.as_slice())));
        needles.dedup_by(|a, b| a.as_slice() == b.as_slice());
        Self { needles, pending: Zeroizing::new(Vec::new()) }
    }

    /// Takes a chunk of output and returns what can be written now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        self.drain(false)
    }

    /// The end of the output: whatever is held back, masked.
    pub fn finish(&mut self) -> Vec<u8> {
        self.drain(true)
    }

    fn drain(&mut self, end: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pending.len());
        let mut i = 0;
        let p = &self.pending;
        while i < p.len() {
            let rest = &p[i..];
            // Could a longer value still start here? Wait for more (unless the output ended).
            if !end && self.needles.iter().any(|n| n.len() > rest.len() && n.starts_with(rest)) {
                break;
            }
            match self.needles.iter().find(|n| rest.starts_with(n)) {
                Some(n) => {
                    out.extend_from_slice(REDACTED);
                    i += n.len();
                }
                None => {
                    out.push(p[i]);
                    i += 1;
                }
            }
        }
        let held = Zeroizing::new(self.pending[i..].to_vec());
        self.pending = held;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(m: &mut Masker, chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        for c in chunks {
            out.extend(m.push(c));
        }
        out.extend(m.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_are_masked_across_writes() {
        let mut m = Masker::new(["hunter2-long", "abc"]);
        assert_eq!(all(&mut m, &[b"pw=hunter", b"2-long\n"]), "pw=<redacted>\n");
        let mut m = Masker::new(["hunter2-long"]);
        assert_eq!(all(&mut m, &[b"short abc is kept\n"]), "short abc is kept\n");
    }

    #[test]
    fn only_a_possible_start_is_held_back() {
        let mut m = Masker::new(["secret-value"]);
        assert_eq!(m.push(b"Password: "), b"Password: ");
        assert_eq!(m.push(b"sec"), b"");
        assert_eq!(m.push(b"ond"), b"second");
        assert_eq!(m.finish(), b"");
    }

    #[test]
    fn the_longest_value_wins() {
        let mut m = Masker::new(["token", "token-and-more"]);
        assert_eq!(all(&mut m, &[b"token-and", b"-more token"]), "<redacted> <redacted>");
    }

    proptest! {
        #[test]
        fn no_value_survives_any_split(
            value in "[a-zA-Z0-9]{4,24}",
            before in "[ -~]{0,30}",
            after in "[ -~]{0,30}",
            cuts in proptest::collection::vec(0usize..100, 0..5),
        ) {
            let text = format!("{before}{value}{after}");
            let bytes = text.as_bytes();
            let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks = Vec::new();
            let mut last = 0;
            for p in points {
                chunks.push(&bytes[last..p]);
                last = p;
            }
            chunks.push(&bytes[last..]);
            let mut m = Masker::new([value.as_str()]);
            let out = all(&mut m, &chunks);
            prop_assert!(out.contains("<redacted>"));
            // (The replacement text itself may spell a short value, e.g. "dact".)
            prop_assert!(!out.replace("<redacted>", "\0").contains(&value), "{out}");
        }

        #[test]
        fn text_without_values_passes_unchanged(text in "[ -~\\n]{0,80}", chunk in 1usize..10) {
            let mut m = Masker::new(["\u{1}never-in-the-text\u{1}"]);
            let pieces: Vec<&[u8]> = text.as_bytes().chunks(chunk).collect();
            prop_assert_eq!(all(&mut m, &pieces), text);
        }
    }
}
