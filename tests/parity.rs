//! One implementation under both front ends: each operation is done once through the TUI (`App::update`, the
//! effects it returns run by the app's effect runner against the real OpenBao, their answers fed back) and once
//! through the CLI (the `sesame` binary), on two fresh mounts of the same KV version, and what the server holds
//! afterwards is compared.

mod common;

use std::collections::BTreeMap;

use sesame::app::{App, Effect, Msg, effects};
use sesame::keymap::Keymap;
use sesame::secret::SecretData;
use sesame::vault::annotations::AnnotationStore;
use sesame::vault::kv::{KvVersion, Mount};
use sesame::vault::write::{PLACEHOLDER, placeholder_data};
use sesame::vault::{Vault, VaultError};

use common::cli::{fails, ok};
use common::ui::{code, enter, key};
use crossterm::event::KeyCode;

/// The TUI with its effects run for real.
struct Tui {
    app: App,
    vault: Vault,
}

impl Tui {
    /// The app started on `start` (`sesame PATH`), once every answer of the start has arrived.
    async fn start(start: &str) -> Self {
        let vault = common::vault();
        let (app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(start.to_string()));
        let mut tui = Self { app, vault };
        tui.app.update(Msg::Resize(120, 40));
        tui.settle(cmds).await;
        tui
    }

    /// Runs `cmds` and everything their answers lead to, until nothing is left to do.
    async fn settle(&mut self, mut cmds: Vec<Effect>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..200 {
            if cmds.is_empty() {
                return;
            }
            for cmd in cmds.drain(..) {
                effects::run(&self.vault, &[], cmd, &tx).await;
            }
            while let Ok(msg) = rx.try_recv() {
                cmds.extend(self.app.update(msg));
            }
        }
        panic!("the app kept asking for more work");
    }

    /// Sends one message (a key press) and settles.
    async fn send(&mut self, msg: Msg) {
        let cmds = self.app.update(msg);
        self.settle(cmds).await;
    }

    /// Types `text` (`\n` is Enter) and settles after each key.
    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(if c == '\n' { enter() } else { key(c) }).await;
        }
    }

    /// Moves the explorer's selection to the row `name`.
    async fn select(&mut self, name: &str) {
        self.send(key('g')).await;
        for _ in 0..100 {
            if self.app.list.selected_entry().map(|e| e.name.as_str()) == Some(name) {
                return;
            }
            self.send(key('j')).await;
        }
        panic!("no row {name} in the list");
    }

    fn message(&self) -> String {
        self.app.message.as_ref().map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

/// Everything a mount holds: each secret (hidden ones and a KV v1 registry included) with its data as JSON
/// and its annotations.
async fn holdings(vault: &Vault, mount: &Mount) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let mut out = BTreeMap::new();
    let mut folders = vec![String::new()];
    let store = AnnotationStore::new(vault.clone());
    while let Some(folder) = folders.pop() {
        for e in vault.list(mount, &folder).await.expect("listing") {
            let path = sesame::vault::join(&folder, &e.name);
            if e.is_folder {
                folders.push(path);
                continue;
            }
            let data = vault.read(mount, &path, None).await.expect("reading").data.unwrap_or_default();
            let annotations = store.get(mount, &path).await.expect("annotations");
            out.insert(path, (data.to_json_compact().to_string(), annotations));
        }
    }
    out
}

