//! Annotations over real HTTP against OpenBao: KV v2 custom_metadata (other tools' keys survive, limits), the
//! KV v1 registry (cache, compare-before-write under concurrent writers), and copies across engines.

mod common;

use common::vault;

use reqwest::Method;
use serde_json::json;

use sesame::vault::annotations::{AnnotationStore, Annotations, Changes, MAX_KEYS, REGISTRY_PATH};
use sesame::vault::{Mount, VaultError};

fn set(pairs: &[(&str, Option<&str>)]) -> Changes {
    pairs.iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect()
}

fn ann(pairs: &[(&str, &str)]) -> Annotations {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn custom_metadata(mount: &Mount, path: &str) -> serde_json::Value {
    let (status, body) =
        common::server().request(Method::GET, &format!("{}/metadata/{path}", mount.path), None).await;
    assert!(status.is_success(), "{status} {body}");
    body["data"]["custom_metadata"].clone()
}

#[tokio::test]
async fn v2_merges_with_other_tools_keys() {
    let s = common::server();
    let m = common::kv_mount(2).await;
    s.write_kv(&m.path, 2, "apps/db", json!({"PASSWORD": "x"})).await;
    // Another tool's key, written before sesame touches the secret.
    let (st, body) = s
        .request(
            Method::POST,
            &format!("{}/metadata/apps/db", m.path),
            Some(json!({"custom_metadata": {"owner": "ops"}})),
        )
        .await;
    assert!(st.is_success(), "{st} {body}");
    let store = AnnotationStore::new(vault());
    assert_eq!(store.get(&m, "apps/db").await.unwrap(), Annotations::new());

    let now = store
        .set(&m, "apps/db", &set(&[("type", Some("kubernetes.io/ssh-auth")), ("mode", Some("ro"))]))
        .await;
    assert_eq!(now.unwrap(), ann(&[("mode", "ro"), ("type", "kubernetes.io/ssh-auth")]));
    assert_eq!(
        custom_metadata(&m, "apps/db").await,
        json!({"owner": "ops", "sesame.type": "kubernetes.io/ssh-auth", "sesame.mode": "ro"})
    );

    // Removing one name keeps the others, and the other tool's key.
    store.set(&m, "apps/db", &set(&[("mode", None)])).await.unwrap();
    assert_eq!(
        custom_metadata(&m, "apps/db").await,
        json!({"owner": "ops", "sesame.type": "kubernetes.io/ssh-auth"})
    );
    assert_eq!(store.get(&m, "apps/db").await.unwrap(), ann(&[("type", "kubernetes.io/ssh-auth")]));

    // The other tool changes its key meanwhile: sesame's next change does not undo it.
    // (POST replaces the whole map: the other tool writes back sesame's key as it found it.)
    let (st, _) = s
        .request(
            Method::POST,
            &format!("{}/metadata/apps/db", m.path),
            Some(json!({"custom_metadata": {"owner": "dev", "sesame.type": "kubernetes.io/ssh-auth"}})),
        )
        .await;
    assert!(st.is_success());
    store.set(&m, "apps/db", &set(&[("inject", Some("true"))])).await.unwrap();
    assert_eq!(
        custom_metadata(&m, "apps/db").await,
        json!({"owner": "dev", "sesame.type": "kubernetes.io/ssh-auth", "sesame.inject": "true"})
    );

    // remove() drops sesame's keys only.
    store.remove(&m, "apps/db").await.unwrap();
    assert_eq!(custom_metadata(&m, "apps/db").await, json!({"owner": "dev"}));
    store.remove(&m, "apps/db").await.unwrap();
    store.remove(&m, "never/written").await.unwrap();
}

#[tokio::test]
async fn v2_limits_are_explained() {
    let s = common::server();
    let m = common::kv_mount(2).await;
    s.write_kv(&m.path, 2, "full", json!({"K": "v"})).await;
    let others: serde_json::Map<String, serde_json::Value> =
        (0..MAX_KEYS - 1).map(|i| (format!("tool.k{i}"), json!("v"))).collect();
    let (st, body) = s
        .request(Method::POST, &format!("{}/metadata/full", m.path), Some(json!({"custom_metadata": others})))
        .await;
    assert!(st.is_success(), "{st} {body}");
    let store = AnnotationStore::new(vault());
    // One more key fits exactly…
    store.set(&m, "full", &set(&[("type", Some("Opaque"))])).await.unwrap();
    // …a second does not, and the message says why and who holds the rest.
    let e = store.set(&m, "full", &set(&[("mode", Some("ro"))])).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, VaultError::Invalid(_)), "{e:?}");
    assert!(msg.contains("65") && msg.contains("64") && msg.contains("63"), "{msg}");
    // Replacing a value needs no new key.
    store.set(&m, "full", &set(&[("type", Some("kubernetes.io/dockerconfigjson"))])).await.unwrap();

    let long_name = "n".repeat(130);
    let e = store.set(&m, "full", &set(&[(long_name.as_str(), Some("x"))])).await.unwrap_err();
    assert!(e.to_string().contains("128"), "{e}");
    let long_value = "v".repeat(513);
    let e = store.set(&m, "full", &set(&[("type", Some(long_value.as_str()))])).await.unwrap_err();
    assert!(e.to_string().contains("512"), "{e}");
    assert_eq!(custom_metadata(&m, "full").await.as_object().unwrap().len(), MAX_KEYS);

    // A path with no secret is not silently created.
    let e = store.set(&m, "ghost", &set(&[("type", Some("Opaque"))])).await.unwrap_err();
    assert!(matches!(e, VaultError::NotFound { .. }), "{e:?}");
    let (st, _) = s.request(Method::GET, &format!("{}/metadata/ghost", m.path), None).await;
    assert_eq!(st.as_u16(), 404);
}

