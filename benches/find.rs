//! Finder benchmark (`cargo bench --bench find`): the targets of "Find any secret from anywhere".
//!
//! 1. **Ranking** (no server): an index of `SESAME_BENCH_FIND_PATHS` paths (default 100,000, in 10,000
//!    folders) is ranked after every key press of a set of typed queries, keeping the best 200 as the finder
//!    shows them (also timed: every match sorted, as `sesame find` prints them). Median and p99 per key press;
//!    in the same run, `fzf --filter` (Debian's `/usr/bin/fzf`, or `fzf` on PATH) over the same paths for the
//!    same queries, timed from spawn to exit as a script would use it. Targets: median ≤ 10 ms, p99 ≤ 25 ms,
//!    median no slower than fzf's.
//! 2. **Memory**: resident memory grown by building that index, path by path (target ≤ 50 MB at 100,000).
//! 3. **Building** (own OpenBao dev server): `SESAME_BENCH_FIND_SECRETS` secrets (default 100,000; 10 per
//!    leaf folder, so 10,000 leaf folders) seeded 64 writes at a time, then the index built with the root
//!    token (SCAN: target ≤ 3 s) and with a token without `scan` (the walk: target within 1.1× of a Python
//!    aiohttp walker with 64 requests in flight on the same token, when `aiohttp` is importable by
//!    `$SESAME_BENCH_PYTHON`, `.venv/bin/python` or `python3`; skipped otherwise). The time to the first batch of results is printed
//!    and must come before the build ends. `SESAME_BENCH_FIND_SECRETS=0` skips this part.
//!
//! Prints figures and PASS/FAIL/SKIP lines (also written as markdown to `target/bench-find.md`); exits
//! non-zero on any FAIL. Seeding 100,000 secrets takes minutes: try a smaller size first.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use futures::stream::{self, TryStreamExt};
use serde_json::{Value, json};

use sesame::find::index::{self, BuildEvent, BuildOptions, BuildProgress, Index, Root};
use sesame::find::rank::{MatchMode, Query, Ranker, rank};
use sesame::vault::devserver::{DevOptions, DevServer};
use sesame::vault::kv::{KvVersion, Mount, Vault, encode_path};

const DEFAULT_PATHS: usize = 100_000;
const DEFAULT_SECRETS: usize = 100_000;
const MAX_SIZE: usize = 1_000_000;
/// Results the finder shows (and keeps) per key press.
const SHOWN: usize = 200;
/// Writes in flight while seeding; requests in flight of the Python walker.
const SEED_CONCURRENCY: usize = 64;
const PY_CONCURRENCY: usize = 64;
/// Timed repetitions of each typed query (per key press), and of each build.
const RANK_REPS: usize = 5;
const BUILD_REPS: usize = 3;
const TARGET_MEDIAN_MS: f64 = 10.0;
const TARGET_P99_MS: f64 = 25.0;
const TARGET_SCAN_BUILD_MS: f64 = 3000.0;
const TARGET_WALK_VS_PYTHON: f64 = 1.10;
const TARGET_INDEX_MB: f64 = 50.0;
const RUN_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const MOUNT: &str = "bench";

/// What a user types, one key at a time: each prefix is one key press.
const TYPED: &[&str] =
    &["webdb", "prodpostgres", "t42a7", "svc-api key", "e3s9", "paymnt", "zzqx", "team/ops"];

fn main() -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("FAIL cannot build the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(async { tokio::time::timeout(RUN_TIMEOUT, run()).await }) {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        Ok(Ok(false)) => ExitCode::FAILURE,
        Ok(Err(e)) => {
            eprintln!("FAIL bench error: {e:#}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("FAIL the bench did not finish within {} s", RUN_TIMEOUT.as_secs());
            ExitCode::FAILURE
        }
    }
}

fn size(var: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(var) {
        Ok(s) => {
            let n: usize = s.trim().parse().with_context(|| format!("{var}={s:?}"))?;
            Ok(n.min(MAX_SIZE))
        }
        Err(_) => Ok(default),
    }
}

