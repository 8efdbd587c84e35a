//! Admin modes against a real server: setting and clearing on both engines, the generated policy enforced
//! for a userpass non-admin whose team policy grants broad read/write (through sesame and through plain
//! HTTP) while the admin still can, audit drift of each kind, and the CLI's exit codes.
//!
//! Runs against the harness's OpenBao, or a real Vault given by `SESAME_TEST_VAULT_ADDR`/`_TOKEN`. Each test
//! uses fresh mounts and its own policy names, so they run in parallel.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::json;

use sesame::vault::annotations::AnnotationStore;
use sesame::vault::audit::{self, AuditOptions, Drift, Scope};
use sesame::vault::modes::{Mode, ModeError, Modes};
use sesame::vault::policy;
use sesame::vault::write::DeleteMode;
use sesame::vault::{KvVersion, Mount, Vault, VaultError};

fn modes(v: &Vault) -> Modes {
    Modes::new(AnnotationStore::new(v.clone()))
}

/// A team policy granting broad read/write on `<mount>/team/` (both engines).
fn team_hcl(m: &Mount) -> String {
    let p = &m.path;
    match m.version {
        KvVersion::V2 => format!(
            r#"path "{p}/metadata/*" {{ capabilities = ["list", "read"] }}
path "{p}/data/team/*" {{ capabilities = ["create", "read", "update", "patch", "delete", "list"] }}
path "{p}/metadata/team/*" {{ capabilities = ["create", "read", "update", "patch", "delete", "list"] }}
path "{p}/delete/team/*" {{ capabilities = ["create", "update"] }}
path "{p}/undelete/team/*" {{ capabilities = ["create", "update"] }}
path "{p}/destroy/team/*" {{ capabilities = ["create", "update"] }}
path "{p}/subkeys/team/*" {{ capabilities = ["read"] }}
"#
        ),
        KvVersion::V1 => format!(
            r#"path "{p}/*" {{ capabilities = ["create", "read", "update", "delete", "list"] }}
"#
        ),
    }
}

/// Enables userpass (once), creates a user with `policies` and logs in: the user's token.
async fn userpass_token(policies: &[&str]) -> String {
    let s = common::server();
    let (st, body) = s.request(Method::POST, "sys/auth/userpass", Some(json!({"type": "userpass"}))).await;
    assert!(st.is_success() || body.to_string().contains("already in use"), "{st} {body}");
    let user = format!("u{}", common::random_suffix(10));
    let (st, body) = s
        .request(
            Method::POST,
            &format!("auth/userpass/users/{user}"),
            Some(json!({"password": "pw-test", "token_policies": policies.join(",")})),
        )
        .await;
    assert!(st.is_success(), "{st} {body}");
    let (st, body) = common::raw_request(
        &s.addr,
        "",
        Method::POST,
        &format!("auth/userpass/login/{user}"),
        Some(json!({"password": "pw-test"})),
    )
    .await;
    assert!(st.is_success(), "{st} {body}");
    body["auth"]["client_token"].as_str().unwrap().to_string()
}

/// What sesame records as the root token's name (a dev root token displays as "token").
async fn expected_who() -> String {
    let id = common::vault().identity().await.unwrap();
    if id.display_name == "token" && id.policies.iter().any(|p| p == "root") {
        "root".into()
    } else {
        id.display_name
    }
}

fn name(prefix: &str) -> String {
    format!("{prefix}-{}", common::random_suffix(8))
}

/// Generates the policy from every mode in `mounts` and applies it.
async fn apply(vault: &Vault, policy_name: &str, mounts: &[&Mount]) -> policy::Generated {
    let store = AnnotationStore::new(vault.clone());
    let scopes: Vec<Scope> = mounts.iter().map(|m| Scope::mount((*m).clone())).collect();
    let (entries, _) = audit::collect_entries(&store, &scopes, &AuditOptions::default(), None).await.unwrap();
    let g = policy::generate(policy_name, &entries);
    policy::apply_policy(vault, policy_name, &g.hcl).await.unwrap();
    g
}

fn data(pairs: &[(&str, &str)]) -> sesame::secret::SecretData {
    let obj: serde_json::Map<String, serde_json::Value> =
        pairs.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    sesame::secret::SecretData::from_value(&serde_json::Value::Object(obj)).unwrap()
}

