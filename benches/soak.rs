//! Soak benchmark (`cargo bench --bench soak`; not part of CI): the TUI open on a folder of 10,000 secrets,
//! refreshed every second for 10 minutes, with the resident memory of the sesame process sampled after every
//! refresh. After a warm-up (a fifth of the run, between 10 s and 2 min) the samples must stay within 5 MiB of
//! each other. Prints the figures and exits non-zero on a miss.
//!
//! The real binary runs in a tmux pane of its own, against `sesame dev` (a real OpenBao dev server). Between two
//! refreshes one extra secret is created or deleted through the HTTP API, so that each refresh has a count to
//! show (10,000 or 10,001 entries) and the bench waits for that count on screen: every refresh is known to have
//! been answered and drawn, none is assumed.
//!
//! `SESAME_SOAK_SECS=N` shortens (or lengthens) the run; `SESAME_SOAK_SECRETS=N` changes the folder's size.

// SIGTERM to the sesame process at the end of the run.
#![allow(unsafe_code)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use futures::stream::{self, TryStreamExt as _};
use serde_json::{Value, json};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_sesame");
/// Length of the run by default.
const DEFAULT_SECS: u64 = 600;
/// Secrets in the folder by default.
const DEFAULT_SECRETS: usize = 10_000;
/// How often the folder is refreshed.
const PERIOD: Duration = Duration::from_secs(1);
/// Allowed spread of the resident memory after the warm-up.
const LIMIT_BYTES: u64 = 5 * 1024 * 1024;
/// Writes in flight while seeding.
const SEED_CONCURRENCY: usize = 64;
/// Longest wait for one refresh to be drawn.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(30);
/// The KV v2 mount and folder the bench fills.
const MOUNT: &str = "soak";
const FOLDER: &str = "big";
/// The secret that comes and goes between refreshes (sorted last).
const TOGGLE: &str = "zz-toggle";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("FAIL soak bench error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(s) => s.trim().parse().map_err(|_| anyhow!("{name}={s:?} is not a number")),
        Err(_) => Ok(default),
    }
}

fn run() -> anyhow::Result<bool> {
    let secs: u64 = env_number("SESAME_SOAK_SECS", DEFAULT_SECS)?;
    let secrets: usize = env_number("SESAME_SOAK_SECRETS", DEFAULT_SECRETS)?;
    if secs < 5 || secrets == 0 {
        bail!("SESAME_SOAK_SECS must be at least 5 and SESAME_SOAK_SECRETS at least 1");
    }
    let duration = Duration::from_secs(secs);
    let warm_up = (duration / 5).clamp(Duration::from_secs(10).min(duration / 2), Duration::from_secs(120));

    let dev = Dev::start()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build()?;
    let t = Instant::now();
    rt.block_on(seed(&http, &dev, secrets))?;
    println!("seeded {secrets} secrets in {MOUNT}/{FOLDER}/ in {:.1} s", t.elapsed().as_secs_f64());

    let tmux = Tmux::new()?;
    tmux.start(&format!(
        "exec env VAULT_ADDR='{}' VAULT_TOKEN='{}' {BIN} {MOUNT}/{FOLDER}/ --log-file /dev/null",
        dev.addr, dev.token
    ))?;
    let pid = tmux.pane_pid()?;
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "sesame" {
        bail!("the pane runs {comm:?}, not sesame");
    }
    tmux.wait_count(secrets, REFRESH_TIMEOUT).context("the first listing")?;
    let rss_start = rss(pid)?;

    let mut present = false;
    let mut latencies = Vec::new();
    // (seconds since start, RSS) after each refresh.
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let start = Instant::now();
    let mut next = start;
    while start.elapsed() < duration {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        next += PERIOD;
        present = !present;
        rt.block_on(toggle(&http, &dev, present))?;
        let expected = secrets + usize::from(present);
        let t = Instant::now();
        tmux.keys("r")?;
        tmux.wait_count(expected, REFRESH_TIMEOUT)
            .with_context(|| format!("refresh {} ({expected} entries)", latencies.len() + 1))?;
        latencies.push(t.elapsed().as_secs_f64() * 1e3);
        samples.push((start.elapsed().as_secs_f64(), rss(pid)?));
    }
    let _ = tmux.keys("q");

    let after: Vec<u64> =
        samples.iter().filter(|(at, _)| *at >= warm_up.as_secs_f64()).map(|(_, rss)| *rss).collect();
    let (Some(&min), Some(&max), Some(&first), Some(&last)) =
        (after.iter().min(), after.iter().max(), after.first(), after.last())
    else {
        bail!("no sample after the warm-up of {} s", warm_up.as_secs());
    };
    let spread = max - min;
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "soak: {secrets} secrets, {} s, {} refreshes (every {} s)",
        secs,
        latencies.len(),
        PERIOD.as_secs()
    );
    println!("refresh drawn in: median {:.0} ms, p95 {:.0} ms, max {:.0} ms", pct(0.5), pct(0.95), pct(1.0));
    println!(
        "RSS of sesame: {:.1} MiB after the first listing; after the {} s warm-up: first {:.1}, min {:.1}, max {:.1}, \
         last {:.1} MiB ({} samples)",
        mib(rss_start),
        warm_up.as_secs(),
        mib(first),
        mib(min),
        mib(max),
        mib(last),
        after.len()
    );
    let ok = spread <= LIMIT_BYTES;
    println!(
        "{} RSS spread after warm-up {:.2} MiB (limit {:.0} MiB)",
        if ok { "PASS" } else { "FAIL" },
        mib(spread),
        mib(LIMIT_BYTES)
    );
    Ok(ok)
}

