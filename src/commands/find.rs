//! `sesame find [PATTERN]`: every secret of every KV mount the token can see, ranked as the TUI's finder
//! ranks them ([`crate::find`]); key names with `--keys`, values with `--values` (never printed).
//!
//! Exit status as grep's: 0 something found, 1 nothing found, 2 an error (also when results were printed but
//! the search was incomplete for a reason other than a folder the token may not list: those are counted on
//! standard error, not errors).
//!
//! Plain output, one match per line (names escaped for the terminal):
//! `mount/path` for a path, `mount/path<TAB>key<TAB>NAME` for a key name, `mount/path<TAB>value<TAB>NAME`
//! for a key whose value matched. With `-z` the same records are raw and each ends with a NUL byte. JSON
//! (`--format json`) gives the match positions and what was searched as well.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use crate::find::contents::{self, ContentHit, ContentStats, Matched, ValueQuery};
use crate::find::index::{self, BuildEvent, BuildOptions, BuildProgress, DEFAULT_MAX_PATHS, Index, Root};
use crate::find::rank::{self, MatchMode, Query, Ranker};
use crate::sanitize::terminal as shown;
use crate::vault::Vault;
use crate::vault::connect::{ConnectArgs, ConnectSettings};
use crate::vault::kv::KvVersion;
use crate::vault::walk::WalkOptions;

/// Exit status: something found.
pub const EXIT_FOUND: u8 = 0;
/// Exit status: nothing found.
pub const EXIT_NOTHING: u8 = 1;
/// Exit status: an error.
pub const EXIT_ERROR: u8 = 2;

/// Denied folders named on standard error at most (the count is always given).
const DENIED_SHOWN: usize = 20;

/// Output format of `sesame find`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FindFormat {
    /// One match per line.
    #[default]
    Plain,
    /// One JSON document: the matches with their match positions, and what was searched.
    Json,
}

/// `sesame find`.
#[derive(Args, Debug)]
pub struct FindArgs {
    /// What to look for: fuzzy by default, fzf's syntax (words in any order; 'exact ^prefix suffix$ !not).
    /// Empty or absent: every secret.
    pub pattern: Option<String>,
    /// Also match key names (KV v2 `subkeys`, KV v1 data whose values are dropped at once; key-only
    /// secrets by their recorded names, never read).
    #[arg(long)]
    pub keys: bool,
    /// Also match values: each secret is read, its values matched in memory as a substring (or with
    /// --regex) and dropped; matches name the secret and the key, never the value. Key-only secrets are
    /// not read.
    #[arg(long)]
    pub values: bool,
    /// Search this mount (or a folder inside one) only; repeatable. Default: every KV mount the token sees.
    #[arg(long = "mount", value_name = "PATH")]
    pub mounts: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FindFormat::Plain)]
    pub format: FindFormat,
    /// Print matches raw, each record followed by a NUL byte, for scripts (like `find -print0`).
    #[arg(short = 'z', long = "null")]
    pub null: bool,
    /// Match PATTERN as a plain substring.
    #[arg(long, conflicts_with = "regex")]
    pub exact: bool,
    /// Match PATTERN as a regular expression (Rust `regex` syntax; smart case).
    #[arg(long)]
    pub regex: bool,
    /// Requests in flight at most while indexing.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub concurrency: usize,
    /// Walk folder by folder even where the server offers a recursive SCAN.
    #[arg(long)]
    pub no_scan: bool,
    /// Paths indexed at most; past it the search stops with exit status 2.
    #[arg(long, default_value_t = DEFAULT_MAX_PATHS, value_name = "N")]
    pub max_paths: usize,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

impl FindArgs {
    fn mode(&self) -> MatchMode {
        if self.regex {
            MatchMode::Regex
        } else if self.exact {
            MatchMode::Exact
        } else {
            MatchMode::Fuzzy
        }
    }
}

/// A path that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathHit {
    /// The mount.
    pub mount: String,
    /// Its KV version.
    pub version: KvVersion,
    /// Relative to the mount.
    pub path: String,
    /// The score.
    pub score: u32,
    /// Character positions of `mount/path` that matched.
    pub indices: Vec<u32>,
}

/// Everything a search found and met.
#[derive(Debug, Default)]
pub struct Found {
    /// Paths that matched, best first.
    pub paths: Vec<PathHit>,
    /// Key names and values that matched: names best first, then values by path.
    pub contents: Vec<ContentHit>,
    /// Folders the token may not list (`mount/folder/`).
    pub denied: Vec<String>,
    /// Secrets indexed.
    pub secrets: usize,
    /// Folders listed.
    pub folders: usize,
    /// What the key and value search met.
    pub content_stats: ContentStats,
    /// Errors that left the search incomplete (a root that failed, the index bound).
    pub errors: Vec<String>,
}

