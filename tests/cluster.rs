//! sesame against a real three-node OpenBao cluster with raft storage (see `tests/common/cluster.rs`):
//! pointed at a standby, across the death of the leader in the middle of a TUI session, and with `ls -r`
//! running while the cluster fails over.
//!
//! The leaderless window is held open on purpose where a test needs to see it: the leader is killed and the
//! third node paused (SIGSTOP), so the surviving standby has no quorum and cannot elect itself; resuming the
//! third node lets the two elect a new leader. Every wait is on an event (`sys/leader`, a settled screen).

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde_json::json;

mod common;

use common::cluster::Cluster;
use common::e2e::{Tmux, settled_at, title};

/// One cluster at a time: three servers of ~100 MB each are enough on a shared machine.
static ONE_CLUSTER: Mutex<()> = Mutex::new(());

fn one_cluster() -> std::sync::MutexGuard<'static, ()> {
    ONE_CLUSTER.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `secret/app/db`, `secret/app/api` and `secret/app/deep/er/x`.
fn seed_app(c: &Cluster) {
    c.write("app/db", json!({"DB_USER": "svc", "DB_PASSWORD": "cluster-Pa55"}));
    c.write("app/api", json!({"API_URL": "https://api.example"}));
    c.write("app/deep/er/x", json!({"X": "1"}));
}

