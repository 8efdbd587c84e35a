//! Recursive listing benchmark (`cargo bench --bench walk`): sesame's concurrent walk and SCAN against a
//! sequential walk and a Python `hvac` script, on loopback and through a latency-adding proxy.
//!
//! One run starts its own OpenBao dev server, seeds a KV v2 tree (10 secrets per leaf folder, three folder
//! levels: 10,000 secrets in 1,110 folders by default; `SESAME_BENCH_SECRETS=N` scales it), starts a TCP proxy
//! on loopback that delays every chunk by 2.5 ms in each direction (pipelined: each chunk is released at its
//! arrival time plus the delay by a precise delay-line thread, so bursts are not serialised), and times:
//! sequential LIST walk (one request at a time), sesame's concurrent LIST walk (default concurrency), sesame
//! with SCAN, and `hvac` (sequential, Python), each directly and through the proxy.
//!
//! It prints a table (also written as markdown to `target/bench-walk.md`) and PASS/FAIL lines for the targets:
//! through the proxy the concurrent walk is ≥ 20× faster than sequential and than hvac; on loopback it is not
//! slower than either (10 % noise allowed). Exits non-zero on any FAIL. Everything stays on loopback, and the
//! whole run is bounded by a timeout.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use futures::stream::{self, TryStreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use sesame::vault::devserver::{DevOptions, DevServer};
use sesame::vault::kv::{KvVersion, Mount, Vault, encode_path};
use sesame::vault::walk::{WalkOptions, walk_detailed};

/// Delay added to each chunk in each direction: the round trip grows by about twice this.
const ONE_WAY_DELAY: Duration = Duration::from_micros(2500);
/// Secrets seeded by default.
const DEFAULT_SECRETS: usize = 10_000;
/// Bounds of `SESAME_BENCH_SECRETS`.
const MIN_SECRETS: usize = 10;
const MAX_SECRETS: usize = 100_000;
/// Writes in flight while seeding.
const SEED_CONCURRENCY: usize = 64;
/// Timed repetitions (after one warm-up walk) on loopback and through the proxy; the median is reported.
const REPS_LOOPBACK: usize = 5;
const REPS_PROXY: usize = 2;
/// The whole run must end within this.
const RUN_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// Required speed-up of the concurrent walk over sequential and hvac through the proxy.
const TARGET_SPEEDUP: f64 = 20.0;
/// Allowed slowdown on loopback (noise).
const LOOPBACK_NOISE: f64 = 1.10;
/// The KV v2 mount the tree lives in.
const MOUNT: &str = "bench";

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

/// Runs everything; `Ok(false)` when a target was missed.
async fn run() -> anyhow::Result<bool> {
    let secrets = secrets_wanted()?;
    let dev = DevServer::start(DevOptions::default()).await.context("starting the OpenBao dev server")?;
    let outcome = bench(&dev, secrets).await;
    dev.stop().await;
    outcome
}

fn secrets_wanted() -> anyhow::Result<usize> {
    match std::env::var("SESAME_BENCH_SECRETS") {
        Ok(s) => {
            let n: usize = s.trim().parse().with_context(|| format!("SESAME_BENCH_SECRETS={s:?}"))?;
            Ok(n.clamp(MIN_SECRETS, MAX_SECRETS))
        }
        Err(_) => Ok(DEFAULT_SECRETS),
    }
}

/// The path of secret `i`: `tNN/aN/eN/sN`, ten secrets per leaf folder.
fn secret_path(i: usize) -> String {
    let f = i / 10;
    format!("t{:02}/a{}/e{}/s{}", f / 100, (f / 10) % 10, f % 10, i % 10)
}

/// All folders below the mount root holding `paths` (each prefix of each path).
fn folders_of(paths: &[String]) -> usize {
    let mut set = BTreeSet::new();
    for p in paths {
        let mut end = 0;
        while let Some(i) = p[end..].find('/') {
            end += i;
            set.insert(&p[..end]);
            end += 1;
        }
    }
    set.len()
}

