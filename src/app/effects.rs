//! Runs the app's [`Effect`]s as tokio tasks and sends the answers back as [`Msg`]s.
//!
//! Nothing here touches the terminal; the UI task only ever waits on a channel.

use tokio::sync::mpsc::UnboundedSender;

use super::{Effect, Msg, PreviewData, StartTarget};
use crate::secret::SecretData;
use crate::vault::annotations::AnnotationStore;
use crate::vault::kv::{Mount, SecretRead};
use crate::vault::modes::Modes;
use crate::vault::write::Expected;
use crate::vault::{Vault, VaultError};

/// Entries sent per message, so the first rows of a huge folder show before the rest is laid out.
pub const LIST_CHUNK: usize = 2_000;

/// Spawns the work of one effect; the answer arrives on `tx`.
pub fn spawn(vault: &Vault, given_mounts: &[String], cmd: Effect, tx: &UnboundedSender<Msg>) {
    let vault = vault.clone();
    let tx = tx.clone();
    let given = given_mounts.to_vec();
    tokio::spawn(async move {
        run(&vault, &given, cmd, &tx).await;
    });
}

/// Builds the finder's index of every KV mount (or of the mounts given on the command line), forwarding its
/// events until the build finishes, the app asks it to stop, or the app is gone.
async fn build_index(vault: &Vault, given: &[String], req: u64, tx: &UnboundedSender<Msg>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let mounts = match vault.discover(given).await {
        Ok(m) => m,
        Err(e) => {
            let _ = tx.send(Msg::IndexFailed { req, error: format!("cannot list the KV mounts: {e}") });
            return;
        }
    };
    let roots = mounts.into_iter().map(crate::find::Root::mount).collect();
    let mut build = crate::find::spawn(vault.clone(), roots, crate::find::BuildOptions::default());
    let stop = Arc::new(AtomicBool::new(false));
    if tx.send(Msg::IndexStarted { req, progress: build.progress.clone(), stop: stop.clone() }).is_err() {
        return;
    }
    while let Some(event) = build.events.recv().await {
        // Dropping `build` stops it.
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let finished = matches!(event, crate::find::BuildEvent::Finished { .. });
        if tx.send(Msg::IndexEvent { req, event }).is_err() || finished {
            return;
        }
    }
}

/// Searches key names (and values when asked) for the finder, sending hits in batches. A newer search makes
/// the app drop this one's answers; the send failing (the app gone) ends it.
#[allow(clippy::too_many_arguments)]
async fn search_contents(
    vault: &Vault,
    req: u64,
    query: &str,
    mode: crate::find::MatchMode,
    keys: bool,
    values: bool,
    secrets: Vec<(Mount, String)>,
    tx: &UnboundedSender<Msg>,
) {
    use crate::find::contents::{self, DEFAULT_CONCURRENCY, ValueQuery};
    let prepared = crate::find::Query::new(query, mode).and_then(|q| {
        let v = if values { Some(ValueQuery::new(query, mode)?) } else { None };
        Ok((q, v))
    });
    let (q, value_query) = match prepared {
        Ok(x) => x,
        Err(e) => {
            let _ = tx.send(Msg::ContentDone { req, result: Err(e) });
            return;
        }
    };
    let sender = tx.clone();
    let result =
        contents::search(vault, secrets, &q, keys, value_query.as_ref(), DEFAULT_CONCURRENCY, |hit| {
            let _ = sender.send(Msg::ContentHits { req, hits: vec![hit] });
        })
        .await
        .map_err(|e| e.to_string());
    let _ = tx.send(Msg::ContentDone { req, result });
}

