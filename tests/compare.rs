//! Comparing and promoting against a real OpenBao: two folders with each kind of difference (keys, JSON
//! values equal in meaning but not in text, keys differing only by case, a secret denied in B), KV v1 ↔ v2,
//! two namespaces, a value never printed without --reveal, promoting single keys with B's other keys and
//! history kept, and a write in B between the comparison and the promotion reported, not overwritten.

mod common;

use std::process::Stdio;

use reqwest::Method;
use serde_json::json;

use sesame::compare::{self, State, StepOutcome};

use common::cli::command;

struct Out {
    code: i32,
    out: String,
    err: String,
}

fn sesame(token: &str, args: &[&str]) -> Out {
    let o = command(token).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).output().expect("sesame");
    Out {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn root(args: &[&str]) -> Out {
    sesame(&common::server().token, args)
}

const VALUES: [&str; 6] = ["val-A-one-1", "val-B-one-2", "only-a-3", "only-b-4", "case-5", "denied-6"];

/// A v2 mount with `staging/` and `prod/` holding every kind of difference.
async fn seeded() -> String {
    let s = common::server();
    let m = s.fresh_mount(2).await;
    let w = |p: &'static str, d: serde_json::Value| {
        let m = m.clone();
        async move { common::server().write_kv(&m, 2, p, d).await }
    };
    w("staging/app", json!({"TOKEN": VALUES[0], "SAME": "s", "PORT": 8080, "RATIO": 1, "OBJ": {"a": 1, "b": [1, 2]}, "db_host": VALUES[4]})).await;
    w("prod/app", json!({"TOKEN": VALUES[1], "SAME": "s", "PORT": "8080", "RATIO": 1.0, "OBJ": {"b": [1, 2], "a": 1}, "DB_HOST": VALUES[4]})).await;
    w("staging/only-a", json!({"K": VALUES[2]})).await;
    w("prod/only-b", json!({"K": VALUES[3]})).await;
    w("staging/equal", json!({"K": "same"})).await;
    w("prod/equal", json!({"K": "same"})).await;
    w("staging/locked", json!({"K": VALUES[5]})).await;
    w("prod/locked", json!({"K": VALUES[5]})).await;
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_folders_compare_key_by_key_without_a_value() {
    let m = seeded().await;
    let (a, b) = (format!("{m}/staging/"), format!("{m}/prod/"));
    let out = root(&["diff", &a, &b]);
    assert_eq!(out.code, 1, "different: {}", out.err);
    for v in VALUES {
        assert!(!out.out.contains(v) && !out.err.contains(v), "no value without --reveal: {v}\n{}", out.out);
    }
    let line = |needle: &str| out.out.lines().find(|l| l.contains(needle)).unwrap_or_default().to_string();
    assert!(line("app").starts_with("~ app"), "{}", out.out);
    assert!(line("TOKEN").contains("different") && line("TOKEN").contains('•'), "masked: {}", out.out);
    assert!(line("PORT").contains("different"), "\"8080\" is not 8080: {}", out.out);
    assert!(
        line("RATIO").starts_with("    = RATIO") && line("OBJ").starts_with("    = OBJ"),
        "1 = 1.0, key order does not matter: {}",
        out.out
    );
    assert!(
        line("- db_host").contains("only in A") && line("- db_host").contains("DB_HOST"),
        "case twins: {}",
        out.out
    );
    assert!(line("only-a").starts_with("- only-a") && line("only-b").starts_with("+ only-b"), "{}", out.out);
    assert!(line("= equal ").starts_with("= equal"), "{}", out.out);

    // --reveal shows the differing values, and only those.
    let out = root(&["diff", &a, &b, "--reveal", "--only-diff"]);
    assert!(out.out.contains(VALUES[0]) && out.out.contains(VALUES[1]), "{}", out.out);
    assert!(!out.out.contains(VALUES[4]) && !out.out.contains("= equal"), "{}", out.out);

    // JSON, exactly escaped, with the same verdicts.
    let out = root(&["diff", &a, &b, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.out).expect("JSON");
    assert_eq!(doc["equal"], json!(false));
    let app = doc["secrets"].as_array().unwrap().iter().find(|s| s["path"] == "app").unwrap();
    let state =
        |k: &str| app["keys"].as_array().unwrap().iter().find(|x| x["key"] == k).unwrap()["state"].clone();
    assert_eq!(
        (state("TOKEN"), state("RATIO"), state("OBJ")),
        (json!("different"), json!("equal"), json!("equal"))
    );
    assert!(!out.out.contains(VALUES[0]));

    // A secret B's token may not read: counted, named, and the exit status says the comparison is incomplete.
    let s = common::server();
    let policy = format!("cmp-{}", common::random_suffix(6));
    s.put_policy(
        &policy,
        &format!(
            "path \"{m}/metadata/*\" {{ capabilities = [\"list\", \"read\"] }}\npath \"{m}/data/*\" {{ capabilities = [\"read\"] }}\n\
             path \"{m}/data/prod/locked\" {{ capabilities = [\"deny\"] }}\n"
        ),
    )
    .await;
    let token = s.token_with_policies(&[&policy]).await;
    let out = sesame(&token, &["diff", &a, &b]);
    assert_eq!(out.code, 2, "{}{}", out.out, out.err);
    assert!(out.out.contains("! locked") && out.out.contains("not readable in B"), "{}", out.out);
    assert!(out.err.contains("1 not readable"), "{}", out.err);
    assert!(!out.out.contains(VALUES[5]));

    // Equal folders exit 0.
    let out = root(&["diff", &format!("{m}/staging/equal"), &format!("{m}/prod/equal")]);
    assert_eq!(out.code, 0, "{}", out.out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv1_against_kv2_and_across_namespaces() {
    let s = common::server();
    let v1 = s.fresh_mount(1).await;
    let v2 = s.fresh_mount(2).await;
    s.write_kv(&v1, 1, "app", json!({"A": "1", "B": "x"})).await;
    s.write_kv(&v2, 2, "app", json!({"A": "1", "B": "y"})).await;
    let out = root(&["diff", &format!("{v1}/app"), &format!("{v2}/app")]);
    assert_eq!(out.code, 1);
    assert!(
        out.out.contains("(KV v1)") && out.out.contains("(KV v2)") && out.out.contains("~ B"),
        "{}",
        out.out
    );

    // Two namespaces, each with a mount of the same name.
    let (na, nb) = (format!("nsa{}", common::random_suffix(6)), format!("nsb{}", common::random_suffix(6)));
    for ns in [&na, &nb] {
        let (st, body) = s.request(Method::POST, &format!("sys/namespaces/{ns}"), Some(json!({}))).await;
        assert!(st.is_success(), "{st} {body}");
        let vault = common::vault().in_namespace(Some(ns));
        let (st, _) = vault
            .raw("POST", "sys/mounts/kv", Some(&json!({"type": "kv", "options": {"version": "2"}})))
            .await
            .unwrap();
        assert!((200..300).contains(&st));
        let m = vault.mount_of("kv").await.unwrap();
        let data = sesame::secret::SecretData::from_json_object(&format!(r#"{{"K":"{ns}"}}"#)).unwrap();
        let mut tries = 0;
        while vault.write(&m, "app", &data, &sesame::vault::write::Expected::Anything).await.is_err()
            && tries < 100
        {
            tries += 1;
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let out = root(&["diff", "kv/app", "kv/app", "--a-namespace", &na, "--b-namespace", &nb, "--reveal"]);
    assert_eq!(out.code, 1, "{}{}", out.out, out.err);
    assert!(out.out.contains(&format!("A {na}  ≠  B {nb}")), "each side read in its namespace: {}", out.out);

    // A side through a profile of the config file: `PROFILE:path`.
    let dir = std::env::temp_dir().join(format!("sesame-cmp-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[[profile]]\nname = \"team-a\"\naddress = \"{}\"\nnamespace = \"{na}\"\n", s.addr),
    )
    .unwrap();
    let o = command(&s.token)
        .env("SESAME_CONFIG", &config)
        .args(["diff", "team-a:kv/app", "kv/app", "--b-namespace", &nb, "--reveal"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains(&format!("A {na}  ≠  B {nb}")), "A read through the profile: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_single_keys_keeps_b_and_its_history_and_reports_a_change_meanwhile() {
    let m = seeded().await;
    let (a, b) = (format!("{m}/staging/"), format!("{m}/prod/"));
    let out = root(&["promote", &a, &b, "--keys", "TOKEN,db_host", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(out.out.contains("update app: TOKEN, db_host"), "{}", out.out);
    assert!(!out.out.contains("only-a"), "--keys limits the plan: {}", out.out);
    let out = root(&["promote", &a, &b, "--keys", "TOKEN"]);
    assert_ne!(out.code, 0, "no --yes without a terminal: nothing written");
    let out = root(&["promote", &a, &b, "--keys", "TOKEN", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(out.out.contains("promoted app (version 2, verified)"), "{}", out.out);
    let vault = common::vault();
    let mount = vault.mount_of(&m).await.unwrap();
    let now = vault.read(&mount, "prod/app", None).await.unwrap().data.unwrap();
    assert_eq!(now.get("TOKEN").unwrap().reveal().as_str(), VALUES[0]);
    assert_eq!(now.get("PORT").unwrap().json_text(), "\"8080\"", "B's other keys stay");
    assert!(now.get("DB_HOST").is_some() && now.get("db_host").is_none());
    let v1 = vault.read(&mount, "prod/app", Some(1)).await.unwrap().data.unwrap();
    assert_eq!(v1.get("TOKEN").unwrap().reveal().as_str(), VALUES[1], "version 1 is still there");

    // Library: compare, then someone writes in B, then promote: reported, not overwritten.
    let pa = compare::place(&vault, &a).await.unwrap();
    let pb = compare::place(&vault, &b).await.unwrap();
    let c = compare::compare(&vault, &pa, &vault, &pb).await.unwrap();
    common::server().write_kv(&m, 2, "prod/app", json!({"TOKEN": "someone-else", "PORT": "1"})).await;
    let steps = compare::plan(&c, &[]);
    let results = compare::promote(&vault, &vault, &c, &steps).await;
    let app = results.iter().find(|(s, _)| s.rel == "app").unwrap();
    assert_eq!(app.1, StepOutcome::ChangedMeanwhile);
    let now = vault.read(&mount, "prod/app", None).await.unwrap().data.unwrap();
    assert_eq!(now.get("TOKEN").unwrap().reveal().as_str(), "someone-else", "not overwritten");
    let created = results.iter().find(|(s, _)| s.rel == "only-a").unwrap();
    assert!(matches!(created.1, StepOutcome::Done(_)), "{:?}", created.1);
    assert_eq!(
        compare::compare(&vault, &pa, &vault, &pb)
            .await
            .unwrap()
            .secrets
            .iter()
            .find(|s| s.rel == "only-a")
            .unwrap()
            .state,
        Some(State::Equal)
    );
}