async fn write(v: &Vault, m: &Mount, path: &str, pairs: &[(&str, &str)]) -> Result<(), VaultError> {
    let snap = v.snapshot(m, path).await?;
    v.write(m, path, &data(pairs), &snap.expected).await.map(|_| ())
}

#[tokio::test]
async fn set_and_clear_on_both_engines() {
    let s = common::server();
    for version in [2u8, 1] {
        let m = common::kv_mount(version).await;
        s.write_kv(&m.path, version, "a/ro", json!({"K": "v"})).await;
        s.write_kv(&m.path, version, "a/ko", json!({"USER": "u", "PASSWORD": "p"})).await;
        let md = modes(&common::vault());
        let r = md.set_mode(&m, "a/ro", Mode::ReadOnly).await.unwrap();
        assert_eq!(r.mode, Mode::ReadOnly);
        let who = expected_who().await;
        assert!(!who.is_empty());
        assert_eq!(r.set_by.as_deref(), Some(who.as_str()));
        assert!(r.set_at.as_deref().is_some_and(|t| t.ends_with('Z')), "{r:?}");
        let r = md.set_mode(&m, "a/ko", Mode::KeyOnly).await.unwrap();
        assert_eq!(r.keys, ["PASSWORD", "USER"]);
        // Another annotation survives setting and clearing.
        md.store().set(&m, "a/ro", &[("type".to_string(), Some("Opaque".to_string()))].into()).await.unwrap();
        let fresh = modes(&common::vault());
        assert_eq!(fresh.get(&m, "a/ko").await.unwrap().keys, ["PASSWORD", "USER"]);
        assert_eq!(fresh.get(&m, "a/ro").await.unwrap().mode, Mode::ReadOnly);
        fresh.set_mode(&m, "a/ro", Mode::None).await.unwrap();
        let a = fresh.store().get(&m, "a/ro").await.unwrap();
        assert_eq!(a.into_iter().collect::<Vec<_>>(), [("type".to_string(), "Opaque".to_string())]);
        // The admin saves new keys: the recorded list follows.
        write(&common::vault(), &m, "a/ko", &[("USER", "u"), ("TOKEN", "t")]).await.unwrap();
        let r = fresh.refresh_keys(&m, "a/ko").await.unwrap();
        assert_eq!(r.keys, ["TOKEN", "USER"]);
        // Missing secrets and glob names are refused.
        let e = fresh.set_mode(&m, "a/ghost", Mode::ReadOnly).await.unwrap_err();
        assert!(matches!(e, ModeError::Vault(VaultError::NotFound { .. })), "{e:?}");
        s.write_kv(&m.path, version, "a/star*", json!({"K": "v"})).await;
        let e = fresh.set_mode(&m, "a/star*", Mode::ReadOnly).await.unwrap_err();
        assert!(matches!(&e, ModeError::Unenforceable { reason, .. } if reason.contains("glob")), "{e:?}");
        assert!(fresh.is_admin_for(&m, "a/ro").await);
    }
}

