//! The finder's key-name and value search in the TUI, against a real OpenBao: the effects run for real and
//! their answers are fed back. Key names come through KV v2 `subkeys`; a value that matches is named by its
//! key and never drawn.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use sesame::app::{App, Effect, Msg, effects};
use sesame::find::contents::Matched;
use sesame::keymap::Keymap;
use sesame::vault::Vault;

use common::ui::{code, ctrl, key, render};

struct Tui {
    app: App,
    vault: Vault,
    mounts: Vec<String>,
}

impl Tui {
    async fn settle(&mut self, mut cmds: Vec<Effect>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..400 {
            for cmd in cmds.drain(..) {
                effects::run(&self.vault, &self.mounts, cmd, &tx).await;
            }
            while let Ok(msg) = rx.try_recv() {
                cmds.extend(self.app.update(msg));
            }
            if cmds.is_empty() {
                // Ticks drive the finder's delayed search, as the terminal loop does while it is busy.
                if !self.app.busy() {
                    return;
                }
                cmds.extend(self.app.update(Msg::Tick));
            }
        }
        panic!("the app kept asking for more work");
    }

    async fn send(&mut self, msg: Msg) {
        let cmds = self.app.update(msg);
        self.settle(cmds).await;
    }

    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(key(c)).await;
        }
    }
}

fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_names_and_values_are_searched_on_request_and_a_value_is_never_drawn() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    let value = "s3cr3t-VALUE-xyz-31337";
    server.write_kv(&mount, 2, "apps/db", json!({"DB_PASSWORD": value, "DB_USER": "app"})).await;
    server.write_kv(&mount, 2, "apps/web", json!({"API_TOKEN": "tok-abc"})).await;
    let vault = common::vault();
    let (app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(format!("{mount}/")));
    let mut tui = Tui { app, vault, mounts: vec![mount.clone()] };
    tui.app.update(Msg::Resize(120, 40));
    tui.settle(cmds).await;

    tui.send(ctrl('p')).await;
    assert!(tui.app.finder.done, "the index of the mount is built");
    // Every mount the token may list is indexed (other tests' too): this test's two secrets are there.
    let ours: Vec<String> = tui
        .app
        .finder
        .index
        .entries()
        .filter(|e| e.mount.path == mount)
        .map(|e| e.path.to_string())
        .collect();
    assert_eq!(ours, ["apps/db", "apps/web"]);

    // Paths only: "password" matches no path.
    tui.type_text("password").await;
    let v = tui.app.finder_view().expect("the finder");
    assert!(v.hits.is_empty() && v.contents.is_empty(), "{v:?}");

    // Key names on request: DB_PASSWORD, read through subkeys.
    tui.send(alt('k')).await;
    let v = tui.app.finder_view().expect("the finder");
    assert_eq!(v.contents.len(), 1, "{:?}", v.contents);
    assert_eq!((v.contents[0].path.as_str(), v.contents[0].key.as_str()), ("apps/db", "DB_PASSWORD"));
    assert_eq!(v.contents[0].matched, Matched::Key);
    let screen = render(&tui.app, (120, 40));
    assert!(screen.contains("key DB_PASSWORD") && screen.contains("+key names"), "{screen}");
    assert!(!screen.contains(value));

    // Values only when asked: a part of the value finds its key; the value is never on screen.
    tui.send(alt('k')).await;
    tui.send(ctrl('u')).await;
    tui.type_text("VALUE-xyz").await;
    assert!(tui.app.finder_view().unwrap().contents.is_empty(), "values are not searched unless asked");
    tui.send(alt('v')).await;
    let v = tui.app.finder_view().expect("the finder");
    assert_eq!(v.contents.len(), 1, "{:?}", v.contents);
    assert_eq!((v.contents[0].key.as_str(), v.contents[0].matched), ("DB_PASSWORD", Matched::Value));
    let screen = render(&tui.app, (120, 40));
    assert!(screen.contains("the value of DB_PASSWORD matches"), "{screen}");
    assert!(!screen.contains(value), "the value is never drawn:\n{screen}");
    assert!(!format!("{:?}", tui.app.finder_view()).contains(value), "nor kept in the finder");

    // Enter on that row opens the secret.
    let cmds = tui.app.update(code(KeyCode::Enter));
    assert!(
        cmds.iter().any(|c| matches!(c, Effect::OpenSecret { path, .. } if path == "apps/db")),
        "{cmds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_made_in_the_tui_updates_the_index_without_a_rebuild() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    for p in ["team/a", "team/b"] {
        server.write_kv(&mount, 2, p, json!({"K": p})).await;
    }
    let vault = common::vault();
    let (app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(format!("{mount}/team/")));
    let mut tui = Tui { app, vault, mounts: vec![mount.clone()] };
    tui.app.update(Msg::Resize(120, 40));
    tui.settle(cmds).await;
    tui.send(ctrl('p')).await;
    assert!(tui.app.finder.done);
    let builds = tui.app.finder.req;
    tui.send(code(KeyCode::Esc)).await;

    // m on "a", the destination typed over the proposed one, Enter checks and starts the verified move.
    tui.send(key('g')).await;
    assert_eq!(tui.app.list.selected_entry().map(|e| e.name.as_str()), Some("a"));
    tui.send(key('m')).await;
    tui.send(ctrl('u')).await;
    tui.type_text(&format!("{mount}/moved/a")).await;
    tui.send(code(KeyCode::Enter)).await;
    assert!(tui.app.ops.stage.is_none(), "the move finished: {:?}", tui.app.message);
    assert!(
        common::vault()
            .read(
                &sesame::vault::kv::Mount {
                    path: mount.clone(),
                    version: sesame::vault::kv::KvVersion::V2,
                    description: String::new()
                },
                "moved/a",
                None
            )
            .await
            .is_ok()
    );

    let paths: Vec<String> = tui.app.finder.index.entries().map(|e| e.path.to_string()).collect();
    assert!(paths.contains(&"moved/a".to_string()) && !paths.contains(&"team/a".to_string()), "{paths:?}");
    assert!(paths.contains(&"team/b".to_string()));
    assert_eq!(tui.app.finder.req, builds, "no rebuild");
    // The finder ranks the new path.
    tui.send(ctrl('p')).await;
    tui.type_text("moved").await;
    let v = tui.app.finder_view().unwrap();
    let found: Vec<&str> =
        v.hits.iter().filter_map(|(id, _)| tui.app.finder.index.get(*id)).map(|e| e.full).collect();
    assert!(found.contains(&format!("{mount}/moved/a").as_str()), "{found:?}");
}
