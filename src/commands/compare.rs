//! `sesame diff A B` and `sesame promote A B`: what differs between two secrets or folders, without a value
//! unless asked, and carrying differences from A to B with check-and-set ([`crate::compare`]).

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use crate::compare::{self, Comparison, KeyDiff, SecretDiff, State, StepOutcome};
use crate::secret::MASK;
use crate::vault::Vault;
use crate::vault::connect::ConnectArgs;

/// Output of `sesame diff`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    /// Lines for people.
    Plain,
    /// One JSON document.
    Json,
}

/// `sesame diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Side A: a secret, or a folder (ending with `/`), e.g. `secret/apps/web/staging/`; `PROFILE:path`
    /// reads it through a profile of the config file (another server, namespace or login).
    #[arg(value_name = "A")]
    pub a: String,
    /// Side B, of the same kind: `secret/apps/web/prod/` (another mount or KV version is fine).
    #[arg(value_name = "B")]
    pub b: String,
    /// Show the differing values side by side (masked otherwise).
    #[arg(long)]
    pub reveal: bool,
    /// Leave out what is equal.
    #[arg(long)]
    pub only_diff: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Plain)]
    pub format: DiffFormat,
    #[command(flatten)]
    pub sides: Sides,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// The namespaces of the two sides, when they differ from the connection's.
#[derive(Args, Debug, Clone, Default)]
pub struct Sides {
    /// The namespace of A (default: the connection's, `VAULT_NAMESPACE`); `/` for the root namespace.
    #[arg(long = "a-namespace", value_name = "NS")]
    pub a_namespace: Option<String>,
    /// The namespace of B.
    #[arg(long = "b-namespace", value_name = "NS")]
    pub b_namespace: Option<String>,
}

impl Sides {
    /// The connections of A and B.
    pub fn vaults(&self, vault: &Vault) -> (Vault, Vault) {
        let side = |ns: &Option<String>| match ns {
            Some(n) => vault.in_namespace(Some(n.as_str())),
            None => vault.clone(),
        };
        (side(&self.a_namespace), side(&self.b_namespace))
    }
}

/// A side written `PROFILE:mount/path`: its own connection (that profile of the config file, under the
/// command's connection flags) and the path. A side without a known profile name before `:` is a path.
fn side(base: &ConnectArgs, text: &str) -> anyhow::Result<(Option<Vault>, String)> {
    let Some((name, path)) = text.split_once(':') else { return Ok((None, text.to_string())) };
    let config = crate::config::Config::load()?;
    let Ok(profile) = config.find_profile(name) else { return Ok((None, text.to_string())) };
    // The command's own address/namespace/token flags describe the other side: the profile's stand alone.
    Ok((Some(crate::vault::connect::vault_for_profile(base, profile)?), path.to_string()))
}

/// The two sides' connections and paths: `PROFILE:` prefixes, else the namespaces given, else `vault`.
fn sides(
    vault: &Vault,
    connect: &ConnectArgs,
    s: &Sides,
    a: &str,
    b: &str,
) -> anyhow::Result<(Vault, String, Vault, String)> {
    let (na, nb) = s.vaults(vault);
    let (pa, a) = side(connect, a)?;
    let (pb, b) = side(connect, b)?;
    Ok((pa.unwrap_or(na), a, pb.unwrap_or(nb), b))
}

