//! Ranking paths (and key names) against what the user typed.
//!
//! | mode | what matches | score |
//! |---|---|---|
//! | [`MatchMode::Fuzzy`] (default) | `nucleo-matcher`'s fzf-like pattern: words in any order, each fuzzy; `'word` a substring, `^word` a prefix, `word$` a suffix, `!word` excluded | nucleo's, with path bonuses (after `/`) |
//! | [`MatchMode::Exact`] | the whole text as one substring | nucleo's substring score |
//! | [`MatchMode::Regex`] | a regular expression (the `regex` crate: linear time, no look-around) | 1 (ties broken as below) |
//!
//! Case is smart in every mode: a pattern without capitals ignores case. Equal scores rank the shorter text
//! first, then in byte order, so the order is the same on every run (the TUI and `sesame find` agree).
//!
//! Matched positions ([`Ranker::indices`]) are character indices (not bytes) into the text, sorted, for
//! highlighting.

use std::cmp::Ordering;

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::index::Index;

/// How a pattern matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchMode {
    /// Fuzzy, fzf's syntax (see the module docs).
    #[default]
    Fuzzy,
    /// A plain substring.
    Exact,
    /// A regular expression.
    Regex,
}

/// A compiled pattern.
#[derive(Debug)]
pub struct Query {
    text: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// Everything matches (an empty pattern).
    All,
    Fuzzy(Pattern),
    Exact(Atom),
    Regex(regex::Regex),
}

/// Longest regular expression accepted, in bytes of its compiled program (the `regex` crate's default).
const REGEX_SIZE_LIMIT: usize = 10 * 1024 * 1024;

impl Query {
    /// Compiles `text` for `mode`. Errors (a malformed regular expression) are messages for the user.
    pub fn new(text: &str, mode: MatchMode) -> Result<Self, String> {
        let smart = CaseMatching::Smart;
        let norm = Normalization::Smart;
        let kind = match mode {
            _ if text.is_empty() => Kind::All,
            MatchMode::Fuzzy => {
                let p = Pattern::parse(text, smart, norm);
                if p.atoms.is_empty() { Kind::All } else { Kind::Fuzzy(p) }
            }
            MatchMode::Exact => Kind::Exact(Atom::new(text, smart, norm, AtomKind::Substring, false)),
            MatchMode::Regex => {
                let re = regex::RegexBuilder::new(text)
                    .case_insensitive(!text.chars().any(char::is_uppercase))
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| format!("invalid regular expression: {e}"))?;
                Kind::Regex(re)
            }
        };
        Ok(Self { text: text.to_string(), kind })
    }

    /// The pattern as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when everything matches.
    pub fn matches_all(&self) -> bool {
        matches!(self.kind, Kind::All)
    }
}

/// The matcher and its buffers: one per thread, reused for every text.
pub struct Ranker {
    matcher: Matcher,
    chars: Vec<char>,
    indices: Vec<u32>,
}

impl Default for Ranker {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Ranker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ranker")
    }
}

/// `text` as nucleo reads it: ASCII as bytes, anything else one `char` per character (not per grapheme,
/// so that indices are character indices).
fn utf32<'a>(text: &'a str, chars: &'a mut Vec<char>) -> Utf32Str<'a> {
    if text.is_ascii() {
        Utf32Str::Ascii(text.as_bytes())
    } else {
        chars.clear();
        chars.extend(text.chars());
        Utf32Str::Unicode(chars)
    }
}

impl Ranker {
    /// A matcher with nucleo's bonuses for paths.
    pub fn new() -> Self {
        Self { matcher: Matcher::new(Config::DEFAULT.match_paths()), chars: Vec::new(), indices: Vec::new() }
    }

    /// The score of `text`, `None` when it does not match.
    pub fn score(&mut self, query: &Query, text: &str) -> Option<u32> {
        match &query.kind {
            Kind::All => Some(0),
            Kind::Fuzzy(p) => p.score(utf32(text, &mut self.chars), &mut self.matcher),
            Kind::Exact(a) => a.score(utf32(text, &mut self.chars), &mut self.matcher).map(u32::from),
            Kind::Regex(re) => re.is_match(text).then_some(1),
        }
    }

    /// The score of `text` and the character positions that matched (sorted, unique).
    pub fn indices(&mut self, query: &Query, text: &str) -> Option<(u32, Vec<u32>)> {
        self.indices.clear();
        let score = match &query.kind {
            Kind::All => Some(0),
            Kind::Fuzzy(p) => p.indices(utf32(text, &mut self.chars), &mut self.matcher, &mut self.indices),
            Kind::Exact(a) => {
                a.indices(utf32(text, &mut self.chars), &mut self.matcher, &mut self.indices).map(u32::from)
            }
            Kind::Regex(re) => {
                let mut any = false;
                for m in re.find_iter(text) {
                    any = true;
                    let first = text[..m.start()].chars().count() as u32;
                    let n = m.as_str().chars().count() as u32;
                    self.indices.extend(first..first + n);
                }
                any.then_some(1)
            }
        }?;
        let mut out = std::mem::take(&mut self.indices);
        out.sort_unstable();
        out.dedup();
        Some((score, out))
    }
}

/// One ranked entry of an [`Index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The entry's number ([`Index::get`]).
    pub id: usize,
    /// Its score (higher is better).
    pub score: u32,
}

/// The outcome of [`rank`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranked {
    /// The best hits, best first (all of them without a limit).
    pub hits: Vec<Hit>,
    /// How many entries matched in all.
    pub matched: usize,
}

