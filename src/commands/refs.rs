//! Secret references from the command line: `sesame run --env-file` (with `--mask` and `--watch`) and
//! `sesame inject`. The references are parsed and read by [`crate::reference`]; values go to a process's
//! environment or to a file written 0600, never to the terminal.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use zeroize::Zeroizing;

use super::consume::{RunArgs, check_env_names, secret_vars};
use crate::mask::Masker;
use crate::reference::{self, EnvEntry, EnvFile, Reference, Resolved};
use crate::vault::Vault;
use crate::vault::connect::ConnectArgs;

/// The largest env file or template read.
pub const MAX_FILE: u64 = 4 * 1024 * 1024;

/// Exit status when a reference cannot be resolved (nothing is run or written).
const EXIT_UNRESOLVED: u8 = 2;

fn read_file(path: &Path) -> anyhow::Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_FILE {
        bail!("{} is larger than {} MiB", path.display(), MAX_FILE / 1024 / 1024);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// An env file, parsed (errors name the file and the line, never a value).
pub fn env_file(path: &Path) -> anyhow::Result<EnvFile> {
    EnvFile::parse(&read_file(path)?).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The env files of `run`, parsed.
pub fn env_files(paths: &[PathBuf]) -> anyhow::Result<Vec<EnvFile>> {
    paths.iter().map(|p| env_file(p)).collect()
}

/// The environment `run` gives the command: the secrets' keys (folders, then paths), then each env file's
/// lines in order (literals as they are, references resolved, every secret read once). A name given twice
/// is an error unless `--override` (the later wins).
async fn environment(
    vault: &Vault,
    args: &RunArgs,
    files: &[EnvFile],
) -> anyhow::Result<(Vec<(String, Zeroizing<String>)>, Resolved)> {
    let mut vars = if args.paths.is_empty() && args.folders.is_empty() {
        Vec::new()
    } else {
        secret_vars(vault, args).await?
    };
    let resolved = reference::resolve(vault, files.iter().flat_map(EnvFile::references), true).await?;
    for file in files {
        for entry in &file.entries {
            let add: Vec<(String, Zeroizing<String>)> = match entry {
                EnvEntry::Literal { name, value } => vec![(name.clone(), value.clone())],
                EnvEntry::Key { name, reference } => match resolved.value(reference) {
                    Ok(Some(v)) => vec![(name.clone(), v)],
                    Ok(None) => Vec::new(),
                    Err(e) => bail!("{e}"),
                },
                EnvEntry::Whole { reference } => {
                    let (_, _, data, _) = resolved.secret(reference).map_err(|e| anyhow::anyhow!("{e}"))?;
                    let env = crate::snippet::env_vars(data, &args.prefix);
                    for note in env.notes() {
                        crate::errln!("sesame: {note}");
                    }
                    env.vars
                }
            };
            for (name, value) in add {
                match vars.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) if args.override_ => {
                        crate::errln!("sesame: {name} is given again; the later one wins (--override)");
                        slot.1 = value;
                    }
                    Some(_) => {
                        bail!("{name} is given twice: remove one, or let the later win with --override")
                    }
                    None => vars.push((name, value)),
                }
            }
        }
    }
    check_env_names(vars.iter().map(|(n, _)| n.as_str()), &args.allow_env)?;
    Ok((vars, resolved))
}

/// `sesame run` with `--env-file`, `--mask` or `--watch`.
pub async fn run(vault: &Vault, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let files = env_files(&args.env_files)?;
    let (vars, resolved) = match environment(vault, args, &files).await {
        Ok(x) => x,
        Err(e) => {
            crate::errln!("sesame: {e:#}");
            crate::errln!("sesame: nothing was run");
            return Ok(ExitCode::from(EXIT_UNRESOLVED));
        }
    };
    if !args.mask && args.watch.is_none() {
        return Ok(super::consume::exec_with(&vars, &args.command));
    }
    supervise(vault, args, &files, vars, resolved).await
}