#[tokio::test]
async fn policy_is_enforced_for_a_userpass_non_admin_v2() {
    let s = common::server();
    let root = common::vault();
    let m = common::kv_mount(2).await;
    let odd = ["team/a+b", "team/+x", "team/q*r", "team/sp ace", "team/qu\"ote", "team/ünï", "team/d${x}"];
    for p in ["team/ro", "team/ko", "team/a", "team/abc", "team/free"].iter().chain(odd.iter()) {
        s.write_kv(&m.path, 2, p, json!({"USER": "u", "PASSWORD": "p"})).await;
    }
    let md = modes(&root);
    md.set_mode(&m, "team/ro", Mode::ReadOnly).await.unwrap();
    md.set_mode(&m, "team/ko", Mode::KeyOnly).await.unwrap();
    for p in odd {
        md.set_mode(&m, p, Mode::ReadOnly).await.unwrap();
    }
    let (team, modes_policy) = (name("team"), name("modes"));
    s.put_policy(&team, &team_hcl(&m)).await;
    let g = apply(&root, &modes_policy, &[&m]).await;
    assert!(g.skipped.is_empty());
    let user_token = userpass_token(&[&team, &modes_policy]).await;
    let user = Vault::connect(&s.addr, &user_token).unwrap();

    // Through sesame: readonly readable, not writable nor deletable; key-only unreadable; keys visible.
    assert!(user.read(&m, "team/ro", None).await.unwrap().data.is_some());
    let e = write(&user, &m, "team/ro", &[("USER", "x")]).await.unwrap_err();
    assert!(matches!(e, VaultError::Forbidden { .. }), "{e:?}");
    for mode in [DeleteMode::Latest, DeleteMode::AllVersions] {
        let e = user.delete_secret(&m, "team/ro", &mode).await.unwrap_err();
        assert!(matches!(e, VaultError::Forbidden { .. }), "{e:?}");
    }
    let e = user.read(&m, "team/ko", None).await.unwrap_err();
    assert!(matches!(e, VaultError::Forbidden { .. }), "{e:?}");
    let umodes = modes(&user);
    let r = umodes.get(&m, "team/ko").await.unwrap();
    assert_eq!((r.mode, r.keys.clone()), (Mode::KeyOnly, vec!["PASSWORD".to_string(), "USER".to_string()]));
    assert!(!umodes.is_admin_for(&m, "team/ro").await);
    let e = umodes.set_mode(&m, "team/ro", Mode::None).await.unwrap_err();
    assert!(matches!(e, ModeError::NotAdmin { .. }), "{e:?}");
    assert!(e.to_string().contains("only an admin"), "{e}");
    // Odd names are exact, and their neighbours keep the team's grants.
    for p in odd {
        let e = write(&user, &m, p, &[("USER", "x")]).await.unwrap_err();
        assert!(matches!(e, VaultError::Forbidden { .. }), "{p}: {e:?}");
    }
    for p in ["team/a", "team/abc", "team/free"] {
        write(&user, &m, p, &[("USER", "x")]).await.unwrap_or_else(|e| panic!("{p}: {e}"));
    }

    // Through plain HTTP.
    let http = |method: Method, api: String, body: Option<serde_json::Value>| {
        let (addr, t) = (s.addr.clone(), user_token.clone());
        async move { common::raw_request(&addr, &t, method, &api, body).await.0 }
    };
    let mp = &m.path;
    let forbidden = StatusCode::FORBIDDEN;
    assert_eq!(
        http(Method::POST, format!("{mp}/data/team/ro"), Some(json!({"data": {"A": "b"}}))).await,
        forbidden
    );
    assert_eq!(http(Method::DELETE, format!("{mp}/data/team/ro"), None).await, forbidden);
    assert_eq!(http(Method::DELETE, format!("{mp}/metadata/team/ro"), None).await, forbidden);
    assert_eq!(
        http(Method::POST, format!("{mp}/destroy/team/ro"), Some(json!({"versions": [1]}))).await,
        forbidden
    );
    assert_eq!(
        http(Method::POST, format!("{mp}/metadata/team/ro"), Some(json!({"custom_metadata": {}}))).await,
        forbidden
    );
    assert_eq!(http(Method::GET, format!("{mp}/data/team/ko"), None).await, forbidden);
    assert_eq!(http(Method::GET, format!("{mp}/data/team/ko?version=1"), None).await, forbidden);
    assert_eq!(
        http(Method::POST, format!("{mp}/data/team/ko"), Some(json!({"data": {"A": "b"}}))).await,
        forbidden
    );
    assert_eq!(http(Method::GET, format!("{mp}/data/team/ro"), None).await, StatusCode::OK);
    assert_eq!(http(Method::GET, format!("{mp}/metadata/team/ko"), None).await, StatusCode::OK);
    assert_eq!(
        http(Method::POST, format!("{mp}/data/team/free"), Some(json!({"data": {"A": "b"}}))).await,
        StatusCode::OK
    );

    // The admin still can.
    write(&root, &m, "team/ro", &[("USER", "admin")]).await.unwrap();
    assert!(root.read(&m, "team/ko", None).await.unwrap().data.is_some());
    root.delete_secret(&m, "team/ro", &DeleteMode::Latest).await.unwrap();
}