/// One timed configuration.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sequential,
    Concurrent,
    Scan,
    Hvac,
}

impl Mode {
    fn label(self) -> String {
        match self {
            Self::Sequential => "sequential LIST walk (1 in flight)".into(),
            Self::Concurrent => {
                format!("sesame concurrent LIST walk ({} in flight)", WalkOptions::default().concurrency)
            }
            Self::Scan => "sesame with SCAN".into(),
            Self::Hvac => "Python hvac recursive LIST".into(),
        }
    }
}

/// Medians in ms, loopback then proxy; `None` when not measured.
struct Row {
    mode: Mode,
    loopback: Option<f64>,
    proxy: Option<f64>,
}

async fn bench(dev: &DevServer, n: usize) -> anyhow::Result<bool> {
    let root = Vault::connect(dev.addr(), dev.root_token())?;
    let version = server_version(&root).await;
    let paths: Vec<String> = (0..n).map(secret_path).collect();
    let folders = folders_of(&paths);

    let t = Instant::now();
    seed(&root, &paths).await?;
    println!(
        "seeded {n} secrets in {folders} folders on {version} ({} ms, {SEED_CONCURRENCY} writes in flight)",
        t.elapsed().as_millis()
    );

    let upstream: SocketAddr = dev
        .addr()
        .trim_start_matches("http://")
        .parse()
        .with_context(|| format!("parsing the server address {}", dev.addr()))?;
    let (proxy_addr, proxy_task) = start_proxy(upstream, ONE_WAY_DELAY).await?;
    let proxy_url = format!("http://{proxy_addr}");
    let via_proxy = Vault::connect(&proxy_url, dev.root_token())?;
    let mount = Mount { path: MOUNT.into(), version: KvVersion::V2, description: String::new() };

    let rtt_direct = median_rtt(&root, &mount).await?;
    let rtt_proxy = median_rtt(&via_proxy, &mount).await?;
    println!(
        "one small LIST: {rtt_direct:.2} ms direct, {rtt_proxy:.2} ms through the proxy (+{:.2} ms; {} ms nominal)",
        rtt_proxy - rtt_direct,
        2.0 * ONE_WAY_DELAY.as_secs_f64() * 1e3
    );

    let python = find_python().await;
    if python.is_none() {
        println!("note: hvac is not importable by .venv/bin/python or python3: the hvac line is skipped");
    }

    let mut ok = true;
    let mut rows = Vec::new();
    for mode in [Mode::Sequential, Mode::Concurrent, Mode::Scan, Mode::Hvac] {
        let mut row = Row { mode, loopback: None, proxy: None };
        for (through_proxy, vault, url, reps) in
            [(false, &root, dev.addr(), REPS_LOOPBACK), (true, &via_proxy, proxy_url.as_str(), REPS_PROXY)]
        {
            let ms = match mode {
                Mode::Hvac => match &python {
                    Some(py) => Some(time_hvac(py, url, dev.root_token(), n, reps).await?),
                    None => None,
                },
                _ => Some(time_sesame(vault, &mount, mode, n, reps).await?),
            };
            let Some(ms) = ms else { continue };
            let place = if through_proxy { "proxy" } else { "loopback" };
            println!("{:<45} {place:<9} {ms:>10.1} ms (median of {reps})", mode.label());
            if through_proxy {
                row.proxy = Some(ms);
            } else {
                row.loopback = Some(ms);
            }
        }
        rows.push(row);
    }
    proxy_task.abort();

    let table = render_table(&rows, n, folders, &version, rtt_proxy - rtt_direct);
    println!("\n{table}");
    let checks = check_targets(&rows);
    let mut md = table;
    md.push('\n');
    for (pass, line) in &checks {
        let word = match pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "SKIP",
        };
        println!("{word} {line}");
        md.push_str(&format!("- **{word}** {line}\n"));
        ok &= pass.unwrap_or(true);
    }
    let out = target_dir().join("bench-walk.md");
    match std::fs::create_dir_all(target_dir()).and_then(|()| std::fs::write(&out, md)) {
        Ok(()) => println!("written to {}", out.display()),
        Err(e) => println!("note: cannot write {}: {e}", out.display()),
    }
    Ok(ok)
}

