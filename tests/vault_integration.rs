//! The Vault layer over real HTTP against a real OpenBao dev server (or the server named by
//! `SESAME_TEST_VAULT_ADDR` / `SESAME_TEST_VAULT_TOKEN`). Each test works in mounts of its own.

mod common;

use common::vault;

use std::collections::HashMap;

use serde_json::json;
use sesame::app::effects::resolve;
use sesame::vault::connect::{ConnectArgs, ConnectSettings};
use sesame::vault::kv::{KvVersion, VersionState};
use sesame::vault::{Vault, VaultError};

fn names(entries: &[sesame::vault::kv::Entry]) -> Vec<String> {
    entries.iter().map(|e| format!("{}{}", e.name, if e.is_folder { "/" } else { "" })).collect()
}

#[tokio::test]
async fn discovers_mounts_and_their_kv_versions() {
    let s = common::server();
    let v1 = s.fresh_mount(1).await;
    let v2 = s.fresh_mount(2).await;
    let mounts = vault().mounts().await.unwrap();
    let find = |p: &str| mounts.iter().find(|m| m.path == p).cloned();
    assert_eq!(find(&v1).unwrap().version, KvVersion::V1);
    assert_eq!(find(&v2).unwrap().version, KvVersion::V2);
    assert!(mounts.iter().all(|m| !["sys", "cubbyhole", "identity"].contains(&m.path.as_str())));
    // The mount of a deep path, as the official CLI finds it.
    let m = vault().mount_of(&format!("{v2}/a/b/c")).await.unwrap();
    assert_eq!((m.path.as_str(), m.version), (v2.as_str(), KvVersion::V2));
    let m = vault().mount_of(&format!("{v1}/x")).await.unwrap();
    assert_eq!(m.version, KvVersion::V1);
}

#[tokio::test]
async fn lists_nested_folders_on_both_engines() {
    let s = common::server();
    for version in [1u8, 2] {
        let name = s.fresh_mount(version).await;
        for p in ["top", "teams/ml/api", "teams/ml/db", "teams/data/warehouse/creds", "apps/web"] {
            s.write_kv(&name, version, p, json!({"K": "v"})).await;
        }
        let vault = vault();
        let mount = vault.mount_of(&name).await.unwrap();
        assert_eq!(names(&vault.list(&mount, "").await.unwrap()), ["apps/", "teams/", "top"]);
        assert_eq!(names(&vault.list(&mount, "teams").await.unwrap()), ["data/", "ml/"]);
        assert_eq!(names(&vault.list(&mount, "teams/ml/").await.unwrap()), ["api", "db"]);
        assert!(vault.list(&mount, "nope").await.unwrap().is_empty(), "a missing folder is empty");
        assert!(vault.list(&mount, "top").await.unwrap().is_empty(), "a leaf lists as empty");
    }
}