/// Runs the command as a child (for `--mask` and `--watch`), restarting it when a secret changes.
async fn supervise(
    vault: &Vault,
    args: &RunArgs,
    files: &[EnvFile],
    mut vars: Vec<(String, Zeroizing<String>)>,
    mut resolved: Resolved,
) -> anyhow::Result<ExitCode> {
    let Some((program, rest)) = args.command.split_first() else { bail!("give the command to run after --") };
    let shown = program.to_string_lossy().into_owned();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    loop {
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(rest);
        for (name, value) in &vars {
            cmd.env(name, value.as_str());
        }
        if args.mask {
            cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                crate::errln!("sesame: cannot run {shown}: {e}");
                return Ok(ExitCode::from(if e.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 }));
            }
        };
        let pumps = if args.mask {
            let values: Vec<&str> = vars.iter().map(|(_, v)| v.as_str()).collect();
            let out = child.stdout.take().map(|s| tokio::spawn(pump(s, Masker::new(values.clone()), false)));
            let err = child.stderr.take().map(|s| tokio::spawn(pump(s, Masker::new(values), true)));
            vec![out, err].into_iter().flatten().collect::<Vec<_>>()
        } else {
            Vec::new()
        };
        let every = Duration::from_secs(args.watch.unwrap_or(0).max(1));
        let mut poll = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let restart = loop {
            tokio::select! {
                status = child.wait() => {
                    for p in pumps {
                        let _ = p.await;
                    }
                    let status = status.context("waiting for the command")?;
                    return Ok(exit_code(status));
                }
                _ = poll.tick(), if args.watch.is_some() => {
                    match resolved.changed(vault).await {
                        Ok(true) => break true,
                        Ok(false) => {}
                        Err(e) => crate::errln!("sesame: cannot check the secrets for changes: {e}"),
                    }
                }
                _ = term.recv() => signal(&child, "TERM"),
                _ = int.recv() => signal(&child, "INT"),
                _ = hup.recv() => signal(&child, "HUP"),
            }
        };
        if restart {
            crate::errln!("sesame: a secret changed; restarting {shown}");
            signal(&child, &args.watch_signal);
            let grace = Duration::from_secs(args.watch_grace);
            if tokio::time::timeout(grace, child.wait()).await.is_err() {
                crate::errln!("sesame: {shown} did not stop within {} s; killing it", args.watch_grace);
                let _ = child.kill().await;
            }
            for p in pumps {
                let _ = p.await;
            }
            match environment(vault, args, files).await {
                Ok((v, r)) => {
                    vars = v;
                    resolved = r;
                }
                Err(e) => {
                    crate::errln!("sesame: {e:#}");
                    crate::errln!("sesame: the command was stopped and is not started again");
                    return Ok(ExitCode::from(EXIT_UNRESOLVED));
                }
            }
        }
    }
}

/// Sends a signal (a name such as `TERM`) to the child through kill(1).
fn signal(child: &tokio::process::Child, name: &str) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(pid.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// The exit status of sesame for the child's: its code, or 128 + the signal that ended it.
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt as _;
    let code = status.code().or_else(|| status.signal().map(|s| 128 + s)).unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Copies a child's output to ours through the masker, flushing after every write.
async fn pump(mut from: impl tokio::io::AsyncRead + Unpin, mut masker: Masker, stderr: bool) {
    use tokio::io::AsyncReadExt as _;
    let mut buf = vec![0u8; 16 * 1024];
    let write = |bytes: &[u8]| {
        if bytes.is_empty() {
            return;
        }
        if stderr {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(bytes).and_then(|()| e.flush());
        } else {
            let mut o = std::io::stdout().lock();
            let _ = o.write_all(bytes).and_then(|()| o.flush());
        }
    };
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => write(&masker.push(&buf[..n])),
        }
    }
    write(&masker.finish());
    zeroize::Zeroize::zeroize(&mut buf);
}