async fn server_version(v: &Vault) -> String {
    match v.call_json("GET", "sys/seal-status", None).await {
        Ok(s) => format!("OpenBao/Vault {}", s.get("version").and_then(Value::as_str).unwrap_or("?")),
        Err(_) => "server ?".into(),
    }
}

/// Enables the KV v2 mount and writes every secret, `SEED_CONCURRENCY` at a time.
async fn seed(v: &Vault, paths: &[String]) -> anyhow::Result<()> {
    v.call("POST", &format!("sys/mounts/{MOUNT}"), Some(&json!({"type": "kv", "options": {"version": "2"}})))
        .await
        .context("enabling the bench mount")?;
    let body = json!({"data": {"value": "bench"}});
    stream::iter(paths.iter().map(Ok))
        .try_for_each_concurrent(SEED_CONCURRENCY, |p| {
            let body = &body;
            async move {
                let api = format!("{MOUNT}/data/{}", encode_path(p));
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

/// Median time in ms of 31 sequential LISTs of a small folder.
async fn median_rtt(v: &Vault, mount: &Mount) -> anyhow::Result<f64> {
    let folder = secret_path(0).rsplit_once('/').map(|(f, _)| f.to_string()).unwrap_or_default();
    let mut times = Vec::new();
    for _ in 0..31 {
        let t = Instant::now();
        v.list(mount, &folder).await?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(median(&mut times))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Median ms of `reps` walks (after one warm-up), checking each returns all `n` secrets.
async fn time_sesame(v: &Vault, mount: &Mount, mode: Mode, n: usize, reps: usize) -> anyhow::Result<f64> {
    let opts = match mode {
        Mode::Sequential => WalkOptions { concurrency: 1, use_scan: false, ..WalkOptions::default() },
        Mode::Concurrent => WalkOptions { use_scan: false, ..WalkOptions::default() },
        Mode::Scan | Mode::Hvac => WalkOptions::default(),
    };
    let mut times = Vec::new();
    for rep in 0..=reps {
        let t = Instant::now();
        let r = walk_detailed(v, mount, "", &opts, None).await?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        if r.secrets.len() != n || !r.denied.is_empty() || r.used_scan != (mode == Mode::Scan) {
            bail!(
                "{}: found {} secrets (expected {n}), {} denied, SCAN used: {}",
                mode.label(),
                r.secrets.len(),
                r.denied.len(),
                r.used_scan
            );
        }
        if rep > 0 {
            times.push(ms);
        }
    }
    Ok(median(&mut times))
}

/// The recursive walk as a Python user would write it with hvac (timed inside the interpreter).
const HVAC_SCRIPT: &str = r#"
import json, os, sys, time
import requests, hvac

addr, mount, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
session = requests.Session()
session.trust_env = False  # loopback only: ignore any proxy settings
client = hvac.Client(url=addr, token=os.environ["BENCH_VAULT_TOKEN"], session=session)

def walk():
    out, todo = [], [""]
    while todo:
        folder = todo.pop()
        try:
            keys = client.secrets.kv.v2.list_secrets(path=folder, mount_point=mount)["data"]["keys"]
        except hvac.exceptions.InvalidPath:
            continue
        for k in keys:
            (todo if k.endswith("/") else out).append(folder + k)
    out.sort()
    return out

count = len(walk())  # warm-up
times = []
for _ in range(reps):
    t = time.perf_counter()
    n = len(walk())
    times.append((time.perf_counter() - t) * 1000.0)
    assert n == count
print(json.dumps({"count": count, "ms": times}))
"#;

/// A Python interpreter that can import hvac: the project's venv first, then `python3`.
async fn find_python() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    for py in [venv, PathBuf::from("python3")] {
        let ok = tokio::process::Command::new(&py)
            .args(["-c", "import hvac, requests"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
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

/// Median ms of the hvac walk, checking it finds all `n` secrets.
async fn time_hvac(py: &PathBuf, url: &str, token: &str, n: usize, reps: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("hvac_walk.py");
    std::fs::write(&script, HVAC_SCRIPT)?;
    let child = tokio::process::Command::new(py)
        .arg(&script)
        .args([url, MOUNT, &reps.to_string()])
        .env("BENCH_VAULT_TOKEN", token)
        .env("PYTHONWARNINGS", "ignore")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(600), child)
        .await
        .map_err(|_| anyhow!("the hvac script did not finish within 600 s"))??;
    if !out.status.success() {
        bail!("the hvac script failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    let v: Value = serde_json::from_slice(&out.stdout).context("parsing the hvac script's output")?;
    let count = v.get("count").and_then(Value::as_u64).unwrap_or(0);
    if count != n as u64 {
        bail!("hvac found {count} secrets, expected {n}");
    }
    let mut times: Vec<f64> = v
        .get("ms")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    Ok(median(&mut times))
}

/// Listens on a free loopback port and forwards every connection to `upstream`, delaying each chunk by
/// `delay` in both directions. Returns the listening address and the accept task.
async fn start_proxy(
    upstream: SocketAddr,
    delay: Duration,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.context("binding the proxy")?;
    let addr = listener.local_addr()?;
    let line = delay_line()?;
    let task = tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let line = line.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else { return };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::join!(
                    forward(client_read, server_write, delay, line.clone()),
                    forward(server_read, client_write, delay, line)
                );
            });
        }
    });
    Ok((addr, task))
}

/// A chunk waiting in the delay line.
struct Delayed {
    release: std::time::Instant,
    /// Arrival order, so chunks released at the same instant keep their order.
    seq: u64,
    chunk: Vec<u8>,
    out: mpsc::UnboundedSender<Vec<u8>>,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.release, self.seq) == (other.release, other.seq)
    }
}

impl Eq for Delayed {}

impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Delayed {
    /// Reversed, so that `BinaryHeap` pops the earliest release first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.release, other.seq).cmp(&(self.release, self.seq))
    }
}

/// Starts the delay line: one OS thread holding every chunk in flight until its release time, then handing it
/// to its connection's writer task. A thread (futex timeouts, ~0.1 ms precise) rather than tokio timers,
/// whose 1 ms granularity would add up to 2 ms to each 2.5 ms delay.
fn delay_line() -> anyhow::Result<std::sync::mpsc::Sender<Delayed>> {
    use std::sync::mpsc::RecvTimeoutError;
    let (tx, rx) = std::sync::mpsc::channel::<Delayed>();
    std::thread::Builder::new()
        .name("delay-line".into())
        .spawn(move || {
            let mut heap = std::collections::BinaryHeap::<Delayed>::new();
            loop {
                let now = std::time::Instant::now();
                while heap.peek().is_some_and(|d| d.release <= now) {
                    if let Some(d) = heap.pop() {
                        let _ = d.out.send(d.chunk);
                    }
                }
                let next = match heap.peek() {
                    None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    Some(d) => rx.recv_timeout(d.release.saturating_duration_since(now)),
                };
                match next {
                    Ok(d) => heap.push(d),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) if heap.is_empty() => return,
                    Err(RecvTimeoutError::Disconnected) => {
                        if let Some(d) = heap.peek() {
                            std::thread::sleep(
                                d.release.saturating_duration_since(std::time::Instant::now()),
                            );
                        }
                    }
                }
            }
        })
        .context("starting the delay-line thread")?;
    Ok(tx)
}

/// Copies `from` to `to`, each chunk released `delay` after it was read. Reading never waits for the delay
/// (chunks queue in the delay line with their release time), so delays overlap instead of adding up.
async fn forward(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    delay: Duration,
    line: std::sync::mpsc::Sender<Delayed>,
) {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let (out, mut released) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = async move {
        // Ends when the reader is done and the delay line has released its last chunk (all senders dropped).
        while let Some(chunk) = released.recv().await {
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    let reader = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let d = Delayed {
                        release: std::time::Instant::now() + delay,
                        seq: SEQ.fetch_add(1, AtomicOrdering::Relaxed),
                        chunk: buf[..n].to_vec(),
                        out: out.clone(),
                    };
                    if line.send(d).is_err() {
                        break;
                    }
                }
            }
        }
        drop(out);
    };
    tokio::join!(reader, writer);
}