/// Reads again the two values of `key` in the comparison's secret `index` (at the versions compared).
async fn reveal_pair(
    vault: &Vault,
    c: &crate::compare::Comparison,
    index: usize,
    key: &str,
) -> Result<super::compare_view::Pair, String> {
    let s = c.secrets.get(index).ok_or("no such secret in the comparison")?;
    let (pa, pb) = (c.a.secret_path(&s.rel), c.b.secret_path(&s.rel));
    let (ra, rb) =
        tokio::join!(vault.read(&c.a.mount, &pa, s.versions.0), vault.read(&c.b.mount, &pb, s.versions.1));
    let value =
        |r: Result<SecretRead, VaultError>, side: &str| -> Result<zeroize::Zeroizing<String>, String> {
            r.map_err(|e| format!("cannot read {side}: {e}"))?
                .data
                .and_then(|d| d.get(key).map(crate::secret::SecretValue::reveal))
                .ok_or_else(|| format!("{side} has no key {key} any more"))
        };
    Ok(super::compare_view::Pair {
        rel: s.rel.clone(),
        key: key.to_string(),
        a: value(ra, "A")?,
        b: value(rb, "B")?,
    })
}

/// Spawns the work of the effects one update returned, each as its own task.
pub fn spawn_batch(vault: &Vault, given_mounts: &[String], cmds: Vec<Effect>, tx: &UnboundedSender<Msg>) {
    for cmd in cmds {
        spawn(vault, given_mounts, cmd, tx);
    }
}

/// Opens a secret with one read of its annotations, used both for the key-only check and for the view: the
/// secret's answer first (or its recorded key names when it is key-only: its values are never read), so the
/// annotations and whether this token administers it reach the view it built.
async fn open_secret(
    vault: &Vault,
    req: u64,
    mount: Mount,
    path: String,
    version: Option<u64>,
    tx: &UnboundedSender<Msg>,
) {
    use crate::vault::modes::{Mode, ModeRecord};
    let store = AnnotationStore::new(vault.clone());
    let annotations = store.get(&mount, &path).await;
    // As `modes::key_only`: unreadable annotations count as no mode.
    let key_only = annotations
        .as_ref()
        .ok()
        .and_then(|a| ModeRecord::from_annotations(a).ok())
        .filter(|r| r.mode == Mode::KeyOnly);
    let modes = Modes::new(store);
    let secret = async {
        match key_only {
            // A key-only secret's values are never read: its recorded key names stand in for them.
            Some(record) => Msg::KeyOnly { req, record },
            None => Msg::Secret { req, result: vault.read(&mount, &path, version).await },
        }
    };
    let (secret, admin) = futures::join!(secret, modes.is_admin_for(&mount, &path));
    let _ = tx.send(secret);
    let _ = tx.send(Msg::Annotations { req, result: annotations });
    let _ = tx.send(Msg::Admin { req, admin });
}