#[tokio::test]
async fn v2_all_and_forbidden_metadata() {
    let s = common::server();
    let m = common::kv_mount(2).await;
    for p in ["a", "b/c", "b/d", "plain"] {
        s.write_kv(&m.path, 2, p, json!({"K": "v"})).await;
    }
    let store = AnnotationStore::new(vault());
    store.set(&m, "a", &set(&[("type", Some("Opaque"))])).await.unwrap();
    store.set(&m, "b/d", &set(&[("type", Some("kubernetes.io/ssh-auth"))])).await.unwrap();
    let all = store.all(&m).await.unwrap();
    assert_eq!(all.keys().collect::<Vec<_>>(), ["a", "b/d"]);
    assert_eq!(all["b/d"], ann(&[("type", "kubernetes.io/ssh-auth")]));

    // A token that reads data but not metadata: get() says so plainly.
    let policy = format!("ann-{}", common::random_suffix(6));
    s.put_policy(&policy, &format!("path \"{}/data/*\" {{ capabilities = [\"read\"] }}", m.path)).await;
    let token = s.token_with_policies(&[&policy]).await;
    let limited = AnnotationStore::new(vault().with_token(&token));
    let e = limited.get(&m, "a").await.unwrap_err();
    assert!(matches!(&e, VaultError::Forbidden { path, .. } if path.ends_with("/a")), "{e:?}");
}

#[tokio::test]
async fn v1_registry_is_cached_and_merged() {
    let s = common::server();
    let m = common::kv_mount(1).await;
    s.write_kv(&m.path, 1, "apps/web", json!({"K": "v"})).await;
    s.write_kv(&m.path, 1, "apps/db", json!({"K": "v"})).await;
    let a = AnnotationStore::new(vault());
    assert!(a.get(&m, "apps/web").await.unwrap().is_empty());
    a.set(&m, "apps/web", &set(&[("type", Some("kubernetes.io/dockerconfigjson"))])).await.unwrap();

    // The registry is one hidden secret: path → annotations.
    let (st, body) = s.request(Method::GET, &format!("{}/{REGISTRY_PATH}", m.path), None).await;
    assert!(st.is_success(), "{st} {body}");
    assert_eq!(body["data"], json!({"apps/web": {"type": "kubernetes.io/dockerconfigjson"}}));

    // Another sesame (its own cache, loaded now) and a foreign entry added by hand.
    let b = AnnotationStore::new(vault());
    assert_eq!(b.get(&m, "apps/web").await.unwrap(), ann(&[("type", "kubernetes.io/dockerconfigjson")]));
    let mut reg = body["data"].clone();
    reg["legacy/x"] = json!({"owner": "ops", "n": 3});
    let (st, _) = s.request(Method::POST, &format!("{}/{REGISTRY_PATH}", m.path), Some(reg)).await;
    assert!(st.is_success());

    // a changes after the registry changed under its cache: the change is merged, nothing lost.
    a.set(&m, "apps/db", &set(&[("type", Some("kubernetes.io/ssh-auth"))])).await.unwrap();
    b.set(&m, "apps/web", &set(&[("inject", Some("true"))])).await.unwrap();
    let (_, body) = s.request(Method::GET, &format!("{}/{REGISTRY_PATH}", m.path), None).await;
    assert_eq!(
        body["data"],
        json!({
            "apps/web": {"type": "kubernetes.io/dockerconfigjson", "inject": "true"},
            "apps/db": {"type": "kubernetes.io/ssh-auth"},
            "legacy/x": {"owner": "ops", "n": 3},
        })
    );
    // a's cache is stale for apps/web until refreshed.
    assert_eq!(a.get(&m, "apps/web").await.unwrap().len(), 1);
    a.refresh(Some(&m.path));
    assert_eq!(a.get(&m, "apps/web").await.unwrap().len(), 2);

    let all = a.all(&m).await.unwrap();
    assert_eq!(all.keys().collect::<Vec<_>>(), ["apps/db", "apps/web", "legacy/x"]);
    assert_eq!(all["legacy/x"], ann(&[("owner", "ops")]));

    // Removing everything deletes the registry secret.
    for p in ["apps/web", "apps/db", "legacy/x"] {
        a.remove(&m, p).await.unwrap();
    }
    let (_, body) = s.request(Method::GET, &format!("{}/{REGISTRY_PATH}", m.path), None).await;
    assert_eq!(body["data"], json!({"legacy/x": {"n": 3}}), "non-string values of others are kept");
}