fn ratio(base: Option<f64>, ms: Option<f64>) -> String {
    match (base, ms) {
        (Some(b), Some(m)) if m > 0.0 => format!("{:.1}×", b / m),
        _ => "–".into(),
    }
}

fn cell(ms: Option<f64>) -> String {
    ms.map_or_else(|| "skipped".into(), |m| format!("{m:.1}"))
}

fn render_table(rows: &[Row], n: usize, folders: usize, version: &str, added_rtt: f64) -> String {
    let get = |m: Mode| rows.iter().find(|r| r.mode == m);
    let seq = get(Mode::Sequential);
    let hvac = get(Mode::Hvac);
    let mut s = format!(
        "## Recursive listing: {n} secrets in {folders} folders (+ root) on {version}\n\n\
         Median ms of timed walks after a warm-up ({REPS_LOOPBACK} on loopback, {REPS_PROXY} through the \
         proxy). Proxy: {} ms per chunk each way (measured +{added_rtt:.1} ms per request).\n\n\
         | walk | loopback ms | vs sequential | vs hvac | {} ms RTT ms | vs sequential | vs hvac |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
        ONE_WAY_DELAY.as_secs_f64() * 1e3,
        2.0 * ONE_WAY_DELAY.as_secs_f64() * 1e3,
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.mode.label(),
            cell(r.loopback),
            ratio(seq.and_then(|x| x.loopback), r.loopback),
            ratio(hvac.and_then(|x| x.loopback), r.loopback),
            cell(r.proxy),
            ratio(seq.and_then(|x| x.proxy), r.proxy),
            ratio(hvac.and_then(|x| x.proxy), r.proxy),
        ));
    }
    s
}