/// `sesame find`: the exit status as grep's (see the module docs).
pub async fn find(args: &FindArgs) -> ExitCode {
    match run(args).await {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Messages quote names from the server; a regex error spans lines.
            eprintln!("sesame: {}", crate::sanitize::lines(&format!("{e:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

async fn run(args: &FindArgs) -> anyhow::Result<u8> {
    if args.null && args.format == FindFormat::Json {
        bail!("-z applies to the plain format; JSON output is one document");
    }
    let pattern = args.pattern.clone().unwrap_or_default();
    if args.values && pattern.is_empty() {
        bail!("--values needs a PATTERN (every value would match)");
    }
    let query = Query::new(&pattern, args.mode()).map_err(anyhow::Error::msg)?;
    let values = if args.values {
        Some(ValueQuery::new(&pattern, args.mode()).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    let settings = ConnectSettings::from_env(&args.connect)?;
    let vault = Vault::new(settings.build_client()?);
    let roots = roots(&vault, &args.mounts).await?;
    let opts = BuildOptions {
        walk: WalkOptions {
            concurrency: args.concurrency.max(1),
            use_scan: !args.no_scan,
            ..Default::default()
        },
        max_paths: args.max_paths,
    };
    let found = search(&vault, &roots, &opts, &query, args.keys, values.as_ref()).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        FindFormat::Plain => write_plain(&mut out, &found, args.null)?,
        FindFormat::Json => write_json(&mut out, &found)?,
    }
    out.flush()?;
    report(&found);
    Ok(if !found.errors.is_empty() {
        EXIT_ERROR
    } else if found.paths.is_empty() && found.contents.is_empty() {
        EXIT_NOTHING
    } else {
        EXIT_FOUND
    })
}

/// The roots to index: each `--mount` (a mount or a folder inside one), else every KV mount.
async fn roots(vault: &Vault, given: &[String]) -> anyhow::Result<Vec<Root>> {
    if given.is_empty() {
        let mounts =
            vault.discover(&[]).await.context("cannot list the KV mounts (name some with --mount)")?;
        return Ok(mounts.into_iter().map(Root::mount).collect());
    }
    let mut out: Vec<Root> = Vec::new();
    for g in given {
        let (mount, folder) = super::locate(vault, g).await?;
        let root = Root { mount, folder };
        if !out.contains(&root) {
            out.push(root);
        }
    }
    Ok(out)
}

/// Builds the index of `roots` and matches `query` against its paths, and key names and values when asked.
pub async fn search(
    vault: &Vault,
    roots: &[Root],
    opts: &BuildOptions,
    query: &Query,
    keys: bool,
    values: Option<&ValueQuery>,
) -> anyhow::Result<Found> {
    let mut ix = Index::new(opts.max_paths);
    let progress = BuildProgress::default();
    let mut errors = Vec::new();
    index::build(vault, roots, opts, &progress, |event| {
        match &event {
            BuildEvent::RootFailed { root, error } => {
                errors.push(format!("cannot index {}: {error}", root.label()));
            }
            BuildEvent::Finished { truncated: true } => {
                errors.push(index::IndexFull(opts.max_paths).to_string());
            }
            _ => {}
        }
        ix.apply(&event);
    })
    .await;
    let snapshot = progress.snapshot();
    let mut ranker = Ranker::new();
    let ranked = rank::rank(&ix, query, None, &mut ranker);
    let paths = ranked
        .hits
        .iter()
        .filter_map(|h| ix.get(h.id))
        .map(|e| {
            PathHit {
                mount: e.mount.path.clone(),
                version: e.mount.version,
                path: e.path.to_string(),
                score: 0,
                indices: Vec::new(),
            }
            .with_match(&mut ranker, query, e.full)
        })
        .collect();
    let mut found = Found {
        paths,
        denied: ix.denied().to_vec(),
        secrets: ix.len(),
        folders: snapshot.folders,
        errors,
        ..Found::default()
    };
    if keys || values.is_some() {
        let secrets: Vec<_> = ix.entries().map(|e| (e.mount.clone(), e.path.to_string())).collect();
        let mut hits = Vec::new();
        found.content_stats =
            contents::search(vault, secrets, query, keys, values, contents::DEFAULT_CONCURRENCY, |h| {
                hits.push(h)
            })
            .await?;
        hits.sort_by(|a, b| {
            a.matched
                .cmp(&b.matched)
                .then_with(|| b.score.cmp(&a.score))
                .then_with(|| (&a.mount.path, &a.path, &a.key).cmp(&(&b.mount.path, &b.path, &b.key)))
        });
        found.contents = hits;
    }
    Ok(found)
}

impl PathHit {
    fn with_match(mut self, ranker: &mut Ranker, query: &Query, full: &str) -> Self {
        if let Some((score, indices)) = ranker.indices(query, full) {
            self.score = score;
            self.indices = indices;
        }
        self
    }

    /// `mount/path`.
    pub fn full(&self) -> String {
        format!("{}/{}", self.mount, self.path)
    }
}

fn kind(m: Matched) -> &'static str {
    match m {
        Matched::Key => "key",
        Matched::Value => "value",
    }
}

/// The plain format (see the module docs): escaped lines, or raw NUL-terminated records with `null`.
pub fn write_plain(out: &mut impl Write, found: &Found, null: bool) -> std::io::Result<()> {
    let mut record = |fields: &[&str]| -> std::io::Result<()> {
        if null {
            out.write_all(fields.join("\t").as_bytes())?;
            out.write_all(b"\0")
        } else {
            let shown: Vec<_> = fields.iter().map(|f| shown(f)).collect();
            writeln!(out, "{}", shown.join("\t"))
        }
    };
    for p in &found.paths {
        record(&[&p.full()])?;
    }
    for c in &found.contents {
        record(&[&format!("{}/{}", c.mount.path, c.path), kind(c.matched), &c.key])?;
    }
    Ok(())
}

/// The JSON format: `{"matches":[…],"searched":{…}}`, escaped exactly by serde_json.
pub fn write_json(out: &mut impl Write, found: &Found) -> anyhow::Result<()> {
    let version = |v: KvVersion| match v {
        KvVersion::V1 => 1,
        KvVersion::V2 => 2,
    };
    let mut matches: Vec<Value> = found
        .paths
        .iter()
        .map(|p| {
            json!({
                "match": "path", "mount": p.mount, "kv": version(p.version), "path": p.path,
                "full": p.full(), "score": p.score, "indices": p.indices,
            })
        })
        .collect();
    matches.extend(found.contents.iter().map(|c| {
        let mut v = json!({
            "match": kind(c.matched), "mount": c.mount.path, "kv": version(c.mount.version), "path": c.path,
            "full": format!("{}/{}", c.mount.path, c.path), "key": c.key,
        });
        if c.matched == Matched::Key {
            v["score"] = json!(c.score);
            v["indices"] = json!(c.indices);
            v["recorded"] = json!(c.recorded);
        }
        v
    }));
    let doc = json!({
        "matches": matches,
        "searched": {
            "secrets": found.secrets,
            "folders": found.folders,
            "denied": found.denied,
            "key_only": found.content_stats.key_only,
            "unreadable": found.content_stats.unreadable,
            "gone": found.content_stats.gone,
        },
        "complete": found.errors.is_empty(),
        "errors": found.errors,
    });
    writeln!(out, "{}", crate::sanitize::json(&serde_json::to_string_pretty(&doc)?))?;
    Ok(())
}

/// Standard error: denied folders (counted, the first few named), secrets whose content could not be read,
/// and what left the search incomplete.
fn report(found: &Found) {
    if !found.denied.is_empty() {
        let n = found.denied.len();
        let named: Vec<String> =
            found.denied.iter().take(DENIED_SHOWN).map(|d| shown(d).into_owned()).collect();
        let more = if n > DENIED_SHOWN { format!(" and {} more", n - DENIED_SHOWN) } else { String::new() };
        eprintln!(
            "sesame: {n} folder{} not searched (permission denied): {}{more}",
            if n == 1 { "" } else { "s" },
            named.join(", ")
        );
    }
    let s = &found.content_stats;
    if s.unreadable > 0 {
        eprintln!(
            "sesame: {} secret{} not searched inside (permission denied)",
            s.unreadable,
            plural(s.unreadable)
        );
    }
    if s.gone > 0 {
        eprintln!("sesame: {} secret{} gone while searching", s.gone, plural(s.gone));
    }
    for e in &found.errors {
        crate::errln!("sesame: {e}");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::Mount;

    fn found() -> Found {
        let mount = Mount { path: "kv".into(), version: KvVersion::V1, description: String::new() };
        Found {
            paths: vec![PathHit {
                mount: "secret".into(),
                version: KvVersion::V2,
                path: "a\u{1b}[31m/b\tc".into(),
                score: 10,
                indices: vec![7],
            }],
            contents: vec![ContentHit {
                mount,
                path: "x".into(),
                key: "PASS\u{202e}".into(),
                matched: Matched::Value,
                score: 0,
                indices: vec![],
                recorded: false,
            }],
            ..Found::default()
        }
    }

    #[test]
    fn plain_output_is_escaped_and_z_is_raw() {
        let mut out = Vec::new();
        write_plain(&mut out, &found(), false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "secret/a\\e[31m/b\\tc\nkv/x\tvalue\tPASS\\u{202e}\n");
        let mut out = Vec::new();
        write_plain(&mut out, &found(), true).unwrap();
        assert_eq!(out, b"secret/a\x1b[31m/b\tc\0kv/x\tvalue\tPASS\xe2\x80\xae\0");
    }

    #[test]
    fn json_output_is_exact() {
        let mut out = Vec::new();
        write_json(&mut out, &found()).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["matches"][0]["full"], "secret/a\u{1b}[31m/b\tc");
        assert_eq!(v["matches"][0]["indices"], json!([7]));
        assert_eq!(v["matches"][1]["match"], "value");
        assert_eq!(v["matches"][1]["key"], "PASS\u{202e}");
        assert!(v["matches"][1].get("score").is_none());
        assert_eq!(v["complete"], true);
        assert!(!String::from_utf8(out).unwrap().contains('\u{202e}'), "bidi controls escaped in JSON");
    }
}
