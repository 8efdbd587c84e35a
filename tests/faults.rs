//! Faults between sesame and a real OpenBao, injected by a faulty proxy (tests/common/hostile.rs): an
//! endless answer, a folder that lists itself, a write whose answer comes too late, a connection reset.
//! Each must end with a clear message and the right exit status, never a panic, a hang, unbounded memory,
//! a listing presented as complete, or a write reported as failed when it may have happened.

// wait4 gives the peak memory of one child process.
#![allow(unsafe_code)]

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use sesame::secret::SecretData;
use sesame::vault::write::Expected;

use common::hostile::{Fault, Rule};

/// `sesame ARGS` against `addr` with the root token and extra environment; returns exit status, stdout,
/// stderr and the child's peak resident memory in KiB.
fn sesame_via(addr: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String, i64) {
    let mut cmd = Command::new(common::cli::BIN);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        if k.starts_with("VAULT_") || k.starts_with("BAO_") || k.starts_with("SESAME_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("VAULT_ADDR", addr).env("VAULT_TOKEN", &common::server().token).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out_file = tempfile::NamedTempFile::new().expect("temp file");
    let err_file = tempfile::NamedTempFile::new().expect("temp file");
    #[allow(clippy::zombie_processes)] // Reaped by wait4 below, which also gives its peak memory.
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out_file.reopen().expect("stdout"))
        .stderr(err_file.reopen().expect("stderr"))
        .spawn()
        .expect("running sesame");
    // wait4 gives this child's own peak memory (other tests' children are not counted).
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "waiting for sesame");
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let read = |f: &tempfile::NamedTempFile| std::fs::read_to_string(f.path()).unwrap_or_default();
    (code, read(&out_file), read(&err_file), usage.ru_maxrss)
}

#[tokio::test]
async fn an_endless_answer_stops_at_the_cap_with_bounded_memory() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    server.write_kv(&mount, 2, "huge/a", json!({ "K": "v" })).await;
    let rule = Rule {
        method: Some("LIST"),
        path: format!("{mount}/metadata/huge"),
        fault: Fault::Huge { megabytes: 100 },
    };
    let proxy = common::hostile::start(&server.addr, vec![rule]).await;
    let addr = proxy.addr.clone();
    let target = format!("{mount}/huge/");
    let (code, out, err, peak_kib) = tokio::task::spawn_blocking(move || {
        sesame_via(&addr, &["ls", &target], &[("SESAME_MAX_REPLY_MB", "8")])
    })
    .await
    .expect("joined");
    assert_eq!(code, 1, "stdout: {out}\nstderr: {err}");
    assert!(err.contains("larger than 8 MiB") && err.contains("SESAME_MAX_REPLY_MB"), "{err}");
    assert!(out.is_empty(), "nothing listed: {out}");
    // About 20 MiB for sesame itself, and the answer's buffer while it grows to the cap.
    assert!(
        peak_kib < (24 + 4 * 8) * 1024,
        "peak memory {peak_kib} KiB with an 8 MiB cap on a 100 MB answer"
    );
    assert!(proxy.hits[0].load(std::sync::atomic::Ordering::SeqCst) >= 1, "the fault was met");
}

#[tokio::test]
async fn a_folder_that_lists_itself_stops_ls_r_with_a_clear_message() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    server.write_kv(&mount, 2, "loop/a", json!({ "K": "v" })).await;
    let rule =
        Rule { method: Some("LIST"), path: format!("{mount}/metadata/loop"), fault: Fault::ListsItself };
    let proxy = common::hostile::start(&server.addr, vec![rule]).await;
    let addr = proxy.addr.clone();
    let target = format!("{mount}/loop/");
    let (code, out, err, _) =
        tokio::task::spawn_blocking(move || sesame_via(&addr, &["ls", "-r", "--no-scan", &target], &[]))
            .await
            .expect("joined");
    assert_ne!(code, 0, "stderr: {err}");
    assert!(err.contains("as if it contained itself") && err.contains("nothing is listed"), "{err}");
    assert!(out.is_empty(), "no partial listing presented as complete: {out}");
}

