//! Comparison benchmark (`cargo bench --bench compare`): comparing two folders of 1,000 secrets each
//! (`SESAME_BENCH_COMPARE=N` to scale) against reading both with the walk of `ls -r` and the same bound of
//! reads in flight, on an OpenBao dev server of its own, on loopback.
//!
//! Target (issue "Compare and promote"): the comparison takes no more than 1.2× the time of that walk and
//! read. Medians of 5 timed runs of each (after one warm-up), interleaved. Prints figures and PASS/FAIL (also
//! written as markdown to `target/bench-compare.md`); exits non-zero on a miss.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::stream::{self, StreamExt as _, TryStreamExt as _};
use serde_json::json;

use sesame::compare::{self, CONCURRENCY};
use sesame::vault::devserver::{DevOptions, DevServer};
use sesame::vault::kv::{Mount, Vault, encode_path};
use sesame::vault::walk::{WalkOptions, walk_detailed};

const DEFAULT_SECRETS: usize = 1_000;
const REPS: usize = 5;
const TARGET_RATIO: f64 = 1.2;
const MOUNT: &str = "bench";

fn main() -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("FAIL cannot build the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(async { tokio::time::timeout(Duration::from_secs(20 * 60), run()).await }) {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        Ok(Ok(false)) => ExitCode::FAILURE,
        Ok(Err(e)) => {
            eprintln!("FAIL bench error: {e:#}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("FAIL the bench did not finish in time");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<bool> {
    let n = std::env::var("SESAME_BENCH_COMPARE")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .unwrap_or(DEFAULT_SECRETS)
        .clamp(10, 20_000);
    let dev = DevServer::start(DevOptions::default()).await.context("starting the OpenBao dev server")?;
    let outcome = bench(&dev, n).await;
    dev.stop().await;
    outcome
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn bench(dev: &DevServer, n: usize) -> anyhow::Result<bool> {
    let vault = Vault::connect(dev.addr(), dev.root_token())?;
    vault
        .raw(
            "POST",
            &format!("sys/mounts/{MOUNT}"),
            Some(&json!({"type": "kv", "options": {"version": "2"}})),
        )
        .await?;
    // A fresh KV v2 mount upgrades itself first.
    for _ in 0..200 {
        if vault.raw("GET", &format!("{MOUNT}/config"), None).await.map(|(s, _)| s == 200).unwrap_or(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mount = vault.mount_of(MOUNT).await?;
    // n secrets per side in folders of 10; one in ten differs in one key on B.
    let jobs: Vec<(String, serde_json::Value)> = (0..n)
        .flat_map(|i| {
            let path = format!("f{:03}/s{}", i / 10, i % 10);
            let data = json!({"USER": format!("u{i}"), "PASSWORD": format!("p{i}-secret"), "HOST": "db", "PORT": 5432, "FLAG": true});
            let mut b = data.clone();
            if i % 10 == 0 {
                b["PASSWORD"] = json!(format!("p{i}-rotated"));
            }
            [(format!("a/{path}"), data), (format!("b/{path}"), b)]
        })
        .collect();
    let started = Instant::now();
    stream::iter(jobs.into_iter().map(|(p, d)| {
        let v = vault.clone();
        async move {
            v.call("POST", &format!("{MOUNT}/data/{}", encode_path(&p)), Some(&json!({"data": d})))
                .await
                .map(|_| ())
        }
    }))
    .buffer_unordered(64)
    .try_collect::<Vec<()>>()
    .await?;
    println!("seeded 2 x {n} secrets ({} ms)", started.elapsed().as_millis());

    let a = compare::place(&vault, &format!("{MOUNT}/a/")).await?;
    let b = compare::place(&vault, &format!("{MOUNT}/b/")).await?;
    let mut walk_read = Vec::new();
    let mut compared = Vec::new();
    for rep in 0..=REPS {
        let t = Instant::now();
        let read = read_both(&vault, &mount).await?;
        let w = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let c = compare::compare(&vault, &a, &vault, &b).await?;
        let cmp = t.elapsed().as_secs_f64() * 1000.0;
        anyhow::ensure!(read == 2 * n, "read {read} secrets, expected {}", 2 * n);
        anyhow::ensure!(c.secrets.len() == n, "compared {} secrets, expected {n}", c.secrets.len());
        if rep > 0 {
            walk_read.push(w);
            compared.push(cmp);
        }
    }
    let (w, c) = (median(walk_read), median(compared));
    let ratio = c / w;
    let lines = [
        format!(
            "walk and read both folders ({n} secrets each, {CONCURRENCY} reads in flight per side): median {w:.0} ms of {REPS}"
        ),
        format!("compare the two folders: median {c:.0} ms of {REPS}, {ratio:.2}x the walk and read"),
    ];
    for l in &lines {
        println!("{l}");
    }
    let pass = ratio <= TARGET_RATIO;
    let verdict = format!(
        "{} comparison {c:.0} ms within {TARGET_RATIO}x of walking and reading both ({w:.0} ms): {ratio:.2}x",
        if pass { "PASS" } else { "FAIL" }
    );
    println!("{verdict}");
    let md = format!("# sesame compare benchmark\n\n    {}\n    {}\n\n- **{verdict}**\n", lines[0], lines[1]);
    let _ = std::fs::create_dir_all("target");
    let _ = std::fs::write("target/bench-compare.md", md);
    Ok(pass)
}

/// The baseline: both folders walked as `ls -r` walks, then every secret of both read, the same bound of
/// reads in flight per side as the comparison.
async fn read_both(vault: &Vault, mount: &Mount) -> anyhow::Result<usize> {
    let opts = WalkOptions::default();
    let (wa, wb) = tokio::join!(
        walk_detailed(vault, mount, "a", &opts, None),
        walk_detailed(vault, mount, "b", &opts, None)
    );
    let (wa, wb) = (wa?, wb?);
    let side = |paths: Vec<String>| {
        stream::iter(
            paths.into_iter().map(|p| async move { vault.read(mount, &p, None).await.map(|_| 1usize) }),
        )
        .buffered(CONCURRENCY)
        .try_fold(0usize, |n, one| async move { Ok(n + one) })
    };
    let (ra, rb) = tokio::join!(side(wa.secrets), side(wb.secrets));
    Ok(ra? + rb?)
}