#[tokio::test]
async fn policy_is_enforced_for_a_userpass_non_admin_v1() {
    let s = common::server();
    let root = common::vault();
    let m = common::kv_mount(1).await;
    for p in ["team/ro", "team/ko", "team/free"] {
        s.write_kv(&m.path, 1, p, json!({"USER": "u", "PASSWORD": "p"})).await;
    }
    let md = modes(&root);
    md.set_mode(&m, "team/ro", Mode::ReadOnly).await.unwrap();
    md.set_mode(&m, "team/ko", Mode::KeyOnly).await.unwrap();
    let (team, modes_policy) = (name("team"), name("modes"));
    s.put_policy(&team, &team_hcl(&m)).await;
    let g = apply(&root, &modes_policy, &[&m]).await;
    assert!(g.hcl.contains(".sesame/annotations"), "{}", g.hcl);
    let user_token = userpass_token(&[&team, &modes_policy]).await;
    let user = Vault::connect(&s.addr, &user_token).unwrap();

    assert!(user.read(&m, "team/ro", None).await.unwrap().data.is_some());
    assert!(matches!(write(&user, &m, "team/ro", &[("A", "b")]).await, Err(VaultError::Forbidden { .. })));
    assert!(matches!(
        user.delete_secret(&m, "team/ro", &DeleteMode::Latest).await,
        Err(VaultError::Forbidden { .. })
    ));
    assert!(matches!(user.read(&m, "team/ko", None).await, Err(VaultError::Forbidden { .. })));
    let umodes = modes(&user);
    assert_eq!(umodes.get(&m, "team/ko").await.unwrap().keys, ["PASSWORD", "USER"]);
    assert!(!umodes.is_admin_for(&m, "team/ro").await);
    assert!(matches!(
        umodes.set_mode(&m, "team/free", Mode::ReadOnly).await,
        Err(ModeError::NotAdmin { .. })
    ));
    let mp = &m.path;
    let (st, _) =
        common::raw_request(&s.addr, &user_token, Method::GET, &format!("{mp}/team/ko"), None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = common::raw_request(
        &s.addr,
        &user_token,
        Method::POST,
        &format!("{mp}/team/ro"),
        Some(json!({"A": "b"})),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The registry is readable, not writable.
    let reg = format!("{mp}/.sesame/annotations");
    let (st, _) = common::raw_request(&s.addr, &user_token, Method::GET, &reg, None).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = common::raw_request(&s.addr, &user_token, Method::POST, &reg, Some(json!({}))).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    write(&user, &m, "team/free", &[("A", "b")]).await.unwrap();
    // The admin still can.
    write(&root, &m, "team/ro", &[("A", "admin")]).await.unwrap();
    assert!(root.read(&m, "team/ko", None).await.unwrap().data.is_some());
}

#[tokio::test]
async fn audit_detects_each_drift() {
    let s = common::server();
    let root = common::vault();
    let m2 = common::kv_mount(2).await;
    let m1 = common::kv_mount(1).await;
    for p in ["ok", "late", "gone", "kd", "star*", "weird", "cleared"] {
        s.write_kv(&m2.path, 2, p, json!({"A": "1", "B": "2"})).await;
    }
    for p in ["ok1", "gone1"] {
        s.write_kv(&m1.path, 1, p, json!({"A": "1"})).await;
    }
    let md = modes(&root);
    for (m, p, mode) in [
        (&m2, "ok", Mode::ReadOnly),
        (&m2, "gone", Mode::ReadOnly),
        (&m2, "kd", Mode::KeyOnly),
        (&m2, "cleared", Mode::KeyOnly),
        (&m1, "ok1", Mode::KeyOnly),
        (&m1, "gone1", Mode::ReadOnly),
    ] {
        md.set_mode(m, p, mode).await.unwrap();
    }
    let pname = name("modes");
    apply(&root, &pname, &[&m2, &m1]).await;
    let opts = AuditOptions { policy_name: pname.clone(), ..AuditOptions::default() };
    let scopes = [Scope::mount(m2.clone()), Scope::mount(m1.clone())];
    let store = AnnotationStore::new(root.clone());
    let clean = audit::audit(&store, &scopes, &opts, None).await.unwrap();
    assert!(!clean.has_drift(), "{}", audit::to_table(&clean));
    assert_eq!(clean.rows.len(), 6);

    // Now drift of each kind.
    md.set_mode(&m2, "late", Mode::KeyOnly).await.unwrap(); // no rule yet
    md.set_mode(&m2, "cleared", Mode::None).await.unwrap(); // rule without a mode
    root.delete_secret(&m2, "gone", &DeleteMode::AllVersions).await.unwrap(); // rule for a missing secret
    root.delete_secret(&m1, "gone1", &DeleteMode::Latest).await.unwrap(); // KV v1 registry entry left behind
    write(&root, &m2, "kd", &[("A", "1"), ("NEW", "x")]).await.unwrap(); // keys differ
    for (p, mode) in [("star*", "readonly"), ("weird", "sideways")] {
        let (st, body) = s
            .request(
                Method::POST,
                &format!("{}/metadata/{}", m2.path, sesame::vault::kv::encode_path(p)),
                Some(json!({"custom_metadata": {"sesame.mode": mode}})),
            )
            .await;
        assert!(st.is_success(), "{st} {body}");
    }
    let r = audit::audit(&store, &scopes, &opts, None).await.unwrap();
    let table = audit::to_table(&r);
    let drift = |m: &Mount, p: &str| -> Vec<Drift> {
        r.rows.iter().find(|x| x.mount == m.path && x.path == p).map(|x| x.drift.clone()).unwrap_or_default()
    };
    assert!(drift(&m2, "ok").is_empty(), "{table}");
    assert!(drift(&m1, "ok1").is_empty(), "{table}");
    assert!(
        matches!(&drift(&m2, "late")[..], [Drift::MissingRules { rules, .. }] if rules.len() == 5),
        "{table}"
    );
    assert!(
        matches!(&drift(&m2, "cleared")[..], [Drift::OrphanRules { secret_exists: true, .. }]),
        "{table}"
    );
    assert!(matches!(&drift(&m2, "gone")[..], [Drift::OrphanRules { secret_exists: false, .. }]), "{table}");
    let g1 = drift(&m1, "gone1");
    assert!(g1.contains(&Drift::SecretMissing), "{table}");
    assert!(g1.iter().any(|d| matches!(d, Drift::OrphanRules { secret_exists: false, .. })), "{table}");
    assert_eq!(
        drift(&m2, "kd"),
        [Drift::KeysDiffer { missing: vec!["B".into()], extra: vec!["NEW".into()] }],
        "{table}"
    );
    assert!(matches!(&drift(&m2, "star*")[..], [Drift::Unenforceable { .. }]), "{table}");
    assert_eq!(drift(&m2, "weird"), [Drift::UnknownMode { value: "sideways".into() }], "{table}");

    // Without the policy, every mode is unenforced; without read access, keys are unchecked (not drift).
    let none = AuditOptions { policy_name: name("absent"), ..AuditOptions::default() };
    let r = audit::audit(&store, &scopes[..1], &none, None).await.unwrap();
    assert!(!r.policy_found);
    assert!(
        r.rows.iter().filter(|x| x.path == "ok").all(|x| matches!(&x.drift[..], [Drift::NoPolicy { .. }]))
    );
    let auditor = name("auditor");
    s.put_policy(
        &auditor,
        &format!(
            "path \"{m}/metadata/*\" {{ capabilities = [\"list\", \"read\"] }}\npath \"sys/policies/acl/{pname}\" {{ capabilities = [\"read\"] }}\n",
            m = m2.path
        ),
    )
    .await;
    let t = s.token_with_policies(&[&auditor]).await;
    let limited = AnnotationStore::new(Vault::connect(&s.addr, &t).unwrap());
    let r = audit::audit(&limited, &scopes[..1], &opts, None).await.unwrap();
    let late = r.rows.iter().find(|x| x.path == "late").unwrap();
    assert!(
        late.drift
            .iter()
            .any(|d| matches!(d, Drift::KeysUnchecked { reason } if reason.contains("no read access")))
    );
    let ok = r.rows.iter().find(|x| x.path == "ok").unwrap();
    assert!(!ok.has_drift(), "{}", audit::to_table(&r));

    // The CLI exits 1 on drift, 0 once fixed; JSON and CSV carry it.
    let out = sesame(&["audit", &format!("{}/", m2.path), "--name", &pname, "--format", "json"], &s.token);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["rows"].as_array().unwrap().iter().any(|r| r["drift"][0]["kind"] == "keys-differ"));
    let out = sesame(&["audit", &format!("{}/", m2.path), "--name", &pname, "--format", "csv"], &s.token);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("path,mode,set_by,set_at,keys,drift\n"));
    for p in ["star*", "weird"] {
        s.request(
            Method::POST,
            &format!("{}/metadata/{}", m2.path, sesame::vault::kv::encode_path(p)),
            Some(json!({"custom_metadata": {}})),
        )
        .await;
    }
    md.refresh_keys(&m2, "kd").await.unwrap();
    apply(&root, &pname, &[&m2]).await;
    let out = sesame(&["audit", &format!("{}/", m2.path), "--name", &pname], &s.token);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the sesame binary with VAULT_ADDR/VAULT_TOKEN and no terminal.
fn sesame(args: &[&str], token: &str) -> std::process::Output {
    common::cli::command(token).args(args).env("HOME", std::env::temp_dir()).output().unwrap()
}

#[tokio::test]
async fn cli_mode_and_policy() {
    let s = common::server();
    let m = common::kv_mount(2).await;
    s.write_kv(&m.path, 2, "team/x", json!({"K": "v"})).await;
    s.write_kv(&m.path, 2, "team/star*", json!({"K": "v"})).await;
    let target = format!("{}/team/x", m.path);
    let out = sesame(&["mode", &target, "key-only"], &s.token);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("keys recorded: K"));
    let out = sesame(&["mode", &target], &s.token);
    let who = expected_who().await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(&format!("{target}: key-only (set by {who} at ")), "{stdout}");
    let out = sesame(&["mode", &format!("{}/team/star*", m.path), "readonly"], &s.token);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prefix glob"));

    // A non-admin is refused.
    let reader = name("reader");
    s.put_policy(&reader, &format!("path \"{}/*\" {{ capabilities = [\"read\", \"list\"] }}\n", m.path))
        .await;
    let t = s.token_with_policies(&[&reader]).await;
    let out = sesame(&["mode", &target, "none"], &t);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only an admin"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pname = name("modes");
    let scope = format!("{}/", m.path);
    let out = sesame(&["policy", "show", &scope, "--name", &pname], &s.token);
    assert!(out.status.success());
    let hcl = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(hcl.contains(&format!("path \"{}/data/team/x\"", m.path)), "{hcl}");
    let out = sesame(&["policy", "diff", &scope, "--name", &pname], &s.token);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("absent on the server"));
    // apply without --yes and without a terminal is refused.
    let out = sesame(&["policy", "apply", &scope, "--name", &pname], &s.token);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    let out = sesame(&["policy", "apply", &scope, "--name", &pname, "--yes"], &s.token);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = sesame(&["policy", "diff", &scope, "--name", &pname], &s.token);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(policy::read_policy(&common::vault(), &pname).await.unwrap().as_deref(), Some(hcl.as_str()));
}