/// `sesame inject`.
#[derive(Args, Debug)]
pub struct InjectArgs {
    /// The template: any text with `{{ ref+vault://PATH#/KEY }}` or `{{ vault://mount/path#KEY }}`
    /// placeholders, and references standing alone as a whole value (`password: vault://…#KEY`).
    #[arg(short = 'i', long = "in", value_name = "TEMPLATE")]
    pub input: PathBuf,
    /// Where to write the result (0600); without it, stdout, which must not be a terminal.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only check that every reference resolves: print each reference and whether it does, never a value.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// One piece of a template.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    /// A reference; `whole` when it stands alone as a value (a whole secret renders as JSON there).
    Ref(Reference),
}

/// Splits a template into text and references: `{{ … }}` placeholders holding a reference, and bare
/// references that make up a whole value (after `: `, `=` or at the start of a line, up to the end of the
/// line, optionally quoted).
fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    for (i, line) in template.split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let mut rest = line;
        // Placeholders.
        let mut had_placeholder = false;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else { break };
            let inner = rest[start + 2..start + len].trim();
            if !reference::looks_like(inner) {
                out.push(Piece::Text(&rest[..start + len + 2]));
                rest = &rest[start + len + 2..];
                continue;
            }
            had_placeholder = true;
            out.push(Piece::Text(&rest[..start]));
            out.push(Piece::Ref(Reference::parse(inner).map_err(|e| format!("line {line_no}: {e}"))?));
            rest = &rest[start + len + 2..];
        }
        if had_placeholder {
            out.push(Piece::Text(rest));
            continue;
        }
        // A bare reference as a whole value.
        let body = rest.trim_end_matches(['\n', '\r']);
        let value_start = ["ref+vault://", "vault://"].iter().filter_map(|p| body.find(p)).min();
        match value_start {
            Some(i) if bare_value_position(&body[..i]) => {
                let (open, close) = match body[..i].chars().last() {
                    Some(q @ ('"' | '\'')) if body.ends_with(q) && body.len() > i + 1 => (i, body.len() - 1),
                    _ => (i, body.len()),
                };
                let text = body[open..close].trim_end();
                if text.contains(char::is_whitespace) {
                    out.push(Piece::Text(rest));
                    continue;
                }
                out.push(Piece::Text(&rest[..open]));
                out.push(Piece::Ref(Reference::parse(text).map_err(|e| format!("line {line_no}: {e}"))?));
                out.push(Piece::Text(&rest[open + text.len()..]));
            }
            _ => out.push(Piece::Text(rest)),
        }
    }
    Ok(out)
}

/// True when text before a bare reference leaves it as a whole value: nothing, `key: `, `key=`, `- `, or
/// one of those followed by an opening quote.
fn bare_value_position(before: &str) -> bool {
    let b = before.trim_end_matches(['"', '\'']).trim_end();
    b.is_empty() || b.ends_with(':') || b.ends_with('=') || b == "-" || b.ends_with(" -")
}