#[tokio::test]
async fn v1_concurrent_writers_lose_nothing() {
    let m = common::kv_mount(1).await;
    let stores: Vec<AnnotationStore> = (0..4).map(|_| AnnotationStore::new(vault())).collect();
    for st in &stores {
        assert!(st.get(&m, "warm").await.unwrap().is_empty());
    }
    let tasks = stores.iter().enumerate().map(|(i, st)| {
        let m = m.clone();
        async move {
            for j in 0..3 {
                let path = format!("s{i}/p{j}");
                st.set(&m, &path, &set(&[("type", Some("Opaque")), ("writer", Some(&i.to_string()))]))
                    .await
                    .unwrap();
            }
        }
    });
    futures::future::join_all(tasks).await;
    let fresh = AnnotationStore::new(vault());
    let all = fresh.all(&m).await.unwrap();
    assert_eq!(all.len(), 12, "{:?}", all.keys().collect::<Vec<_>>());
    for i in 0..4 {
        for j in 0..3 {
            assert_eq!(all[&format!("s{i}/p{j}")]["writer"], i.to_string());
        }
    }
}

#[tokio::test]
async fn copies_and_moves_carry_annotations_across_engines() {
    let s = common::server();
    let (v1, v2) = (common::kv_mount(1).await, common::kv_mount(2).await);
    s.write_kv(&v1.path, 1, "src", json!({"K": "v"})).await;
    s.write_kv(&v2.path, 2, "dst", json!({"K": "v"})).await;
    s.write_kv(&v2.path, 2, "other", json!({"K": "v"})).await;
    s.write_kv(&v1.path, 1, "back", json!({"K": "v"})).await;
    let store = AnnotationStore::new(vault());
    store
        .set(&v1, "src", &set(&[("type", Some("kubernetes.io/ssh-auth")), ("inject", Some("true"))]))
        .await
        .unwrap();
    // The destination has a stale annotation of its own: a copy makes it equal to the source.
    store.set(&v2, "dst", &set(&[("mode", Some("ro"))])).await.unwrap();
    store.copy_annotations(&v1, "src", &v2, "dst").await.unwrap();
    assert_eq!(
        store.get(&v2, "dst").await.unwrap(),
        ann(&[("inject", "true"), ("type", "kubernetes.io/ssh-auth")])
    );
    assert_eq!(store.get(&v1, "src").await.unwrap().len(), 2, "a copy keeps the source's");

    store.move_annotations(&v2, "dst", &v1, "back").await.unwrap();
    assert!(store.get(&v2, "dst").await.unwrap().is_empty());
    assert_eq!(store.get(&v1, "back").await.unwrap().len(), 2);
    // Within one v2 mount too.
    store.move_annotations(&v1, "back", &v2, "other").await.unwrap();
    assert!(store.get(&v1, "back").await.unwrap().is_empty());
    assert_eq!(
        custom_metadata(&v2, "other").await,
        json!({"sesame.inject": "true", "sesame.type": "kubernetes.io/ssh-auth"})
    );
}