/// Secret `i`: ten per leaf folder, `teamNN/appN/envN/` over words a user would search for.
fn secret_path(i: usize) -> String {
    const APPS: &[&str] =
        &["web", "api", "payments", "postgres", "redis", "auth", "search", "mail", "ml", "ops"];
    const ENVS: &[&str] = &["prod", "staging", "dev", "qa", "e1", "e2", "e3", "e4", "e5", "e6"];
    const NAMES: &[&str] =
        &["db", "api key", "token", "svc-api", "tls", "s3", "smtp", "oauth", "password", "config"];
    let f = i / 10;
    format!(
        "t{:02}/a{}-{}/{}/{}-{}",
        f / 100,
        (f / 10) % 10,
        APPS[(f / 10) % 10],
        ENVS[f % 10],
        NAMES[i % 10],
        i / 1000
    )
}

struct Report {
    lines: Vec<String>,
    checks: Vec<(Option<bool>, String)>,
}

impl Report {
    fn say(&mut self, line: String) {
        println!("{line}");
        self.lines.push(line);
    }
    fn check(&mut self, pass: Option<bool>, line: String) {
        self.checks.push((pass, line));
    }
}

async fn run() -> anyhow::Result<bool> {
    let mut r = Report { lines: Vec::new(), checks: Vec::new() };
    let n_paths = size("SESAME_BENCH_FIND_PATHS", DEFAULT_PATHS)?;
    let ix = memory(&mut r, n_paths);
    ranking(&mut r, &ix, n_paths).await?;
    drop(ix);
    let n_secrets = size("SESAME_BENCH_FIND_SECRETS", DEFAULT_SECRETS)?;
    if n_secrets > 0 {
        let dev = DevServer::start(DevOptions::default()).await.context("starting the OpenBao dev server")?;
        let outcome = building(&mut r, &dev, n_secrets).await;
        dev.stop().await;
        outcome?;
    } else {
        r.check(None, "index build (SESAME_BENCH_FIND_SECRETS=0)".into());
    }
    let mut ok = true;
    let mut md = String::from("# sesame find benchmark\n\n");
    for l in &r.lines {
        md.push_str(&format!("    {l}\n"));
    }
    md.push('\n');
    for (pass, line) in &r.checks {
        let word = match pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "SKIP",
        };
        println!("{word} {line}");
        md.push_str(&format!("- **{word}** {line}\n"));
        ok &= pass.unwrap_or(true);
    }
    let out = target_dir().join("bench-find.md");
    match std::fs::create_dir_all(target_dir()).and_then(|()| std::fs::write(&out, md)) {
        Ok(()) => println!("written to {}", out.display()),
        Err(e) => println!("note: cannot write {}: {e}", out.display()),
    }
    Ok(ok)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Resident memory of this process in bytes (Linux), 0 when unknown.
fn resident() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Builds the index path by path and measures what it added to resident memory.
fn memory(r: &mut Report, n: usize) -> Index {
    let mount = Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() };
    let before = resident();
    let mut ix = Index::new(n.max(1));
    for i in 0..n {
        let _ = ix.insert(&mount, &secret_path(i));
    }
    let grown = resident().saturating_sub(before) as f64 / 1e6;
    let heap = ix.heap_bytes() as f64 / 1e6;
    r.say(format!(
        "index of {} paths: {grown:.1} MB resident grown, {heap:.1} MB on the heap by its count",
        ix.len()
    ));
    if n >= DEFAULT_PATHS {
        r.check(
            Some(grown <= TARGET_INDEX_MB * n as f64 / DEFAULT_PATHS as f64),
            format!(
                "index of {n} paths in {grown:.1} MB resident (target ≤ {TARGET_INDEX_MB} MB per 100,000)"
            ),
        );
    } else {
        r.check(None, format!("index memory target is for 100,000 paths (ran {n}: {grown:.1} MB)"));
    }
    ix
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Every prefix of every typed query: the patterns ranked after each key press.
fn key_presses() -> Vec<String> {
    TYPED
        .iter()
        .flat_map(|q| (1..=q.chars().count()).map(|n| q.chars().take(n).collect::<String>()))
        .collect()
}