/// The order of results: higher score, then shorter, then byte order.
pub fn order(a_score: u32, a: &str, b_score: u32, b: &str) -> Ordering {
    b_score.cmp(&a_score).then_with(|| a.len().cmp(&b.len())).then_with(|| a.cmp(b))
}

/// Ranks every path of `index` (matched as `mount/path`), keeping the best `limit` (all with `None`).
pub fn rank(index: &Index, query: &Query, limit: Option<usize>, ranker: &mut Ranker) -> Ranked {
    let mut hits: Vec<Hit> = index
        .entries()
        .filter_map(|e| ranker.score(query, e.full).map(|score| Hit { id: e.id, score }))
        .collect();
    let matched = hits.len();
    let full = |id: usize| index.get(id).map_or("", |e| e.full);
    let cmp = |a: &Hit, b: &Hit| order(a.score, full(a.id), b.score, full(b.id));
    match limit {
        Some(n) if n < hits.len() => {
            if n == 0 {
                hits.clear();
            } else {
                hits.select_nth_unstable_by(n - 1, cmp);
                hits.truncate(n);
            }
        }
        _ => {}
    }
    hits.sort_unstable_by(cmp);
    Ranked { hits, matched }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::find::index::BuildEvent;
    use crate::vault::{KvVersion, Mount};

    fn index(paths: &[&str]) -> Index {
        let mut ix = Index::default();
        let mount = Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() };
        ix.apply(&BuildEvent::Found { mount, paths: paths.iter().map(|p| p.to_string()).collect() });
        ix
    }

    fn names(ix: &Index, q: &str, mode: MatchMode) -> Vec<String> {
        let q = Query::new(q, mode).unwrap();
        rank(ix, &q, None, &mut Ranker::new())
            .hits
            .iter()
            .map(|h| ix.get(h.id).unwrap().path.to_string())
            .collect()
    }

    #[test]
    fn fuzzy_ranks_word_starts_first_and_ties_by_length() {
        let ix = index(&["apps/web/db", "apps/database/prod", "dev/bob", "other/xdxb", "zz/nothing"]);
        let got = names(&ix, "db", MatchMode::Fuzzy);
        assert_eq!(got.first().map(String::as_str), Some("apps/web/db"), "{got:?}");
        assert!(!got.contains(&"zz/nothing".to_string()));
        assert_eq!(names(&ix, "", MatchMode::Fuzzy).len(), 5, "an empty pattern matches everything");
    }

    #[test]
    fn exact_and_regex_modes() {
        let ix = index(&["apps/web/db", "apps/database/prod", "dev/bob"]);
        assert_eq!(names(&ix, "web/d", MatchMode::Exact), ["apps/web/db"]);
        assert!(names(&ix, "wdb", MatchMode::Exact).is_empty(), "exact is not fuzzy");
        assert_eq!(names(&ix, "b$", MatchMode::Regex), ["dev/bob", "apps/web/db"]);
        assert_eq!(names(&ix, "DATA", MatchMode::Exact), Vec::<String>::new(), "capitals match case");
        assert_eq!(names(&ix, "data", MatchMode::Exact), ["apps/database/prod"]);
        let e = Query::new("(", MatchMode::Regex).unwrap_err();
        assert!(e.starts_with("invalid regular expression"), "{e}");
    }

    #[test]
    fn indices_are_character_positions() {
        let mut r = Ranker::new();
        let q = Query::new("cd", MatchMode::Fuzzy).unwrap();
        let (_, idx) = r.indices(&q, "sécret/cd").unwrap();
        assert_eq!(idx, [7, 8]);
        let q = Query::new("é.r", MatchMode::Regex).unwrap();
        assert_eq!(r.indices(&q, "sécret").unwrap().1, [1, 2, 3]);
        let q = Query::new("cré", MatchMode::Exact).unwrap();
        assert!(r.indices(&q, "sécret").is_none());
        let q = Query::new("ecr", MatchMode::Exact).unwrap();
        assert_eq!(r.indices(&q, "sécret").unwrap().1, [1, 2, 3], "é matches e (normalisation)");
    }

    proptest::proptest! {
        #[test]
        fn any_pattern_on_any_text_never_panics(pattern in ".{0,12}", text in ".{0,40}", mode in 0u8..3) {
            let mode = [MatchMode::Fuzzy, MatchMode::Exact, MatchMode::Regex][usize::from(mode)];
            if let Ok(q) = Query::new(&pattern, mode) {
                let mut r = Ranker::new();
                let score = r.score(&q, &text);
                let with = r.indices(&q, &text);
                proptest::prop_assert_eq!(score.is_some(), with.is_some());
                if let Some((_, idx)) = with {
                    let n = text.chars().count() as u32;
                    proptest::prop_assert!(idx.iter().all(|&i| i < n), "{:?} in {:?}", idx, text);
                }
            }
        }
    }

    #[test]
    fn a_limit_keeps_the_best_in_order() {
        let paths: Vec<String> = (0..500).map(|i| format!("team{}/svc{i}/key", i % 7)).collect();
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let ix = index(&refs);
        let q = Query::new("svc1", MatchMode::Fuzzy).unwrap();
        let all = rank(&ix, &q, None, &mut Ranker::new());
        let top = rank(&ix, &q, Some(10), &mut Ranker::new());
        assert_eq!(top.matched, all.matched);
        assert_eq!(top.hits, all.hits[..10]);
        assert!(rank(&ix, &q, Some(0), &mut Ranker::new()).hits.is_empty());
    }
}