/// The targets, as (passed, description) lines; `None` when not measured.
fn check_targets(rows: &[Row]) -> Vec<(Option<bool>, String)> {
    let get = |m: Mode| rows.iter().find(|r| r.mode == m);
    let conc = get(Mode::Concurrent);
    let mut out = Vec::new();
    for (base_mode, name) in [(Mode::Sequential, "sequential"), (Mode::Hvac, "hvac")] {
        let base = get(base_mode);
        match (base.and_then(|b| b.proxy), conc.and_then(|c| c.proxy)) {
            (Some(b), Some(c)) => out.push((
                Some(b / c >= TARGET_SPEEDUP),
                format!(
                    "{:.0} ms RTT: concurrent walk {:.1}× faster than {name} (target ≥ {TARGET_SPEEDUP}×)",
                    2.0 * ONE_WAY_DELAY.as_secs_f64() * 1e3,
                    b / c
                ),
            )),
            _ => out.push((None, format!("proxy comparison with {name}: not measured"))),
        }
        match (base.and_then(|b| b.loopback), conc.and_then(|c| c.loopback)) {
            (Some(b), Some(c)) => out.push((
                Some(c <= b * LOOPBACK_NOISE),
                format!("loopback: concurrent walk {c:.1} ms vs {name} {b:.1} ms (must not be slower, 10 % noise allowed)"),
            )),
            _ => out.push((None, format!("loopback comparison with {name}: not measured"))),
        }
    }
    out
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}