/// Does the work of one effect, sending one or more messages.
pub async fn run(vault: &Vault, given_mounts: &[String], cmd: Effect, tx: &UnboundedSender<Msg>) {
    // A closed channel means the UI is gone: nothing to do with the answer.
    match cmd {
        Effect::LoadMounts => {
            let _ = tx.send(Msg::Mounts(vault.discover(given_mounts).await));
        }
        Effect::LoadIdentity => {
            let _ = tx.send(Msg::Identity(vault.identity().await));
        }
        Effect::List { req, mount, folder } => match vault.list(&mount, &folder).await {
            Ok(entries) => {
                if entries.len() <= LIST_CHUNK {
                    let _ = tx.send(Msg::Listed { req, result: Ok(entries), done: true });
                } else {
                    let total = entries.len();
                    let mut sent = 0;
                    let mut it = entries.into_iter();
                    while sent < total {
                        let chunk: Vec<_> = it.by_ref().take(LIST_CHUNK).collect();
                        sent += chunk.len();
                        if tx.send(Msg::Listed { req, result: Ok(chunk), done: sent >= total }).is_err() {
                            return;
                        }
                        tokio::task::yield_now().await;
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::Listed { req, result: Err(e), done: true });
            }
        },
        Effect::Read { req, mount, path, version } => {
            // A key-only secret's values are never read: its recorded key names stand in for them.
            let store = AnnotationStore::new(vault.clone());
            if let Some(record) = crate::vault::modes::key_only(&store, &mount, &path).await {
                let _ = tx.send(Msg::KeyOnly { req, record });
                return;
            }
            let _ = tx.send(Msg::Secret { req, result: vault.read(&mount, &path, version).await });
        }
        Effect::Policy(c) => super::policy_effects::run(vault, c, tx).await,
        Effect::SetMode { req, mount, path, mode } => {
            let modes = Modes::new(AnnotationStore::new(vault.clone()));
            let result = modes.set_mode(&mount, &path, mode).await.map_err(|e| e.to_string());
            let _ = tx.send(Msg::ModeSet { req, path: format!("{}/{path}", mount.path), result });
        }
        Effect::LoadHistory { req, mount, path } => {
            let result = vault.metadata(&mount, &path).await.map(|m| {
                let mut versions = m.versions;
                versions.reverse();
                (versions, m.current_version)
            });
            let _ = tx.send(Msg::History { req, result });
        }
        Effect::DiffVersions { req, mount, path, a, b } => {
            let store = AnnotationStore::new(vault.clone());
            if crate::vault::modes::key_only(&store, &mount, &path).await.is_some() {
                let err = VaultError::Invalid(
                    "key-only: sesame never reads its values, so it cannot compare versions".into(),
                );
                let _ = tx.send(Msg::Diff { req, a, b, result: Err(err), values: Vec::new() });
                return;
            }
            let mut values = Vec::new();
            let result = async {
                let old = vault.read(&mount, &path, Some(a)).await?.data.unwrap_or_default();
                let new = vault.read(&mount, &path, Some(b)).await?.data.unwrap_or_default();
                let diff = crate::secret::diff::masked_diff(&old, &new);
                // The values of the keys that differ, kept masked until the user reveals them.
                for k in diff.added.iter().chain(&diff.removed).chain(&diff.changed) {
                    values.push((k.clone(), old.get(k).cloned(), new.get(k).cloned()));
                }
                Ok(diff)
            }
            .await;
            let _ = tx.send(Msg::Diff { req, a, b, result, values });
        }
        Effect::VersionOp { req, mount, path, op, current } => {
            use super::history::VersionOp;
            let result = match op {
                VersionOp::Rollback(v) => vault
                    .rollback(&mount, &path, v, Some(current))
                    .await
                    .map(|new| format!("rolled back to version {v}: the current version is now {new}")),
                VersionOp::Undelete(v) => {
                    vault.undelete(&mount, &path, &[v]).await.map(|()| format!("version {v} undeleted"))
                }
                VersionOp::Delete(v) => vault
                    .delete_secret(&mount, &path, &crate::vault::write::DeleteMode::Versions(vec![v]))
                    .await
                    .map(|()| format!("version {v} deleted (u undeletes it)")),
                VersionOp::Destroy(v) => {
                    vault.destroy(&mount, &path, &[v]).await.map(|()| format!("version {v} destroyed"))
                }
            };
            let _ = tx.send(Msg::VersionDone { req, result });
        }
        Effect::Preview { req, mount, path, is_folder } => {
            let result = if is_folder {
                vault.list(&mount, &path).await.map(PreviewData::Folder)
            } else {
                let store = AnnotationStore::new(vault.clone());
                match crate::vault::modes::key_only(&store, &mount, &path).await {
                    // Key-only: the recorded key names, no read of the data.
                    Some(record) => Ok(PreviewData::Keys { keys: record.keys, version: None }),
                    // Only the key names leave this task; the values are dropped (and zeroized) here.
                    None => vault.read(&mount, &path, None).await.map(|r: SecretRead| PreviewData::Keys {
                        keys: r.data.map(|d| d.keys().map(str::to_string).collect()).unwrap_or_default(),
                        version: r.version,
                    }),
                }
            };
            let _ = tx.send(Msg::Preview { req, result });
        }
        Effect::Resolve { path } => {
            let _ = tx.send(Msg::Resolved(resolve(vault, &path).await));
        }
        Effect::Ops(c) => super::ops_effects::run(vault, c, tx).await,
        Effect::Audit(c) => super::audit_effects::run(vault, c, tx).await,
        Effect::Copy(_) => {
            // The terminal side copies: it owns the clipboard and the terminal writer.
        }
        Effect::LoadFile { req, row, path } => {
            let result = tokio::task::spawn_blocking(move || super::editor::load_file(&path))
                .await
                .unwrap_or_else(|e| Err(format!("the file could not be read: {e}")));
            let _ = tx.send(Msg::FileLoaded { req, row, result });
        }
        Effect::BuildIndex { req } => build_index(vault, given_mounts, req, tx).await,
        Effect::LoadPlaces { req, scopes } => {
            let result = async {
                let user = crate::scopes::username(vault, &scopes).await?;
                let (mount, root) = vault.locate(&scopes.projects).await?;
                let root = root.trim_matches('/').to_string();
                let listed = vault.list(&mount, &root).await.unwrap_or_default();
                let mut mine = Vec::new();
                for e in listed.into_iter().filter(|e| e.is_folder) {
                    let folder = if root.is_empty() { e.name.clone() } else { format!("{root}/{}", e.name) };
                    if vault.list(&mount, &folder).await.is_ok() {
                        mine.push(e.name.trim_end_matches('/').to_string());
                    }
                }
                Ok::<_, VaultError>((user, mine))
            }
            .await
            .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Places { req, result });
        }
        Effect::Share { req, full, project, user, scopes } => {
            let result = match &project {
                Some(p) => crate::scopes::share(vault, &scopes, &user, &full, p, false)
                    .await
                    .map(|dst| format!("shared: moved to {dst} (verified): the members of {p} can read it")),
                None => crate::scopes::unshare(vault, &scopes, &user, &full)
                    .await
                    .map(|dst| format!("made private: moved to {dst} (verified): only you can read it")),
            }
            .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Shared { req, result });
        }
        Effect::SaveBookmarks { bookmarks } => {
            let result = tokio::task::spawn_blocking(move || {
                let path = crate::config::bookmarks_path().ok_or("no config directory")?;
                if let Some(dir) = path.parent() {
                    crate::fsutil::create_private_dir(dir).map_err(|e| e.to_string())?;
                }
                let mut text = bookmarks.join("\n");
                text.push('\n');
                crate::fsutil::write_private(&path, text.as_bytes())
                    .map_err(|e| format!("{}: {e}", path.display()))
            })
            .await;
            if let Ok(Err(e)) = result {
                let _ = tx.send(Msg::Problem(format!("cannot keep the bookmarks: {e}")));
            }
        }
        Effect::Login { req, settings, name, secret } => {
            use crate::config::LoginMethod;
            use crate::vault::login::Credentials;
            let creds = match settings.method {
                LoginMethod::Approle | LoginMethod::Jwt => {
                    // The file named in the form, else the method's environment variable.
                    let (method, file) = (settings.method, std::path::PathBuf::from(secret.0.trim()));
                    let read = tokio::task::spawn_blocking(move || {
                        crate::vault::login::machine_secret(method, Some(&file))
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("the secret could not be read: {e}")));
                    read.map(|value| {
                        if method == LoginMethod::Approle {
                            Credentials::Approle { role_id: name.clone(), secret_id: value }
                        } else {
                            Credentials::Jwt { role: name.clone(), jwt: value }
                        }
                    })
                }
                LoginMethod::Cert => Ok(Credentials::Cert { name: name.clone() }),
                LoginMethod::Oidc => {
                    // The browser flow: the URL goes to the form at once, the answer when the browser is back.
                    let listen = if secret.0.trim().is_empty() {
                        crate::vault::login::DEFAULT_OIDC_CALLBACK.to_string()
                    } else {
                        secret.0.trim().to_string()
                    };
                    let role = (!name.is_empty()).then_some(name.as_str());
                    let url_tx = tx.clone();
                    let result = crate::vault::login::oidc_login(
                        vault,
                        &settings.mount,
                        role,
                        &listen,
                        std::time::Duration::from_secs(300),
                        move |url| {
                            let _ = url_tx.send(Msg::LoginUrl { req, url: url.to_string() });
                        },
                    )
                    .await
                    .map(|info| {
                        let summary = format!("oidc · policies {}", info.policies.join(","));
                        (super::login_form::NewToken(info.token), summary)
                    })
                    .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::LoggedIn { req, result });
                    return;
                }
                LoginMethod::Token => {
                    Err("this profile uses a token: set it, then Ctrl-l is not needed".to_string())
                }
                LoginMethod::Userpass => {
                    Ok(Credentials::Userpass { username: name.clone(), password: secret.0.clone() })
                }
            };
            let result = match creds {
                Ok(c) => crate::vault::login::login(vault, &settings.mount, &c)
                    .await
                    .map(|info| {
                        // Kept where the profile says, as `sesame login` keeps it.
                        for path in &settings.keep {
                            if let Err(e) = crate::vault::login::save_token(path, &info.token) {
                                let _ = tx.send(Msg::Problem(format!(
                                    "cannot keep the token in {}: {e}",
                                    path.display()
                                )));
                            }
                        }
                        let summary = format!(
                            "{name} with {} · policies {}",
                            info.method.name(),
                            info.policies.join(",")
                        );
                        (super::login_form::NewToken(info.token), summary)
                    })
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            let _ = tx.send(Msg::LoggedIn { req, result });
        }
        Effect::CheckToken { req } => {
            let refused = match vault.identity().await {
                Ok(_) => None,
                Err(e @ VaultError::Forbidden { .. }) => Some(e.to_string()),
                // Unreachable or sealed: not the token's fault; the error already on screen says so.
                Err(_) => None,
            };
            let _ = tx.send(Msg::TokenChecked { req, refused });
        }
        Effect::UseToken { .. } => {
            // The terminal side swaps its connection's token (it owns the connection).
        }
        Effect::ListNamespaces { req } => {
            let result = vault
                .call_json("LIST", "sys/namespaces", None)
                .await
                .map(|v| {
                    v.pointer("/data/keys")
                        .and_then(serde_json::Value::as_array)
                        .map(|a| a.iter().filter_map(serde_json::Value::as_str).map(str::to_string).collect())
                        .unwrap_or_default()
                })
                .or_else(|e| {
                    if matches!(e, VaultError::NotFound { .. }) { Ok(Vec::new()) } else { Err(e.to_string()) }
                });
            let _ = tx.send(Msg::Namespaces { req, result });
        }
        Effect::SwitchProfile { .. } | Effect::SwitchNamespace { .. } => {
            // The terminal side swaps its connection (it owns it); nothing to do on the network.
        }
        Effect::Compare { req, a, b } => {
            let result = async {
                let (pa, pb) =
                    tokio::try_join!(crate::compare::place(vault, &a), crate::compare::place(vault, &b))?;
                crate::compare::compare(vault, &pa, vault, &pb).await
            }
            .await
            .map(Box::new)
            .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Compared { req, result });
        }
        Effect::RevealPair { req, comparison, index, key } => {
            let pair = reveal_pair(vault, &comparison, index, &key).await;
            let _ = tx.send(Msg::PairRevealed { req, pair });
        }
        Effect::Promote { req, comparison, steps } => {
            let results = crate::compare::promote(vault, vault, &comparison, &steps).await;
            let _ = tx.send(Msg::Promoted { req, results });
        }
        Effect::SearchContents { req, query, mode, keys, values, secrets, stop } => {
            tokio::select! {
                () = search_contents(vault, req, &query, mode, keys, values, secrets, tx) => {}
                () = stop.stopped() => {}
            }
        }
        Effect::CompletePath { req, typed } => {
            let asked = typed.clone();
            let (completed, options) =
                tokio::task::spawn_blocking(move || super::editor::complete_path(&asked))
                    .await
                    .unwrap_or_else(|_| (typed.clone(), Vec::new()));
            let _ = tx.send(Msg::Completed { req, typed, completed, options });
        }
        Effect::OpenSecret { req, mount, path, version } => {
            open_secret(vault, req, mount, path, version, tx).await;
        }
        Effect::ToggleInject { req, mount, path } => {
            let store = AnnotationStore::new(vault.clone());
            let result = async {
                let current = store.get(&mount, &path).await?;
                let on = !crate::snippet::is_injected(&current);
                let mut changes = crate::vault::annotations::Changes::new();
                changes.insert(crate::snippet::INJECT_ANNOTATION.to_string(), on.then(|| "true".to_string()));
                store.set(&mount, &path, &changes).await?;
                Ok(on)
            }
            .await;
            let _ = tx.send(Msg::InjectSet { req, path: format!("{}/{path}", mount.path), result });
        }
        Effect::Write { req, mount, path, data, base, force, encodings } => {
            let result = write(vault, &mount, &path, &data, base.as_ref(), force, &encodings).await;
            let _ = tx.send(Msg::Written { req, result });
        }
        Effect::LoadTypes { req, mount, folder, names } => {
            let loaded = super::forms_effects::load_types_and_marks(vault, &mount, &folder, names).await;
            let mut types = Vec::with_capacity(loaded.len());
            let mut marks = Vec::new();
            for (name, ty, m) in loaded {
                if let Some(m) = m {
                    marks.push((name.clone(), m));
                }
                types.push((name, ty));
            }
            let key = format!("{}/{folder}", mount.path);
            let _ = tx.send(Msg::Types { req, mount: mount.path, folder, types });
            let _ = tx.send(Msg::Marks { folder_key: key, marks });
        }
        Effect::SetType { req, mount, path, ty } => {
            let result = super::forms_effects::set_type(vault, &mount, &path, ty).await;
            let _ = tx.send(Msg::TypeSet { req, path: format!("{}/{path}", mount.path), ty, result });
        }
        Effect::ReadTheirs { req, mount, path } => {
            let _ = tx.send(Msg::Theirs { req, result: vault.read(&mount, &path, None).await });
        }
        Effect::MakeFolder { req, mount, path } => {
            let result = vault.make_folder(&mount, &path).await;
            let _ = tx.send(Msg::FolderMade { req, result });
        }
    }
}