/// `sesame promote`.
#[derive(Args, Debug)]
pub struct PromoteArgs {
    /// From: a secret or a folder.
    #[arg(value_name = "A")]
    pub a: String,
    /// To: a secret or a folder of the same kind.
    #[arg(value_name = "B")]
    pub b: String,
    /// Only these keys (repeatable); B's other keys stay as they are.
    #[arg(long = "keys", value_name = "KEY", num_args = 1.., value_delimiter = ',')]
    pub keys: Vec<String>,
    /// Print the plan and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub sides: Sides,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

const EXIT_DIFFERENT: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn mark(state: State) -> char {
    match state {
        State::OnlyA => '-',
        State::OnlyB => '+',
        State::Different => '~',
        State::Equal => '=',
    }
}

async fn compared(va: &Vault, vb: &Vault, a: &str, b: &str) -> anyhow::Result<Comparison> {
    let (pa, pb) = tokio::try_join!(compare::place(va, a), compare::place(vb, b))?;
    Ok(compare::compare(va, &pa, vb, &pb).await?)
}

/// The differing values of one secret, read again for `--reveal`: key → (A's, B's), revealed.
async fn revealed(va: &Vault, vb: &Vault, c: &Comparison, s: &SecretDiff) -> Vec<(String, String, String)> {
    let (pa, pb) = (c.a.secret_path(&s.rel), c.b.secret_path(&s.rel));
    let (ra, rb) =
        tokio::join!(va.read(&c.a.mount, &pa, s.versions.0), vb.read(&c.b.mount, &pb, s.versions.1));
    let (Ok(ra), Ok(rb)) = (ra, rb) else { return Vec::new() };
    let (Some(da), Some(db)) = (ra.data, rb.data) else { return Vec::new() };
    s.keys
        .iter()
        .filter(|k| k.state == State::Different)
        .filter_map(|k| {
            Some((k.key.clone(), da.get(&k.key)?.reveal().to_string(), db.get(&k.key)?.reveal().to_string()))
        })
        .collect()
}

/// `sesame diff A B`: exit 0 when equal, 1 when different, 2 on an error or when something could not be read.
pub async fn diff(vault: &Vault, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let (va, a, vb, b) = sides(vault, &args.connect, &args.sides, &args.a, &args.b)?;
    let c = match compared(&va, &vb, &a, &b).await {
        Ok(c) => c,
        Err(e) => {
            crate::errln!("sesame: {e:#}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    };
    let mut values = std::collections::HashMap::new();
    if args.reveal {
        for s in c.secrets.iter().filter(|s| s.state == Some(State::Different)) {
            values.insert(s.rel.clone(), revealed(&va, &vb, &c, s).await);
        }
    }
    match args.format {
        DiffFormat::Plain => print_plain(&c, args, &values),
        DiffFormat::Json => {
            use std::io::Write as _;
            let text = serde_json::to_string_pretty(&json_of(&c, args, &values))?;
            writeln!(std::io::stdout().lock(), "{}", crate::sanitize::json(&text))?;
        }
    }
    let code = if !c.complete() {
        EXIT_ERROR
    } else if c.equal() {
        0
    } else {
        EXIT_DIFFERENT
    };
    Ok(ExitCode::from(code))
}

fn key_line(k: &KeyDiff, indent: &str, vals: Option<&(String, String, String)>) -> String {
    let twin = k
        .case_twin
        .as_ref()
        .map(|t| format!("  ({t} on the other side differs only by case)"))
        .unwrap_or_default();
    let values = match (k.state, vals) {
        (State::Different, Some((_, a, b))) => format!("  A {a}  ≠  B {b}"),
        (State::Different, None) => format!("  A {MASK}  ≠  B {MASK}"),
        _ => String::new(),
    };
    format!("{indent}{} {:<24} {}{values}{twin}", mark(k.state), k.key, k.state.word())
}

fn print_plain(
    c: &Comparison,
    args: &DiffArgs,
    values: &std::collections::HashMap<String, Vec<(String, String, String)>>,
) {
    let label = |p: &compare::Place| format!("{} ({})", p.display(), p.mount.version.label());
    crate::outln!("A  {}", label(&c.a));
    crate::outln!("B  {}", label(&c.b));
    for s in &c.secrets {
        if args.only_diff && s.state == Some(State::Equal) {
            continue;
        }
        let vals = values.get(&s.rel);
        let indent = if s.rel.is_empty() { "" } else { "    " };
        if !s.rel.is_empty() {
            match (&s.unreadable, s.state) {
                (Some((side, why)), _) => crate::outln!("! {:<28} not readable in {side}: {why}", s.rel),
                (None, Some(st)) => crate::outln!("{} {:<28} {}", mark(st), s.rel, st.word()),
                (None, None) => {}
            }
        } else if let Some((side, why)) = &s.unreadable {
            crate::outln!("! not readable in {side}: {why}");
        }
        if matches!(s.state, Some(State::Different)) || s.rel.is_empty() {
            for k in &s.keys {
                if args.only_diff && k.state == State::Equal {
                    continue;
                }
                let v = vals.and_then(|v| v.iter().find(|(n, _, _)| *n == k.key));
                crate::outln!("{}", key_line(k, indent, v));
            }
        }
    }
    for (side, folder) in &c.denied {
        crate::outln!("! {folder}/ could not be listed in {side}: its secrets are not compared");
    }
    let n = c.counts();
    let get = |s: State| n.get(&s).copied().unwrap_or(0);
    let unreadable = c.secrets.iter().filter(|s| s.unreadable.is_some()).count();
    let mut summary = format!(
        "{} secret(s): {} different, {} only in A, {} only in B, {} equal",
        c.secrets.len(),
        get(State::Different),
        get(State::OnlyA),
        get(State::OnlyB),
        get(State::Equal)
    );
    if unreadable > 0 {
        summary.push_str(&format!(", {unreadable} not readable"));
    }
    crate::errln!("{summary}");
}

fn json_of(
    c: &Comparison,
    args: &DiffArgs,
    values: &std::collections::HashMap<String, Vec<(String, String, String)>>,
) -> Value {
    let secrets: Vec<Value> = c
        .secrets
        .iter()
        .filter(|s| !(args.only_diff && s.state == Some(State::Equal)))
        .map(|s| {
            let vals = values.get(&s.rel);
            let keys: Vec<Value> = s
                .keys
                .iter()
                .filter(|k| !(args.only_diff && k.state == State::Equal))
                .map(|k| {
                    let mut o = json!({"key": k.key, "state": k.state.name()});
                    if let Some(t) = &k.case_twin {
                        o["case_twin"] = json!(t);
                    }
                    if let Some((_, a, b)) = vals.and_then(|v| v.iter().find(|(n, _, _)| *n == k.key)) {
                        o["a"] = json!(a);
                        o["b"] = json!(b);
                    }
                    o
                })
                .collect();
            json!({
                "path": s.rel,
                "state": s.state.map(State::name),
                "unreadable": s.unreadable.as_ref().map(|(side, why)| json!({"side": side.to_string(), "reason": why})),
                "keys": keys,
            })
        })
        .collect();
    json!({
        "a": c.a.display(),
        "b": c.b.display(),
        "equal": c.equal(),
        "complete": c.complete(),
        "secrets": secrets,
        "denied": c.denied.iter().map(|(side, f)| json!({"side": side.to_string(), "folder": f})).collect::<Vec<_>>(),
    })
}

/// `sesame promote A B [--keys K…] [--dry-run] [--yes]`.
pub async fn promote(vault: &Vault, args: &PromoteArgs) -> anyhow::Result<ExitCode> {
    let (va, a, vb, b) = sides(vault, &args.connect, &args.sides, &args.a, &args.b)?;
    let c = compared(&va, &vb, &a, &b).await?;
    if let Some(s) = c.secrets.iter().find(|s| s.unreadable.is_some()) {
        let (side, why) = s.unreadable.clone().unwrap_or_default();
        bail!(
            "{} is not readable in {side} ({why}): nothing is promoted",
            if s.rel.is_empty() { "the secret" } else { &s.rel }
        );
    }
    let steps = compare::plan(&c, &args.keys);
    if steps.is_empty() {
        crate::errln!(
            "sesame: nothing to promote: B already holds A's values{}",
            if args.keys.is_empty() { "" } else { " for those keys" }
        );
        return Ok(ExitCode::SUCCESS);
    }
    crate::outln!("from {}  to {}", c.a.display(), c.b.display());
    for s in &steps {
        let what = if s.rel.is_empty() { "the secret".to_string() } else { s.rel.clone() };
        crate::outln!("  {} {what}: {}", if s.create { "create" } else { "update" }, s.keys.join(", "));
    }
    if args.dry_run {
        crate::errln!("sesame: dry run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("add --yes to write (or --dry-run to see the plan only)");
        }
        crate::errln!("Write {} secret(s) in B? [y/N] ", steps.len());
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            crate::errln!("sesame: nothing written");
            return Ok(ExitCode::from(EXIT_DIFFERENT));
        }
    }
    let results = compare::promote(&va, &vb, &c, &steps).await;
    let mut code = 0u8;
    for (s, outcome) in &results {
        let what = if s.rel.is_empty() { c.b.display() } else { s.rel.clone() };
        match outcome {
            StepOutcome::Done(Some(v)) => crate::outln!("promoted {what} (version {v}, verified)"),
            StepOutcome::Done(None) => crate::outln!("promoted {what} (verified)"),
            StepOutcome::ChangedMeanwhile => {
                code = code.max(EXIT_DIFFERENT);
                crate::errln!(
                    "sesame: {what} changed in B since the comparison: not overwritten; compare again"
                );
            }
            StepOutcome::MaybeWritten(e) => {
                code = 3;
                crate::errln!("sesame: {what} may have been written (the answer never came): {e}");
            }
            StepOutcome::Failed(e) => {
                code = code.max(EXIT_ERROR);
                crate::errln!("sesame: {what} was not promoted: {e}");
            }
        }
    }
    Ok(ExitCode::from(code))
}