async fn ranking(r: &mut Report, ix: &Index, n: usize) -> anyhow::Result<()> {
    let presses = key_presses();
    let mut ranker = Ranker::new();
    let (mut shown, mut all) = (Vec::new(), Vec::new());
    let mut matched = 0usize;
    for rep in 0..=RANK_REPS {
        for p in &presses {
            let q = Query::new(p, MatchMode::Fuzzy).map_err(|e| anyhow!(e))?;
            let t = Instant::now();
            let top = rank(ix, &q, Some(SHOWN), &mut ranker);
            let t_shown = t.elapsed();
            let t = Instant::now();
            let every = rank(ix, &q, None, &mut ranker);
            let t_all = t.elapsed();
            if top.matched != every.matched || top.hits[..] != every.hits[..top.hits.len()] {
                bail!("ranking {p:?}: the best {SHOWN} differ from the head of the full ranking");
            }
            if rep > 0 {
                shown.push(ms(t_shown));
                all.push(ms(t_all));
                matched += every.matched;
            }
        }
    }
    shown.sort_by(f64::total_cmp);
    all.sort_by(f64::total_cmp);
    let (med, p99) = (percentile(&shown, 0.5), percentile(&shown, 0.99));
    r.say(format!(
        "ranking {n} paths per key press ({} presses x {RANK_REPS}, {} matches on average): best {SHOWN}: median \
         {med:.2} ms, p99 {p99:.2} ms; every match sorted: median {:.2} ms, p99 {:.2} ms",
        presses.len(),
        matched / shown.len().max(1),
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    ));
    let at_size = n >= DEFAULT_PATHS;
    let verdict = |ok: bool| if at_size { Some(ok) } else { None };
    r.check(
        verdict(med <= TARGET_MEDIAN_MS),
        format!("ranking median {med:.2} ms (target ≤ {TARGET_MEDIAN_MS} ms)"),
    );
    r.check(verdict(p99 <= TARGET_P99_MS), format!("ranking p99 {p99:.2} ms (target ≤ {TARGET_P99_MS} ms)"));

    // fzf over the same paths, the same patterns.
    let fzf = ["/usr/bin/fzf", "fzf"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    });
    let Some(fzf) = fzf else {
        r.check(None, "fzf --filter comparison (no fzf installed)".into());
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("paths.txt");
    let mut text = String::new();
    for e in ix.entries() {
        text.push_str(e.full);
        text.push('\n');
    }
    std::fs::write(&file, text)?;
    let mut fzf_ms = Vec::new();
    for p in &presses {
        let input = std::fs::File::open(&file)?;
        let t = Instant::now();
        let out = tokio::process::Command::new(fzf)
            .args(["--filter", p])
            .stdin(input)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .status()
            .await?;
        fzf_ms.push(ms(t.elapsed()));
        // fzf exits 1 when nothing matches.
        if !matches!(out.code(), Some(0 | 1)) {
            bail!("fzf --filter {p:?} failed: {out}");
        }
    }
    fzf_ms.sort_by(f64::total_cmp);
    let fzf_med = percentile(&fzf_ms, 0.5);
    r.say(format!(
        "fzf --filter ({fzf}) over the same {n} paths, same presses: median {fzf_med:.2} ms, p99 {:.2} ms",
        percentile(&fzf_ms, 0.99)
    ));
    r.check(
        Some(med <= fzf_med && percentile(&all, 0.5) <= fzf_med),
        format!(
            "ranking median {med:.2} ms (every match sorted: {:.2} ms) no slower than fzf --filter's {fzf_med:.2} ms",
            percentile(&all, 0.5)
        ),
    );
    Ok(())
}