#[tokio::test]
async fn a_write_whose_answer_comes_too_late_may_have_happened() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    let rule = Rule {
        method: Some("POST"),
        path: format!("{mount}/data/slow"),
        fault: Fault::SlowAnswer { delay: Duration::from_secs(4) },
    };
    let proxy = common::hostile::start(&server.addr, vec![rule]).await;
    let addr = proxy.addr.clone();
    let target = format!("{mount}/slow");
    let (code, out, err, _) = tokio::task::spawn_blocking(move || {
        sesame_via(&addr, &["put", &target, "API_KEY=written-late"], &[("VAULT_CLIENT_TIMEOUT", "1s")])
    })
    .await
    .expect("joined");
    assert_eq!(code, 3, "the distinct status for an unknown outcome\nstdout: {out}\nstderr: {err}");
    assert!(err.contains("may have been written"), "{err}");
    assert!(!err.contains("written-late"), "no value in the message");
    // It was written: the real server holds it.
    let vault = common::vault();
    let m = vault.mount_of(&mount).await.expect("mount");
    let read = vault.read(&m, "slow", None).await.expect("read");
    assert_eq!(
        read.data.expect("data").get("API_KEY").map(|v| v.reveal().to_string()).as_deref(),
        Some("written-late")
    );
}

#[tokio::test]
async fn saving_again_a_draft_the_server_already_holds_is_a_save_not_a_conflict() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    let vault = common::vault();
    let m = vault.mount_of(&mount).await.expect("mount");
    server.write_kv(&mount, 2, "db", json!({ "PASSWORD": "old" })).await;
    // Our save of version 1 → "new" landed, but its answer was lost: the server is at version 2.
    server.write_kv(&mount, 2, "db", json!({ "PASSWORD": "new" })).await;
    let draft = SecretData::from_json_object(r#"{"PASSWORD":"new"}"#).expect("json");
    let saved = vault.write(&m, "db", &draft, &Expected::Version(1)).await.expect("the save went through");
    assert_eq!(saved.version, Some(2), "nothing written twice");
    // Someone else's different change is still a conflict.
    let other = SecretData::from_json_object(r#"{"PASSWORD":"mine"}"#).expect("json");
    let e = vault.write(&m, "db", &other, &Expected::Version(1)).await.expect_err("a real conflict");
    assert!(matches!(e, sesame::vault::VaultError::CasMismatch { .. }), "{e}");
}

#[tokio::test]
async fn a_read_is_sent_again_after_a_reset_and_a_write_never_is() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    server.write_kv(&mount, 2, "flaky", json!({ "K": "v" })).await;
    let rules = vec![
        Rule {
            method: Some("GET"),
            path: format!("{mount}/data/flaky"),
            fault: Fault::ResetFirst { times: 1 },
        },
        Rule {
            method: Some("POST"),
            path: format!("{mount}/data/once"),
            fault: Fault::ResetFirst { times: 1 },
        },
    ];
    let proxy = common::hostile::start(&server.addr, rules).await;
    let addr = proxy.addr.clone();
    let (flaky, once) = (format!("{mount}/flaky"), format!("{mount}/once"));
    let (read, write) = tokio::task::spawn_blocking(move || {
        (sesame_via(&addr, &["get", &flaky], &[]), sesame_via(&addr, &["put", &once, "K=v"], &[]))
    })
    .await
    .expect("joined");
    assert_eq!(read.0, 0, "the read went through on its second try: {}", read.2);
    assert!(read.1.contains("K "), "{}", read.1);
    assert_eq!(proxy.hits[0].load(std::sync::atomic::Ordering::SeqCst), 2, "read twice");
    assert_eq!(write.0, 3, "a write without an answer may have happened: {}", write.2);
    assert_eq!(proxy.hits[1].load(std::sync::atomic::Ordering::SeqCst), 1, "the write was not sent again");
    let vault = common::vault();
    let m = vault.mount_of(&mount).await.expect("mount");
    assert!(
        matches!(vault.read(&m, "once", None).await, Err(sesame::vault::VaultError::NotFound { .. })),
        "the reset write never reached the server"
    );
}