async fn fresh(version: u8) -> Mount {
    common::kv_mount(version).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_folder_is_one_operation() {
    let vault = common::vault();
    for version in [1, 2] {
        let (t, c) = (fresh(version).await, fresh(version).await);

        // TUI: N, a name, Enter; a folder inside it; the first one again.
        let mut tui = Tui::start(&format!("{}/", t.path)).await;
        for name in ["proj", "proj/sub"] {
            tui.send(key('N')).await;
            tui.type_text(&format!("{name}\n")).await;
            assert!(tui.message().contains("created folder"), "KV v{version}: {}", tui.message());
        }
        tui.send(key('N')).await;
        tui.type_text("proj\n").await;
        assert!(tui.message().contains("already exists"), "KV v{version}: {}", tui.message());
        tui.send(key('N')).await;
        tui.type_text(" bad\n").await;
        assert!(tui.message().contains("cannot create the folder"), "KV v{version}: {}", tui.message());

        // CLI: the same.
        ok(&["mkdir", &format!("{}/proj", c.path)]);
        ok(&["mkdir", &format!("{}/proj/sub", c.path)]);
        let r = fails(&["mkdir", &format!("{}/proj", c.path)]);
        assert!(r.err.contains("already exists"), "{}", r.err);
        fails(&["mkdir", &format!("{}/ bad", c.path)]);

        let (tm, cm) = (holdings(&vault, &t).await, holdings(&vault, &c).await);
        assert_eq!(tm, cm, "KV v{version}: the TUI and the CLI leave the same folders");
        // One placeholder, in the innermost folder (the parent's was tidied), with the one body.
        let keep = format!("proj/sub/{PLACEHOLDER}");
        assert_eq!(tm.keys().collect::<Vec<_>>(), [&keep], "KV v{version}");
        let kv = if version == 1 { KvVersion::V1 } else { KvVersion::V2 };
        assert_eq!(tm[&keep].0, placeholder_data(kv).to_json_compact().to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_a_value_loaded_from_a_file_records_its_encoding_once() {
    let vault = common::vault();
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = dir.path().join("blob.bin");
    std::fs::write(&bin, [0u8, 1, 2, 0xfa, 0xfb, 0xfc, 0]).expect("writing the binary file");
    let text = dir.path().join("note.txt");
    std::fs::write(&text, "plain text now").expect("writing the text file");
    let (bin, text) = (bin.to_str().expect("utf-8"), text.to_str().expect("utf-8"));
    for version in [1, 2] {
        let (t, c) = (fresh(version).await, fresh(version).await);
        for m in [&t, &c] {
            common::server()
                .write_kv(&m.path, version, "app", serde_json::json!({"BLOB": "old", "NOTE": "hi"}))
                .await;
        }

        // TUI: edit, load the binary file into BLOB, save; then a text file into BLOB, save.
        let mut tui = Tui::start(&format!("{}/", t.path)).await;
        for file in [bin, text] {
            tui.select("app").await;
            tui.send(key('e')).await;
            assert!(tui.app.editor.is_some(), "KV v{version}: the editor opens: {}", tui.message());
            tui.send(key('g')).await;
            tui.send(key('f')).await;
            tui.type_text(&format!("{file}\n")).await;
            tui.send(key('w')).await;
            tui.send(key('y')).await;
            assert!(tui.app.editor.is_none(), "KV v{version}: saved: {}", tui.message());
            assert!(tui.app.secret.is_some(), "KV v{version}: the secret view stays open");
            tui.send(code(KeyCode::Esc)).await;
            if file == bin {
                let tm = holdings(&vault, &t).await;
                let a = &tm["app"].1;
                assert_eq!(
                    a.get("encoding.BLOB").map(String::as_str),
                    Some("base64"),
                    "KV v{version}: {a:?}"
                );
            }
            // CLI: the same file into the same key.
            ok(&["put", &format!("{}/app", c.path), &format!("BLOB=@{file}")]);
            let (tm, cm) = (holdings(&vault, &t).await, holdings(&vault, &c).await);
            assert_eq!(tm, cm, "KV v{version}: the TUI and the CLI save the same data and records");
            if file == text {
                assert!(!tm["app"].1.contains_key("encoding.BLOB"), "KV v{version}: the record is forgotten");
                assert!(tm["app"].0.contains("plain text now"));
            }
        }
    }
}

/// The keys of the `data:` map of a Kubernetes Secret manifest.
fn manifest_keys(yaml: &str) -> Vec<String> {
    yaml.lines()
        .skip_while(|l| *l != "data:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.trim_start().split_once(':').map(|(k, _)| k.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ssh_private_key_stays_out_of_every_snippet() {
    let vault = common::vault();
    let m = fresh(2).await;
    let s = common::server();
    let key_data = serde_json::json!({"ssh-privatekey": "PRIVATE", "known_hosts": "h ssh-ed25519 AAAA"});
    // Typed by its keys, typed by its annotation, and an Opaque annotation that wins over the keys.
    for name in ["by-keys", "by-annotation", "opaque"] {
        s.write_kv(&m.path, 2, name, key_data.clone()).await;
    }
    s.write_kv(&m.path, 2, "by-annotation", serde_json::json!({"ssh-privatekey": "PRIVATE", "USER": "git"}))
        .await;
    let store = AnnotationStore::new(vault.clone());
    for (name, ty) in [("by-annotation", "kubernetes.io/ssh-auth"), ("opaque", "Opaque")] {
        let mut c = sesame::vault::annotations::Changes::new();
        c.insert("type".to_string(), Some(ty.to_string()));
        store.set(&m, name, &c).await.expect("annotating");
    }
    let expected = [("by-keys", false), ("by-annotation", false), ("opaque", true)];

    let mut tui = Tui::start(&format!("{}/", m.path)).await;
    for (name, private_shown) in expected {
        let cli = ok(&["snippet", &format!("{}/{name}", m.path), "--format", "k8s", "--reveal"]);
        let mut cli_keys = manifest_keys(&cli.out);
        cli_keys.sort();
        assert_eq!(cli_keys.contains(&"ssh-privatekey".to_string()), private_shown, "{name}: {}", cli.out);
        assert_eq!(cli.out.contains("UFJJVkFURQ=="), private_shown, "{name}: the value itself");
        if !private_shown {
            let copy =
                fails(&["copy", &format!("{}/{name}", m.path), "--key", "ssh-privatekey", "--via", "off"]);
            assert!(copy.err.contains("never leaves sesame"), "{name}: {}", copy.err);
        }

        // u in the explorer (the chooser opens once the secret is read, over its secret view), then u in that
        // secret view.
        tui.select(name).await;
        tui.send(key('u')).await;
        let from_explorer = tui.app.chooser().cloned().expect("the chooser opens from the explorer");
        assert!(tui.app.secret.is_some(), "{name}: the secret view is open");
        tui.send(code(KeyCode::Esc)).await;
        assert!(tui.app.chooser().is_none(), "{name}: Esc closes the chooser");
        tui.send(key('u')).await;
        let from_view = tui.app.chooser().cloned().expect("the chooser opens from the secret view");
        tui.send(code(KeyCode::Esc)).await;
        tui.send(code(KeyCode::Esc)).await;
        assert!(tui.app.secret.is_none(), "{name}: back in the explorer");
        for (how, chooser) in [("explorer", from_explorer), ("secret view", from_view)] {
            let data: SecretData = chooser.data.expect("values for the value snippets");
            let mut keys: Vec<String> = data.keys().map(str::to_string).collect();
            keys.sort();
            assert_eq!(keys, cli_keys, "{name} from the {how}: the TUI offers what the CLI prints");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_path_is_split_into_mount_and_path_alike() {
    let vault = common::vault();
    let m = fresh(2).await;
    common::server().write_kv(&m.path, 2, "a/b/x", serde_json::json!({"K": "v"})).await;
    let (mount, rest) = vault.locate(&format!("/{}/a/b/", m.path)).await.expect("located");
    assert_eq!((mount.path.as_str(), rest.as_str()), (m.path.as_str(), "a/b"));
    let (_, root) = vault.locate(&format!("{}/", m.path)).await.expect("located");
    assert_eq!(root, "");
    assert!(matches!(vault.locate("/").await, Err(VaultError::Invalid(_))));

    // The TUI started on the path opens that folder of that mount; the CLI lists the same folder.
    let tui = Tui::start(&format!("/{}/a/b/", m.path)).await;
    assert_eq!(tui.app.mount.as_ref().map(|m| m.path.as_str()), Some(m.path.as_str()));
    assert_eq!(tui.app.folder, rest);
    assert_eq!(tui.app.list.selected_entry().map(|e| e.name.as_str()), Some("x"));
    assert_eq!(ok(&["ls", &format!("/{}/a/b/", m.path)]).out, "x\n");
    let r = fails(&["ls", "/"]);
    assert!(r.err.contains("give a path that starts with a mount"), "{}", r.err);
}
