//! Secret references against a real OpenBao: `sesame run --env-file` (each reference form, KV v1 and v2,
//! literals, whole secrets, a missing key, a denied secret, each secret read once, `--mask`, `--watch`) and
//! `sesame inject` (a YAML template read back by Python's yaml, `--check`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use common::cli::command;
use common::hostile::{self, Fault, Rule};

struct Out {
    code: i32,
    out: String,
    err: String,
}

fn run_with(token: &str, addr: Option<&str>, args: &[&str]) -> Out {
    let mut cmd = command(token);
    if let Some(a) = addr {
        cmd.env("VAULT_ADDR", a);
    }
    let o = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).output().expect("running sesame");
    Out {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn root(args: &[&str]) -> Out {
    run_with(&common::server().token, None, args)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sesame-refs-{name}-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Two mounts (v2 and v1) with a secret each, and a second v2 secret.
async fn seeded() -> (String, String) {
    let s = common::server();
    let v2 = s.fresh_mount(2).await;
    let v1 = s.fresh_mount(1).await;
    s.write_kv(&v2, 2, "apps/db", json!({"DB_PASSWORD": "pw-v2-Zq81", "DB_USER": "app"})).await;
    s.write_kv(&v2, 2, "apps/api", json!({"API_TOKEN": "tok-A7x9", "API_URL": "https://api"})).await;
    s.write_kv(&v1, 1, "legacy/smtp", json!({"SMTP_PASS": "smtp-v1-Kw2"})).await;
    (v2, v1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_env_file_of_references_runs_the_command_with_each_secret_read_once() {
    let (v2, v1) = seeded().await;
    let dir = temp_dir("run");
    let env = write(
        &dir,
        ".env",
        &format!(
            "# literals pass through\nMODE=production\nexport QUOTED=\"a b\"\n\
             PW=vault://{v2}/apps/db#DB_PASSWORD\nUSER=\"ref+vault://{v2}/data/apps/db#/DB_USER\"\n\
             PW_AGAIN=ref+vault://{v2}/apps/db#DB_PASSWORD\nSMTP=vault://{v1}/legacy/smtp#SMTP_PASS\n\
             vault://{v2}/apps/api\n"
        ),
    );
    // Through a counting proxy: each secret is read once however many keys it supplies.
    let proxy = hostile::start(
        &common::server().addr,
        vec![
            Rule {
                method: Some("GET"),
                path: format!("/v1/{v2}/data/apps/db"),
                fault: Fault::ResetFirst { times: 0 },
            },
            Rule {
                method: Some("GET"),
                path: format!("/v1/{v1}/legacy/smtp"),
                fault: Fault::ResetFirst { times: 0 },
            },
        ],
    )
    .await;
    let out = tokio::task::spawn_blocking({
        let (env, addr) = (env.clone(), proxy.addr.clone());
        move || {
            run_with(
                &common::server().token,
                Some(&addr),
                &["run", "--env-file", &env, "--", "sh", "-c", "printf '%s|' \"$MODE\" \"$QUOTED\" \"$PW\" \"$USER\" \"$PW_AGAIN\" \"$SMTP\" \"$API_TOKEN\" \"$API_URL\""],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(out.code, 0, "{}", out.err);
    assert_eq!(out.out, "production|a b|pw-v2-Zq81|app|pw-v2-Zq81|smtp-v1-Kw2|tok-A7x9|https://api|");
    let reads: Vec<usize> = proxy.hits.iter().map(|h| h.load(std::sync::atomic::Ordering::SeqCst)).collect();
    assert_eq!(reads, [1, 1], "the db secret supplies three variables in one read; the v1 secret one");
    assert!(!out.err.contains("pw-v2") && !out.err.contains("smtp-v1"), "{}", out.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_key_or_a_denied_secret_runs_nothing() {
    let (v2, _) = seeded().await;
    let dir = temp_dir("missing");
    let marker = dir.join("ran");
    let touch = format!("touch {}", marker.display());
    let env = write(&dir, ".env", &format!("A=vault://{v2}/apps/db#NO_SUCH_KEY\n"));
    let out = root(&["run", "--env-file", &env, "--", "sh", "-c", &touch]);
    assert_eq!(out.code, 2, "{}", out.err);
    assert!(out.err.contains("no key NO_SUCH_KEY") && out.err.contains("nothing was run"), "{}", out.err);
    assert!(!marker.exists(), "the command did not run");

    let env = write(&dir, "nosecret.env", &format!("A=vault://{v2}/apps/nope#K\n"));
    let out = root(&["run", "--env-file", &env, "--", "sh", "-c", &touch]);
    assert_eq!(out.code, 2, "{}", out.err);
    assert!(out.err.contains("no such secret"), "{}", out.err);

    // A token that may read apps/api but not apps/db.
    let s = common::server();
    let policy = format!("refs-{}", common::random_suffix(6));
    s.put_policy(&policy, &format!("path \"{v2}/data/apps/api\" {{ capabilities = [\"read\"] }}\n")).await;
    let token = s.token_with_policies(&[&policy]).await;
    let env = write(
        &dir,
        "denied.env",
        &format!("A=vault://{v2}/apps/api#API_TOKEN\nB=vault://{v2}/apps/db#DB_PASSWORD\n"),
    );
    let out = run_with(&token, None, &["run", "--env-file", &env, "--", "sh", "-c", &touch]);
    assert_eq!(out.code, 2, "{}", out.err);
    assert!(
        out.err.contains(&format!("vault://{v2}/apps/db#DB_PASSWORD")),
        "the reference is named: {}",
        out.err
    );
    assert!(!out.err.contains("tok-A7x9"), "{}", out.err);
    assert!(!marker.exists(), "the command did not run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mask_redacts_a_value_split_across_two_writes_and_keeps_the_exit_status() {
    let (v2, _) = seeded().await;
    let dir = temp_dir("mask");
    let env = write(&dir, ".env", &format!("PW=vault://{v2}/apps/db#DB_PASSWORD\n"));
    let script = "printf 'start %s\\n' \"$PW\"; printf '%s' \"${PW%?????}\"; sleep 0.3; \
                  printf '%s end\\n' \"${PW#${PW%?????}}\"; echo \"err $PW\" >&2; exit 7";
    let out = root(&["run", "--env-file", &env, "--mask", "--", "sh", "-c", script]);
    assert_eq!(out.code, 7, "the command's exit status: {}", out.err);
    assert_eq!(out.out, "start <redacted>\n<redacted> end\n");
    assert!(out.err.contains("err <redacted>") && !out.err.contains("pw-v2-Zq81"), "{}", out.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_restarts_the_command_when_a_secret_changes() {
    let (v2, _) = seeded().await;
    let dir = temp_dir("watch");
    let seen = dir.join("seen");
    let env = write(&dir, ".env", &format!("PW=vault://{v2}/apps/db#DB_PASSWORD\n"));
    let script = format!("printf '%s\\n' \"$PW\" >> {}; exec sleep 60", seen.display());
    let mut child = command(&common::server().token)
        .args(["run", "--env-file", &env, "--watch", "1", "--watch-grace", "5", "--", "sh", "-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let wait_for = move |want: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&seen).unwrap_or_default();
            if text.lines().any(|l| l == want) {
                return text;
            }
            assert!(Instant::now() < deadline, "waited for {want}; file has {text:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for("pw-v2-Zq81");
    common::server()
        .write_kv(&v2, 2, "apps/db", json!({"DB_PASSWORD": "pw-rotated-2", "DB_USER": "app"}))
        .await;
    let text = tokio::task::spawn_blocking(move || wait_for("pw-rotated-2")).await.unwrap();
    assert_eq!(text, "pw-v2-Zq81\npw-rotated-2\n", "started once, then once more after the change");
    // SIGTERM to sesame reaches the command; sesame exits with its status (128 + 15).
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "sesame ended with the command: {status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inject_renders_a_yaml_template_that_python_reads_back() {
    let (v2, v1) = seeded().await;
    let dir = temp_dir("inject");
    let template = write(
        &dir,
        "values.yaml.tpl",
        &format!(
            "db:\n  user: vault://{v2}/apps/db#DB_USER\n  password: \"ref+vault://{v2}/data/apps/db#/DB_PASSWORD\"\n  \
             url: \"postgres://app:{{{{ vault://{v2}/apps/db#DB_PASSWORD }}}}@db:5432/app\"\nsmtp: '{{{{ vault://{v1}/legacy/smtp#SMTP_PASS }}}}'\n\
             api: vault://{v2}/apps/api\nplain: kept as it is\n"
        ),
    );
    let rendered = dir.join("values.yaml");
    let out = root(&["inject", "-i", &template, "-o", &rendered.display().to_string()]);
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(
        !out.err.contains("pw-v2") && out.out.is_empty(),
        "no value on the terminal: {}{}",
        out.out,
        out.err
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&rendered).unwrap().permissions().mode() & 0o777, 0o600);
    let py = Command::new(".venv/bin/python")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])), sort_keys=True))",
        ])
        .arg(&rendered)
        .output()
        .expect("python with PyYAML (.ci/setup-openbao --test-tools)");
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
    let back: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
    assert_eq!(
        back,
        json!({
            "db": {"user": "app", "password": "pw-v2-Zq81", "url": "postgres://app:pw-v2-Zq81@db:5432/app"},
            "smtp": "smtp-v1-Kw2",
            "api": {"API_TOKEN": "tok-A7x9", "API_URL": "https://api"},
            "plain": "kept as it is",
        })
    );

    // --check lists the references and whether they resolve, never a value.
    let bad =
        write(&dir, "bad.tpl", &format!("a: vault://{v2}/apps/db#DB_USER\nb: vault://{v2}/apps/db#GONE\n"));
    let out = root(&["inject", "-i", &bad, "--check"]);
    assert_eq!(out.code, 2);
    assert!(out.out.contains(&format!("vault://{v2}/apps/db#DB_USER  ok")), "{}", out.out);
    assert!(out.out.contains("no key GONE"), "{}", out.out);
    assert!(!out.out.contains("app\n") && !out.out.contains("pw-v2"), "{}", out.out);
    // Nothing is written when a reference does not resolve.
    let target = dir.join("never.yaml");
    let out = root(&["inject", "-i", &bad, "-o", &target.display().to_string()]);
    assert_eq!(out.code, 2, "{}", out.err);
    assert!(!target.exists());
}