/// Resident memory of `pid` in bytes (`VmRSS` in `/proc/PID/status`).
fn rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("sesame has exited")?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS in /proc/{pid}/status"))?;
    Ok(kib * 1024)
}

/// `sesame dev` in the background, stopped with SIGTERM (then killed) on drop.
struct Dev {
    child: Child,
    addr: String,
    token: String,
}

impl Dev {
    fn start() -> anyhow::Result<Self> {
        let mut child = Command::new(BIN)
            .arg("dev")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .context("starting sesame dev")?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).context("reading sesame dev's first line")?;
        // export VAULT_ADDR='http://127.0.0.1:P' VAULT_TOKEN='…'
        let field = |name: &str| -> anyhow::Result<String> {
            let start =
                line.find(&format!("{name}='")).ok_or_else(|| anyhow!("no {name} from sesame dev"))?
                    + name.len()
                    + 2;
            let end = line[start..].find('\'').ok_or_else(|| anyhow!("no closing quote"))? + start;
            Ok(line[start..end].to_string())
        };
        let (addr, token) = (field("VAULT_ADDR")?, field("VAULT_TOKEN")?);
        Ok(Self { child, addr, token })
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child, not yet reaped (we hold its `Child`).
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(
    http: &reqwest::Client,
    dev: &Dev,
    method: reqwest::Method,
    api: &str,
    body: Option<&Value>,
) -> anyhow::Result<(u16, String)> {
    let mut req = http.request(method, format!("{}/v1/{api}", dev.addr)).header("X-Vault-Token", &dev.token);
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.with_context(|| api.to_string())?;
    let status = resp.status().as_u16();
    Ok((status, resp.text().await.unwrap_or_default()))
}

/// A KV v2 mount with `secrets` secrets in one folder, written concurrently.
async fn seed(http: &reqwest::Client, dev: &Dev, secrets: usize) -> anyhow::Result<()> {
    let (status, body) = call(
        http,
        dev,
        reqwest::Method::POST,
        &format!("sys/mounts/{MOUNT}"),
        Some(&json!({"type": "kv", "options": {"version": "2"}})),
    )
    .await?;
    if !(200..300).contains(&status) {
        bail!("enabling {MOUNT}/: {status} {body}");
    }
    let body = json!({"data": {"VALUE": "soak"}});
    stream::iter((0..secrets).map(Ok))
        .try_for_each_concurrent(SEED_CONCURRENCY, |i| {
            let body = &body;
            async move {
                let api = format!("{MOUNT}/data/{FOLDER}/s{i:05}");
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    let (status, answer) = call(http, dev, reqwest::Method::POST, &api, Some(body)).await?;
                    if (200..300).contains(&status) {
                        return Ok::<(), anyhow::Error>(());
                    }
                    // A fresh KV v2 mount answers 400 "Upgrading from non-versioned to versioned data" briefly.
                    if status != 400 || !answer.contains("Upgrading") || Instant::now() > deadline {
                        bail!("writing {api}: status {status}");
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        })
        .await
}

/// Creates (`present`) or removes the extra secret.
async fn toggle(http: &reqwest::Client, dev: &Dev, present: bool) -> anyhow::Result<()> {
    let (method, api, body) = if present {
        (reqwest::Method::POST, format!("{MOUNT}/data/{FOLDER}/{TOGGLE}"), Some(json!({"data": {"K": "v"}})))
    } else {
        (reqwest::Method::DELETE, format!("{MOUNT}/metadata/{FOLDER}/{TOGGLE}"), None)
    };
    let (status, answer) = call(http, dev, method, &api, body.as_ref()).await?;
    if !(200..300).contains(&status) {
        bail!("{api}: {status} {answer}");
    }
    Ok(())
}

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> anyhow::Result<Self> {
        Command::new("tmux").arg("-V").output().context("the soak bench needs tmux")?;
        Ok(Self { socket: format!("sesame-soak-{}", std::process::id()) })
    }

    fn cmd(&self, args: &[&str]) -> anyhow::Result<String> {
        let out =
            Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().context("running tmux")?;
        if !out.status.success() {
            bail!("tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn start(&self, shell_cmd: &str) -> anyhow::Result<()> {
        self.cmd(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            "-s",
            "soak",
            shell_cmd,
        ])?;
        Ok(())
    }

    fn pane_pid(&self) -> anyhow::Result<u32> {
        let pid = self.cmd(&["display-message", "-p", "-t", "soak", "#{pane_pid}"])?;
        pid.trim().parse().map_err(|_| anyhow!("pane pid {pid:?}"))
    }

    fn keys(&self, keys: &str) -> anyhow::Result<()> {
        self.cmd(&["send-keys", "-t", "soak", keys])?;
        Ok(())
    }

    /// Waits until the folder's title shows exactly `n` entries, loaded (no "…").
    fn wait_count(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        let want = format!(" {n} entries ");
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.cmd(&["capture-pane", "-p", "-t", "soak"])?;
            if screen.contains(&want) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for{want}on screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
    }
}