#[test]
fn cli_and_tui_work_against_a_standby() {
    let _one = one_cluster();
    let c = Cluster::start();
    seed_app(&c);
    let s = c.standby();
    c.wait_replicated(s, "app/deep/er/x");

    // Reads.
    let out = c.sesame(s, &["ls", "secret/app/"]);
    assert!(out.status.success(), "ls on a standby: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "deep/\napi\ndb\n", "folders first, then secrets");
    let out = c.sesame(s, &["get", "secret/app/db"]);
    assert!(out.status.success(), "get on a standby: {}", text(&out.stderr));
    let got = text(&out.stdout);
    assert!(got.contains("DB_USER") && got.contains("DB_PASSWORD"), "{got}");
    assert!(!got.contains("cluster-Pa55"), "masked:\n{got}");
    let out = c.sesame(s, &["get", "secret/app/db", "--field", "DB_PASSWORD", "--reveal"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "cluster-Pa55\n");

    // A write through the standby lands on the cluster: read it back from the leader over HTTP.
    let out = c.sesame(s, &["put", "secret/app/new", "COLOUR=teal"]);
    assert!(out.status.success(), "put on a standby: {}", text(&out.stderr));
    let (status, body) = c.request("GET", "secret/data/app/new", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["data"], json!({"COLOUR": "teal"}));
    // Reads on a standby are eventually consistent: wait for the write to come back to it.
    c.wait_replicated(s, "app/new");

    // A recursive listing.
    let out = c.sesame(s, &["ls", "-r", "secret/"]);
    assert!(out.status.success(), "ls -r on a standby: {}", text(&out.stderr));
    let listed: BTreeSet<String> = text(&out.stdout).lines().map(str::to_string).collect();
    let expected: BTreeSet<String> =
        ["secret/app/api", "secret/app/db", "secret/app/deep/er/x", "secret/app/new"]
            .into_iter()
            .map(str::to_string)
            .collect();
    assert_eq!(listed, expected);

    // The TUI: browse and open a secret.
    let tmux = Tmux::new();
    tmux.start(&c.sesame_cmd(s, "secret/app/"));
    tmux.wait_for("secret/app/ from the standby", |sc| {
        settled_at(sc, "secret/app/") && sc.contains("db") && sc.contains("deep/") && sc.contains("new")
    });
    tmux.keys(&["/"]);
    tmux.text("db");
    tmux.keys(&["Enter", "Enter"]);
    let screen =
        tmux.wait_for("the secret view", |sc| settled_at(sc, "secret/app/db") && sc.contains("DB_PASSWORD"));
    assert!(!screen.contains("cluster-Pa55"), "masked:\n{screen}");
    tmux.keys(&["q", "q"]);
    tmux.wait_for("sesame's exit", |sc| sc.contains("sesame-exit=0"));
}

#[test]
fn killing_the_leader_mid_session_gives_a_clear_message_then_sesame_recovers() {
    let _one = one_cluster();
    let mut c = Cluster::start();
    seed_app(&c);
    let leader = c.wait_for("a leader", || c.leader());
    let s = c.standby();
    let third = (0..3).find(|&i| i != leader && i != s).expect("a third node");
    c.wait_replicated(s, "app/deep/er/x");

    let tmux = Tmux::new();
    tmux.start(&c.sesame_cmd(s, "secret/app/ --timeout 10"));
    tmux.wait_for("secret/app/", |sc| {
        settled_at(sc, "secret/app/") && sc.contains("db") && sc.contains("deep/")
    });
    // A new secret, drafted while the cluster is healthy.
    tmux.keys(&["n"]);
    tmux.wait_for("the name prompt", |sc| sc.contains("New secret in secret/app/"));
    tmux.text("failover");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the type picker", |sc| {
        sc.contains("choose its type") && sc.contains("Key/value (Opaque)")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the editor", |sc| sc.contains("New secret secret/app/failover"));
    tmux.text("colour");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the value editor", |sc| sc.contains("value of COLOUR"));
    tmux.text("teal");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the editor again", |sc| {
        sc.contains("New secret secret/app/failover")
            && sc.contains("COLOUR")
            && !sc.contains("value of COLOUR")
    });

    // The leader dies; with the third node paused the standby cannot be elected, so there is no leader.
    c.kill(leader);
    c.pause(third);
    assert_eq!(c.leader(), None, "no node leads while the third is paused");
    // The standby still answers reads from its own copy; a write cannot be stored and the CLI says so.
    let out = c.sesame(s, &["ls", "secret/app/"]);
    assert!(out.status.success(), "reads on the standby without a leader: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "deep/\napi\ndb\n");
    let out = c.sesame(s, &["put", "secret/app/cli", "K=v", "--timeout", "10"]);
    assert!(!out.status.success(), "a write without a leader fails");
    assert!(text(&out.stderr).starts_with("sesame: "), "{}", text(&out.stderr));
    tmux.keys(&["C-s"]);
    tmux.wait_for("the save summary", |sc| sc.contains("Save these changes?"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("the failed save, the draft kept", |sc| {
        title(sc).is_some_and(|(_, loading)| !loading)
            && sc.contains("New secret secret/app/failover")
            && sc.contains("not saved, your changes are kept")
    });
    assert!(screen.contains("COLOUR"), "the draft is still there:\n{screen}");

    // The third node comes back; the two elect a new leader; the same draft saves in the same session.
    c.resume(third);
    let new = c.wait_new_leader(leader);
    assert_ne!(new, leader);
    tmux.keys(&["C-s"]);
    tmux.wait_for("the save summary", |sc| sc.contains("Save these changes?"));
    tmux.keys(&["y"]);
    // The save is accepted: the editor closes on the secret. (What the secret view shows right after depends
    // on whether the standby has the write yet: see the ignored test below.)
    let screen = tmux.wait_for("the editor closed on the saved secret", |sc| {
        settled_at(sc, "secret/app/failover") && !sc.contains("New secret secret/app/failover")
    });
    assert!(!screen.contains("not saved"), "{screen}");
    let (status, body) = c.request("GET", "secret/data/app/failover", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["data"], json!({"COLOUR": "teal"}));
    // Once the standby has it, the folder shows it in the same session.
    c.wait_replicated(s, "app/failover");
    tmux.keys(&["q"]);
    tmux.wait_for("the folder", |sc| settled_at(sc, "secret/app/"));
    tmux.keys(&["r"]);
    tmux.wait_for("the folder with the saved secret", |sc| {
        settled_at(sc, "secret/app/")
            && sc.lines().any(|l| l.contains("│  failover") || l.contains("│› failover"))
    });
    let (status, body) = c.request("GET", "secret/data/app/cli", None);
    assert_eq!(status, 404, "the write refused without a leader was not stored: {body}");
    tmux.keys(&["q"]);
    tmux.wait_for("sesame's exit", |sc| sc.contains("sesame-exit=0"));
}

/// A standby answers reads from its own copy (OpenBao's default), which lags the leader: a value written
/// through it and read back at once may be missing or old. In the TUI, the secret view right after a save
/// can say "not found" (seen in this suite under load). OpenBao 2.7.0's release notes add `X-Vault-Index`
/// (sent on every write's reply, honoured on a later request) and `X-Vault-Inconsistent` (what the node does
/// when it is behind) for read-your-writes; not yet measured here.
#[test]
#[ignore = "needs src/vault: keep the X-Vault-Index of the last write and send it on later reads"]
fn a_write_through_a_standby_reads_back_at_once() {
    let _one = one_cluster();
    let c = Cluster::start();
    seed_app(&c);
    let s = c.standby();
    for i in 0..30 {
        let value = format!("v{i}");
        let out = c.sesame(s, &["put", "secret/app/ryw", &format!("N={value}")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = c.sesame(s, &["get", "secret/app/ryw", "--field", "N", "--reveal"]);
        assert!(out.status.success(), "read {i} after its write: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{value}\n"), "read {i} returns the value just written");
    }
}

#[test]
fn ls_r_across_a_failover_completes_or_fails_clearly() {
    let _one = one_cluster();
    let mut c = Cluster::start();
    // 60 folders of 5 secrets, written through the leader from several threads.
    let mut expected = BTreeSet::new();
    for f in 0..60 {
        for k in 0..5 {
            expected.insert(format!("secret/walk/f{f:02}/s{k}"));
        }
    }
    let paths: Vec<String> = expected.iter().map(|p| p.trim_start_matches("secret/").to_string()).collect();
    std::thread::scope(|scope| {
        for chunk in paths.chunks(paths.len().div_ceil(6)) {
            let c = &c;
            scope.spawn(move || {
                for p in chunk {
                    c.write(p, json!({"K": "v"}));
                }
            });
        }
    });
    let leader = c.wait_for("a leader", || c.leader());
    let s = c.standby();
    for p in &paths {
        c.wait_replicated(s, p);
    }

    // On the leader: the leader dies in the middle of a walk folder by folder (no SCAN, one LIST at a time).
    // Its audit log (in its server log) shows when the walk has reached the first of the 60 sub-folders; it is stopped at once (SIGSTOP, so that it answers
    // nothing more), then killed, with most folders still to list.
    let child = ls_r(&c, leader, &["--no-scan"]);
    let mid_walk = |log: &str| log.lines().any(|l| l.contains("\"path\":\"secret/metadata/walk/f"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !mid_walk(&c.log(leader)) {
        if std::time::Instant::now() > deadline {
            let _ = std::fs::write("/tmp/f-leader.log", c.log(leader));
            panic!("the walk never reached a sub-folder");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    c.pause(leader);
    c.kill(leader);
    let out = child.wait_with_output().expect("sesame ls -r");
    assert!(!out.status.success(), "the leader died with folders left to list: {}", text(&out.stdout));
    check_walk(out, &expected, "on the leader that died");

    // On a standby while the others elect a new leader: reads are served by the standby itself.
    let child = ls_r(&c, s, &[]);
    let new = c.wait_new_leader(leader);
    assert_ne!(new, leader);
    check_walk(
        child.wait_with_output().expect("sesame ls -r"),
        &expected,
        "on a standby during the election",
    );

    // After the failover the walk completes on every node left.
    for i in (0..3).filter(|&i| i != leader) {
        let out = c.sesame(i, &["ls", "-r", "secret/walk/"]);
        assert!(
            out.status.success(),
            "ls -r on {} after the failover: {}",
            c.nodes[i].name,
            text(&out.stderr)
        );
        let listed: BTreeSet<String> = text(&out.stdout).lines().map(str::to_string).collect();
        assert_eq!(listed, expected);
    }
}

/// `sesame ls -r secret/walk/ EXTRA…` against node `i`, one request at a time, running.
fn ls_r(c: &Cluster, i: usize, extra: &[&str]) -> std::process::Child {
    std::process::Command::new(common::e2e::BIN)
        .args([
            "ls",
            "-r",
            "secret/walk/",
            "--concurrency",
            "1",
            "--timeout",
            "20",
            "--log-file",
            "/dev/null",
        ])
        .args(extra)
        .env("VAULT_ADDR", &c.nodes[i].addr)
        .env("VAULT_TOKEN", &c.token)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running sesame ls -r")
}

/// A walk either lists everything and exits 0, or exits non-zero with a message and prints no listing that
/// could pass for complete.
fn check_walk(out: std::process::Output, expected: &BTreeSet<String>, when: &str) {
    let listed: BTreeSet<String> = text(&out.stdout).lines().map(str::to_string).collect();
    if out.status.success() {
        assert_eq!(&listed, expected, "a listing that exits 0 is complete ({when})");
        eprintln!("ls -r {when}: complete");
    } else {
        let err = text(&out.stderr);
        assert!(
            err.starts_with("sesame: ") && err.len() > "sesame: ".len() + 10,
            "a failed walk says why ({when}): {err}"
        );
        assert!(listed.is_empty(), "a failed walk prints no listing ({when}):\n{}", text(&out.stdout));
        eprintln!("ls -r {when}: failed with {err}");
    }
}

/// Without a leader a standby answers a write with a 307 redirect to the old leader's address, where nothing
/// listens. sesame follows the redirect itself (`Vault::send`), so the message names the node that could not
/// be reached and says that the node the user chose sent the request on to it.
#[test]
fn a_write_sent_on_to_a_dead_leader_names_that_leader_not_the_standby() {
    let _one = one_cluster();
    let mut c = Cluster::start();
    seed_app(&c);
    let leader = c.wait_for("a leader", || c.leader());
    let s = c.standby();
    let third = (0..3).find(|&i| i != leader && i != s).expect("a third node");
    c.kill(leader);
    c.pause(third);
    let (status, _) = common::cluster::call(
        c.nodes[s].host(),
        Some(&c.token),
        "POST",
        "secret/data/app/raw",
        Some(&json!({"data": {"K": "v"}})),
    )
    .expect("the standby answers");
    assert_eq!(status, 307, "the standby sends the write on to the old leader");
    let out = c.sesame(s, &["put", "secret/app/cli", "K=v", "--timeout", "10"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&c.nodes[leader].addr), "the unreachable node is named: {err}");
    assert!(
        !err.contains(&format!("cannot reach the server at {}", c.nodes[s].addr)),
        "the standby answered; it is not the one that cannot be reached: {err}"
    );
    c.resume(third);
}