/// Resolves a start path to a mount and a folder or secret.
pub async fn resolve(vault: &Vault, path: &str) -> Result<StartTarget, VaultError> {
    let wants_folder = path.ends_with('/');
    let trimmed = path.trim_matches('/');
    let mount = vault.mount_of(trimmed).await?;
    let rest = trimmed.strip_prefix(mount.path.as_str()).unwrap_or("").trim_matches('/').to_string();
    if rest.is_empty() {
        return Ok(StartTarget { mount, path: rest, is_secret: false });
    }
    if !wants_folder {
        // A key-only secret is recognised from its annotations: its data is never read.
        let store = crate::vault::annotations::AnnotationStore::new(vault.clone());
        if crate::vault::modes::key_only(&store, &mount, &rest).await.is_some() {
            return Ok(StartTarget { mount, path: rest, is_secret: true });
        }
        match vault.read(&mount, &rest, None).await {
            Ok(_) => return Ok(StartTarget { mount, path: rest, is_secret: true }),
            Err(VaultError::NotFound { .. }) => {}
            Err(e @ VaultError::Forbidden { .. }) => {
                // Maybe a folder we may list but not read as a secret.
                if vault.list(&mount, &rest).await.map(|l| l.is_empty()).unwrap_or(true) {
                    return Err(e);
                }
                return Ok(StartTarget { mount, path: rest, is_secret: false });
            }
            Err(e) => return Err(e),
        }
    }
    let entries = vault.list(&mount, &rest).await?;
    if entries.is_empty() {
        return Err(VaultError::NotFound { path: format!("{}/{}", mount.path, rest) });
    }
    Ok(StartTarget { mount, path: rest, is_secret: false })
}

/// Writes a secret with check-and-set against `base` (`None`: create only) unless `force`, then records the
/// encodings of values loaded from binary files as annotations ([`Vault::save`]).
pub async fn write(
    vault: &Vault,
    mount: &Mount,
    path: &str,
    data: &SecretData,
    base: Option<&SecretRead>,
    force: bool,
    encodings: &[(String, String)],
) -> Result<Option<u64>, VaultError> {
    let loaded: Vec<_> =
        encodings.iter().map(|(k, e)| (k.clone(), crate::secret::file::Encoding::from_record(e))).collect();
    let before = base.and_then(|b| b.data.as_ref());
    let expected = Expected::for_save(base, force);
    Ok(vault.save(mount, path, data, &expected, before, &loaded).await?.into_result()?.version)
}