/// The demo: `sesame --dev` / `sesame dev` set up a non-admin user whose team policy is restricted by the
/// modes, and the demo's modes audit clean.
#[tokio::test]
async fn demo_sets_up_both_sides() {
    use sesame::vault::demo_modes::{self, DEMO_MODES};
    use sesame::vault::devserver::{self, DevOptions, DevServer};
    if std::env::var_os("SESAME_TEST_VAULT_ADDR").is_some() {
        return; // The demo needs a throw-away server of its own.
    }
    let dev = DevServer::start(DevOptions::default()).await.unwrap();
    devserver::seed_demo(dev.addr(), dev.root_token()).await.unwrap();
    let user = demo_modes::seed_demo_modes(dev.addr(), dev.root_token()).await.unwrap();
    assert!(!format!("{user:?}").contains(&user.token));
    assert!(demo_modes::user_line(&user).starts_with("# user token: export VAULT_TOKEN='"));
    let root = Vault::connect(dev.addr(), dev.root_token()).unwrap();
    let alice = Vault::connect(dev.addr(), &user.token).unwrap();
    let umodes = modes(&alice);
    for (mount, version, path, mode) in DEMO_MODES {
        let m = Mount { path: (*mount).into(), version: *version, description: String::new() };
        assert_eq!(umodes.get(&m, path).await.unwrap().mode, *mode, "{mount}/{path}");
        assert!(!umodes.is_admin_for(&m, path).await, "{mount}/{path}");
        let e = write(&alice, &m, path, &[("X", "y")]).await.unwrap_err();
        assert!(matches!(e, VaultError::Forbidden { .. }), "{mount}/{path}: {e:?}");
        let read = alice.read(&m, path, None).await;
        assert_eq!(read.is_ok(), *mode == Mode::ReadOnly, "{mount}/{path}");
    }
    // Alice keeps her team's grants elsewhere.
    let secret = Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() };
    write(&alice, &secret, "teams/ml/new-one", &[("X", "y")]).await.unwrap();
    let store = AnnotationStore::new(root.clone());
    let scopes = [Scope::mount(secret), Scope::mount(root.mount_of("legacy").await.unwrap())];
    let r = audit::audit(&store, &scopes, &AuditOptions::default(), None).await.unwrap();
    assert_eq!(r.rows.len(), DEMO_MODES.len());
    assert!(!r.has_drift(), "{}", audit::to_table(&r));
    dev.stop().await;
}