#[tokio::test]
async fn reads_values_exactly_with_versions() {
    let s = common::server();
    let name = s.fresh_mount(2).await;
    s.write_kv(&name, 2, "db", json!({"PASSWORD": "one"})).await;
    s.write_kv(&name, 2, "db", json!({"PASSWORD": "two", "PORT": 5432, "TLS": {"on": true}, "NOTE": "a\nb"}))
        .await;
    let vault = vault();
    let mount = vault.mount_of(&name).await.unwrap();
    let read = vault.read(&mount, "db", None).await.unwrap();
    let v = read.version.unwrap();
    assert_eq!((v.version, v.state), (2, VersionState::Live));
    assert!(v.created_time.starts_with("20"));
    let data = read.data.unwrap();
    assert_eq!(&*data.get("PASSWORD").unwrap().reveal(), "two");
    assert_eq!(data.get("PORT").unwrap().json_text(), "5432");
    assert_eq!(data.get("TLS").unwrap().json_text(), r#"{"on":true}"#);
    assert_eq!(&*data.get("NOTE").unwrap().reveal(), "a\nb");
    let old = vault.read(&mount, "db", Some(1)).await.unwrap();
    assert_eq!(&*old.data.unwrap().get("PASSWORD").unwrap().reveal(), "one");

    // A soft-deleted latest version reads as "deleted", not as an error or as data.
    let (st, _) = s.request(reqwest::Method::DELETE, &format!("{name}/data/db"), None).await;
    assert!(st.is_success());
    let deleted = vault.read(&mount, "db", None).await.unwrap();
    assert!(deleted.data.is_none());
    assert_eq!(deleted.version.unwrap().state, VersionState::Deleted);
    assert!(matches!(vault.read(&mount, "missing", None).await, Err(VaultError::NotFound { .. })));

    let v1 = s.fresh_mount(1).await;
    s.write_kv(&v1, 1, "legacy", json!({"A": "x", "N": 1})).await;
    let m1 = vault.mount_of(&v1).await.unwrap();
    let r = vault.read(&m1, "legacy", None).await.unwrap();
    assert!(r.version.is_none());
    assert_eq!(r.data.unwrap().keys().collect::<Vec<_>>(), ["A", "N"]);
}

#[tokio::test]
async fn odd_characters_in_names_round_trip() {
    let s = common::server();
    let odd = ["with space", "ünïcødé", "100%", "hash#tag", "what?", "a+b=c&d", "semi;colon"];
    for version in [1u8, 2] {
        let name = s.fresh_mount(version).await;
        for o in odd {
            s.write_kv(&name, version, &format!("dir {o}/{o}"), json!({"K": o})).await;
        }
        let vault = vault();
        let mount = vault.mount_of(&name).await.unwrap();
        let top = vault.list(&mount, "").await.unwrap();
        assert_eq!(top.len(), odd.len());
        for o in odd {
            let folder = format!("dir {o}");
            let inner = vault.list(&mount, &folder).await.unwrap();
            assert_eq!(names(&inner), [o.to_string()], "listing {folder:?} on v{version}");
            let read = vault.read(&mount, &format!("{folder}/{o}"), None).await.unwrap();
            assert_eq!(&*read.data.unwrap().get("K").unwrap().reveal(), o);
        }
    }
}

#[tokio::test]
async fn a_token_without_rights_gets_a_plain_403() {
    let s = common::server();
    let name = s.fresh_mount(2).await;
    s.write_kv(&name, 2, "team/secret", json!({"K": "v"})).await;
    s.put_policy(
        &format!("{name}-list"),
        &format!("path \"{name}/metadata/*\" {{ capabilities = [\"list\"] }}"),
    )
    .await;
    let token = s.token_with_policies(&[&format!("{name}-list")]).await;
    let limited = Vault::connect(&s.addr, &token).unwrap();
    // It may not list mounts with sys/mounts, but the UI endpoint shows what it can reach.
    let mounts = limited.discover(std::slice::from_ref(&name)).await.unwrap();
    let mount = mounts.iter().find(|m| m.path == name).unwrap().clone();
    assert_eq!(mount.version, KvVersion::V2);
    assert_eq!(names(&limited.list(&mount, "team").await.unwrap()), ["secret"]);
    let err = limited.read(&mount, "team/secret", None).await.unwrap_err();
    assert!(matches!(err, VaultError::Forbidden { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("permission denied") && msg.contains(&format!("{name}/team/secret")), "{msg}");
    let bogus = Vault::connect(&s.addr, "not-a-token").unwrap();
    assert!(matches!(bogus.identity().await, Err(VaultError::Forbidden { .. })));
}

#[tokio::test]
async fn sealed_server_says_so() {
    let sealed = common::sealed_server().await;
    let vault = Vault::connect(sealed.addr(), sealed.root_token()).unwrap();
    assert!(vault.is_sealed().await.unwrap());
    let err = vault.mounts().await.unwrap_err();
    assert_eq!(err, VaultError::Sealed);
    assert!(err.to_string().contains("sealed"));
    sealed.stop().await;
}

#[tokio::test]
async fn stopped_server_is_unreachable_with_a_clear_message() {
    let addr = common::stopped_addr();
    let vault = Vault::connect(&addr, "t").unwrap();
    let err = vault.mounts().await.unwrap_err();
    assert!(matches!(err, VaultError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains(&addr), "{err}");
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // A listener that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let env: HashMap<&str, String> = HashMap::from([
        ("VAULT_ADDR", addr.clone()),
        ("VAULT_TOKEN", "t".into()),
        ("VAULT_CLIENT_TIMEOUT", "300ms".into()),
    ]);
    let settings = ConnectSettings::resolve(&ConnectArgs::default(), &|k| env.get(k).cloned(), None).unwrap();
    let vault = Vault::new(settings.build_client().unwrap());
    let err = vault.mounts().await.unwrap_err();
    assert!(matches!(err, VaultError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("did not answer"), "{err}");
    hold.abort();
}

#[tokio::test]
async fn start_paths_resolve_to_mount_folder_or_secret() {
    let s = common::server();
    let name = s.fresh_mount(2).await;
    s.write_kv(&name, 2, "apps/web/db", json!({"K": "v"})).await;
    let vault = vault();
    let t = resolve(&vault, &name).await.unwrap();
    assert_eq!((t.path.as_str(), t.is_secret), ("", false));
    let t = resolve(&vault, &format!("{name}/apps/web")).await.unwrap();
    assert_eq!((t.path.as_str(), t.is_secret), ("apps/web", false));
    let t = resolve(&vault, &format!("{name}/apps/web/db")).await.unwrap();
    assert_eq!((t.path.as_str(), t.is_secret), ("apps/web/db", true));
    assert!(matches!(
        resolve(&vault, &format!("{name}/nothing/here")).await,
        Err(VaultError::NotFound { .. })
    ));
}

#[tokio::test]
async fn identity_of_the_token() {
    let id = vault().identity().await.unwrap();
    assert!(!id.display_name.is_empty());
}

#[tokio::test]
async fn a_key_only_start_path_opens_without_reading_its_data() {
    let s = common::server();
    let name = s.fresh_mount(2).await;
    s.write_kv(&name, 2, "team/hf", json!({"HF_TOKEN": "v"})).await;
    let vault = vault();
    let mount = vault.mount_of(&name).await.unwrap();
    let store = sesame::vault::annotations::AnnotationStore::new(vault.clone());
    sesame::vault::modes::Modes::new(store)
        .set_mode(&mount, "team/hf", sesame::vault::modes::Mode::KeyOnly)
        .await
        .unwrap();
    // A token that may read the metadata but not the data, as the sesame-modes policy leaves a non-admin.
    s.put_policy(
        &format!("{name}-meta"),
        &format!("path \"{name}/metadata/*\" {{ capabilities = [\"read\", \"list\"] }}\npath \"{name}/data/*\" {{ capabilities = [\"deny\"] }}"),
    )
    .await;
    let token = s.token_with_policies(&[&format!("{name}-meta")]).await;
    let limited = Vault::connect(&s.addr, &token).unwrap();
    let t = resolve(&limited, &format!("{name}/team/hf")).await.unwrap();
    assert_eq!((t.path.as_str(), t.is_secret), ("team/hf", true));
}