/// `sesame inject -i TEMPLATE [-o FILE] [--check]`.
pub async fn inject(vault: &Vault, args: &InjectArgs) -> anyhow::Result<ExitCode> {
    let template = read_file(&args.input)?;
    let parts = pieces(&template).map_err(|e| anyhow::anyhow!("{}: {e}", args.input.display()))?;
    let refs: Vec<&Reference> = parts
        .iter()
        .filter_map(|p| match p {
            Piece::Ref(r) => Some(r),
            Piece::Text(_) => None,
        })
        .collect();
    if args.check {
        return Ok(check(vault, &refs).await);
    }
    if args.output.is_none() && std::io::stdout().is_terminal() {
        bail!(
            "refusing to write secret values to the terminal: give -o FILE, or redirect or pipe the output"
        );
    }
    let resolved = match reference::resolve(vault, refs.iter().copied(), false).await {
        Ok(r) => r,
        Err(e) => {
            crate::errln!("sesame: {e:#}");
            crate::errln!("sesame: nothing was written");
            return Ok(ExitCode::from(EXIT_UNRESOLVED));
        }
    };
    let mut out = Zeroizing::new(String::with_capacity(template.len()));
    for p in &parts {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Ref(r) => match resolved.value(r) {
                Ok(Some(v)) => out.push_str(&v),
                Ok(None) => {
                    let (_, _, data, _) = resolved.secret(r).map_err(|e| anyhow::anyhow!("{e}"))?;
                    out.push_str(&data.to_json_compact());
                }
                Err(e) => {
                    crate::errln!("sesame: {e}");
                    crate::errln!("sesame: nothing was written");
                    return Ok(ExitCode::from(EXIT_UNRESOLVED));
                }
            },
        }
    }
    match &args.output {
        Some(path) => {
            crate::fsutil::write_private(path, out.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            crate::errln!(
                "sesame: wrote {} ({} reference{}, owner-only)",
                path.display(),
                refs.len(),
                if refs.len() == 1 { "" } else { "s" }
            );
        }
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(out.as_bytes()).and_then(|()| o.flush()).context("cannot write the output")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--check`: every reference and whether it resolves (one read per secret), never a value.
async fn check(vault: &Vault, refs: &[&Reference]) -> ExitCode {
    let mut bad = 0;
    let mut seen: Vec<&Reference> = Vec::new();
    for r in refs {
        if seen.contains(r) {
            continue;
        }
        seen.push(r);
    }
    let resolved = reference::resolve(vault, seen.iter().copied(), false).await;
    for r in &seen {
        let verdict = match &resolved {
            Ok(res) => match res.value(r) {
                Ok(_) => "ok".to_string(),
                Err(e) => {
                    bad += 1;
                    e
                }
            },
            Err(e) => {
                bad += 1;
                format!("{e:#}")
            }
        };
        crate::outln!("{r}  {verdict}");
    }
    if bad == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_UNRESOLVED) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn refs(t: &str) -> Vec<String> {
        pieces(t)
            .unwrap()
            .into_iter()
            .filter_map(|p| match p {
                Piece::Ref(r) => Some(r.to_string()),
                Piece::Text(_) => None,
            })
            .collect()
    }

    fn rebuilt(t: &str) -> String {
        pieces(t)
            .unwrap()
            .into_iter()
            .map(|p| match p {
                Piece::Ref(r) => format!("<{r}>"),
                Piece::Text(s) => s.to_string(),
            })
            .collect()
    }

    #[test]
    fn placeholders_and_bare_values() {
        let t = "db:\n  password: vault://secret/app#PW\n  url: \"postgres://u:{{ vault://secret/app#PW }}@h/db\"\n  \
                 token: 'ref+vault://secret/data/app#/TOKEN'\n  note: see vault://secret/app#PW for more\n{{ not a ref }}\n";
        assert_eq!(
            refs(t),
            ["vault://secret/app#PW", "vault://secret/app#PW", "ref+vault://secret/data/app#/TOKEN"],
            "a reference inside a sentence is not a value"
        );
        assert_eq!(
            rebuilt(t),
            "db:\n  password: <vault://secret/app#PW>\n  url: \"postgres://u:<vault://secret/app#PW>@h/db\"\n  \
             token: '<ref+vault://secret/data/app#/TOKEN>'\n  note: see vault://secret/app#PW for more\n{{ not a ref }}\n"
        );
        assert_eq!(
            refs("KEY=vault://secret/app#K\n- vault://secret/list#K\n"),
            ["vault://secret/app#K", "vault://secret/list#K"]
        );
        assert!(pieces("x: {{ vault://secret }}").unwrap_err().contains("line 1"));
    }

    proptest! {
        #[test]
        fn templates_of_any_text_never_panic(s in "\\PC{0,200}") {
            let _ = pieces(&s);
        }

        #[test]
        fn text_without_references_is_kept(s in "[^v{]{0,200}") {
            let parts = pieces(&s).unwrap();
            let back: String = parts.iter().map(|p| match p { Piece::Text(t) => *t, Piece::Ref(_) => "" }).collect();
            prop_assert_eq!(back, s);
        }
    }
}