/// Key-only secrets: the value commands refuse them (admins included), `get` prints the recorded key names,
/// `run` still injects the values.
#[tokio::test]
async fn cli_value_commands_respect_key_only() {
    let s = common::server();
    let m = common::kv_mount(2).await;
    s.write_kv(&m.path, 2, "ko", json!({"TOKEN": "sekret-value-1"})).await;
    modes(&common::vault()).set_mode(&m, "ko", Mode::KeyOnly).await.unwrap();
    let full = format!("{}/ko", m.path);
    let out = sesame(&["get", &full], &s.token);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("key-only") && stdout.contains("TOKEN"), "{stdout}");
    for args in [
        vec!["get", &full, "--reveal"],
        vec!["get", &full, "--field", "TOKEN"],
        vec!["copy", &full, "--key", "TOKEN", "--via", "osc52"],
        vec!["snippet", &full, "--format", "dotenv", "--reveal"],
        vec!["export", &full, "--format", "json"],
    ] {
        let out = sesame(&args, &s.token);
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {all}");
        assert!(all.contains("is key-only") && !all.contains("sekret-value-1"), "{args:?}: {all}");
    }
    let out = sesame(&["snippet", &full, "--format", "path"], &s.token);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = sesame(&["run", &full, "--", "sh", "-c", "test \"$TOKEN\" = sekret-value-1"], &s.token);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `policy apply` refuses to drop the rules of modes it could not see, unless --partial.