/// Enables the KV v2 mount and writes every secret, `SEED_CONCURRENCY` at a time.
async fn seed(v: &Vault, n: usize) -> anyhow::Result<()> {
    v.call("POST", &format!("sys/mounts/{MOUNT}"), Some(&json!({"type": "kv", "options": {"version": "2"}})))
        .await
        .context("enabling the bench mount")?;
    let body = json!({"data": {"value": "bench"}});
    stream::iter((0..n).map(Ok))
        .try_for_each_concurrent(SEED_CONCURRENCY, |i| {
            let body = &body;
            async move {
                let p = secret_path(i);
                let api = format!("{MOUNT}/data/{}", encode_path(&p));
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    let (status, answer) = v.raw("POST", &api, Some(body)).await?;
                    if (200..300).contains(&status) {
                        return Ok::<(), anyhow::Error>(());
                    }
                    // A fresh KV v2 mount answers 400 "Upgrading from non-versioned to versioned data" briefly.
                    let upgrading = status == 400 && String::from_utf8_lossy(&answer).contains("Upgrading");
                    if !upgrading || Instant::now() > deadline {
                        bail!("writing {p}: status {status}");
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        })
        .await
}

/// One timed build: total ms, ms to the first batch, whether SCAN listed the whole mount.
async fn time_build(v: &Vault, n: usize) -> anyhow::Result<(f64, f64, bool)> {
    let mount = Mount { path: MOUNT.into(), version: KvVersion::V2, description: String::new() };
    let progress = BuildProgress::default();
    let mut ix = Index::default();
    let mut first = None;
    let mut scanned = false;
    let mut failed = None;
    let t = Instant::now();
    index::build(v, &[Root::mount(mount)], &BuildOptions::default(), &progress, |e| {
        match &e {
            BuildEvent::Found { .. } if first.is_none() => first = Some(t.elapsed()),
            BuildEvent::RootDone { used_scan, .. } => scanned = *used_scan,
            BuildEvent::RootFailed { error, .. } => failed = Some(error.to_string()),
            _ => {}
        }
        ix.apply(&e);
    })
    .await;
    let total = t.elapsed();
    if let Some(e) = failed {
        bail!("the build failed: {e}");
    }
    if ix.len() != n || !ix.denied().is_empty() {
        bail!("the build found {} secrets (expected {n}), {} folders denied", ix.len(), ix.denied().len());
    }
    Ok((ms(total), first.map_or(f64::NAN, ms), scanned))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    percentile(v, 0.5)
}

async fn building(r: &mut Report, dev: &DevServer, n: usize) -> anyhow::Result<()> {
    let root = Vault::connect(dev.addr(), dev.root_token())?;
    let t = Instant::now();
    seed(&root, n).await?;
    let folders = n.div_ceil(10);
    r.say(format!(
        "seeded {n} secrets in {folders} leaf folders ({} ms, {SEED_CONCURRENCY} writes in flight)",
        t.elapsed().as_millis()
    ));
    let at_size = n >= DEFAULT_SECRETS;
    let verdict = |ok: bool| if at_size { Some(ok) } else { None };

    // SCAN, as the root token.
    let mut times = Vec::new();
    for _ in 0..BUILD_REPS {
        let (total, _, scanned) = time_build(&root, n).await?;
        if !scanned {
            bail!("the root token's build did not use SCAN");
        }
        times.push(total);
    }
    let scan_ms = median(&mut times);
    r.say(format!("index build with SCAN (root token): median {scan_ms:.0} ms of {BUILD_REPS}"));
    r.check(verdict(scan_ms <= TARGET_SCAN_BUILD_MS), format!("SCAN build {scan_ms:.0} ms (target ≤ 3 s)"));

    // The walk, as a token without scan.
    root.call(
        "PUT",
        "sys/policies/acl/bench-find-list",
        Some(&json!({"policy": format!("path \"{MOUNT}/metadata/*\" {{ capabilities = [\"list\"] }}")})),
    )
    .await?;
    let tok = root
        .call_json("POST", "auth/token/create", Some(&json!({"policies": ["bench-find-list"], "ttl": "2h"})))
        .await?;
    let token = tok
        .get("auth")
        .and_then(|a| a.get("client_token"))
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("no client token"))?
        .to_string();
    let walker = root.with_token(&token);
    let (mut times, mut firsts) = (Vec::new(), Vec::new());
    for _ in 0..BUILD_REPS {
        let (total, first, scanned) = time_build(&walker, n).await?;
        if scanned {
            bail!("a token without scan used SCAN");
        }
        times.push(total);
        firsts.push(first);
    }
    let walk_ms = median(&mut times);
    let first_ms = median(&mut firsts);
    r.say(format!(
        "index build with the walk (token without scan): median {walk_ms:.0} ms of {BUILD_REPS}, first results \
         after {first_ms:.0} ms"
    ));
    r.check(
        Some(first_ms < walk_ms),
        format!("first results after {first_ms:.0} ms, before the walk ends ({walk_ms:.0} ms)"),
    );

    match find_python().await {
        None => r.check(
            None,
            "walk vs Python aiohttp (aiohttp not importable by .venv/bin/python or python3)".into(),
        ),
        Some(py) => {
            let py_ms = time_aiohttp(&py, dev.addr(), &token, n).await?;
            r.say(format!(
                "Python aiohttp walker ({PY_CONCURRENCY} in flight, same token): median {py_ms:.0} ms"
            ));
            r.check(
                verdict(walk_ms <= TARGET_WALK_VS_PYTHON * py_ms),
                format!("walk {walk_ms:.0} ms within {TARGET_WALK_VS_PYTHON}x of aiohttp's {py_ms:.0} ms"),
            );
        }
    }
    Ok(())
}

/// The best concurrent walker a Python user would write: aiohttp, 64 LISTs in flight (timed inside).
const AIOHTTP_SCRIPT: &str = r#"
import asyncio, json, os, sys, time
import aiohttp

addr, mount, reps, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
headers = {"X-Vault-Token": os.environ["BENCH_VAULT_TOKEN"]}

async def walk(session):
    sem = asyncio.Semaphore(conc)
    out = []
    async def lst(folder):
        async with sem:
            async with session.request("LIST", f"{addr}/v1/{mount}/metadata/{folder}", headers=headers) as r:
                if r.status == 404:
                    return []
                r.raise_for_status()
                return (await r.json())["data"]["keys"]
    async def go(folder):
        keys = await lst(folder)
        out.extend(folder + k for k in keys if not k.endswith("/"))
        await asyncio.gather(*(go(folder + k) for k in keys if k.endswith("/")))
    await go("")
    return out

async def main():
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as session:
        count = len(await walk(session))  # warm-up
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            n = len(await walk(session))
            times.append((time.perf_counter() - t) * 1000.0)
            assert n == count
        print(json.dumps({"count": count, "ms": times}))

asyncio.run(main())
"#;

async fn find_python() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let given = std::env::var_os("SESAME_BENCH_PYTHON").map(PathBuf::from);
    for py in given.into_iter().chain([venv, PathBuf::from("python3")]) {
        let ok = tokio::process::Command::new(&py)
            .args(["-c", "import aiohttp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .status()
            .await
            .is_ok_and(|s| s.success());
        if ok {
            return Some(py);
        }
    }
    None
}

async fn time_aiohttp(py: &PathBuf, url: &str, token: &str, n: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("aiohttp_walk.py");
    std::fs::write(&script, AIOHTTP_SCRIPT)?;
    let child = tokio::process::Command::new(py)
        .arg(&script)
        .args([url, MOUNT, &BUILD_REPS.to_string(), &PY_CONCURRENCY.to_string()])
        .env("BENCH_VAULT_TOKEN", token)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(1200), child)
        .await
        .map_err(|_| anyhow!("the aiohttp script did not finish within 1200 s"))??;
    if !out.status.success() {
        bail!("the aiohttp script failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    let v: Value = serde_json::from_slice(&out.stdout).context("parsing the aiohttp script's output")?;
    let count = v.get("count").and_then(Value::as_u64).unwrap_or(0);
    if count != n as u64 {
        bail!("aiohttp found {count} secrets, expected {n}");
    }
    let mut times: Vec<f64> = v
        .get("ms")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    Ok(median(&mut times))
}