#[tokio::test]
async fn cli_apply_refuses_an_incomplete_crawl() {
    let s = common::server();
    let m = common::kv_mount(2).await;
    for p in ["open/a", "hidden/b"] {
        s.write_kv(&m.path, 2, p, json!({"K": "v"})).await;
        modes(&common::vault()).set_mode(&m, p, Mode::ReadOnly).await.unwrap();
    }
    let pname = name("modes");
    let limited = name("limited");
    s.put_policy(
        &limited,
        &format!(
            "path \"{m}/metadata/*\" {{ capabilities = [\"list\", \"read\"] }}\n\
             path \"{m}/metadata/hidden/*\" {{ capabilities = [\"deny\"] }}\n\
             path \"sys/policies/acl/{pname}\" {{ capabilities = [\"read\", \"create\", \"update\"] }}\n",
            m = m.path
        ),
    )
    .await;
    let t = s.token_with_policies(&[&limited]).await;
    let scope = format!("{}/", m.path);
    let out = sesame(&["policy", "apply", &scope, "--name", &pname, "--yes"], &t);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("--partial") && err.contains("hidden"), "{err}");
    let out = sesame(&["policy", "apply", &scope, "--name", &pname, "--yes", "--partial"], &t);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hcl = policy::read_policy(&common::vault(), &pname).await.unwrap().unwrap_or_default();
    assert!(hcl.contains("open/a") && !hcl.contains("hidden/b"), "{hcl}");
}
