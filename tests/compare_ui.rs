//! The comparison in the TUI against a real OpenBao: `=` marks a folder, `=` on another compares them, the
//! view lists differences first, reveals one pair on request (and masks it again), and `p` promotes after a
//! question, then compares again. Snapshots at 80x24 and 120x40.

mod common;

use crossterm::event::KeyCode;
use reqwest::Method;
use serde_json::json;

use sesame::app::compare_view::Row;
use sesame::app::{App, Effect, Msg, effects};
use sesame::compare::State;
use sesame::keymap::Keymap;
use sesame::vault::Vault;

use common::ui::{code, key, render};

struct Tui {
    app: App,
    vault: Vault,
}

impl Tui {
    async fn start(start: &str, size: (u16, u16)) -> Self {
        let vault = common::vault();
        // The address shown in the status bar is fixed, so that snapshots do not carry the test server's port.
        let (app, cmds) =
            App::new("http://127.0.0.1:8200", Keymap::default_keymap(), Some(start.to_string()));
        let mut tui = Self { app, vault };
        tui.app.update(Msg::Resize(size.0, size.1));
        tui.settle(cmds).await;
        tui
    }

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

    async fn send(&mut self, msg: Msg) {
        let cmds = self.app.update(msg);
        self.settle(cmds).await;
    }

    async fn select(&mut self, name: &str) {
        self.send(key('g')).await;
        for _ in 0..50 {
            if self.app.list.selected_entry().map(|e| e.name.as_str()) == Some(name) {
                return;
            }
            self.send(key('j')).await;
        }
        panic!("no row {name}");
    }
}

async fn seed(mount: &str) {
    let s = common::server();
    s.write_kv(mount, 2, "staging/app", json!({"TOKEN": "tok-staging-1", "PORT": "8080", "SAME": "s"})).await;
    s.write_kv(
        mount,
        2,
        "prod/app",
        json!({"TOKEN": "tok-prod-2", "PORT": "8080", "SAME": "s", "EXTRA": "e"}),
    )
    .await;
    s.write_kv(mount, 2, "staging/new", json!({"K": "v"})).await;
    s.write_kv(mount, 2, "staging/same", json!({"K": "v"})).await;
    s.write_kv(mount, 2, "prod/same", json!({"K": "v"})).await;
}

async fn compare_folders(tui: &mut Tui) {
    tui.select("staging").await;
    tui.send(key('=')).await;
    assert!(tui.app.message.as_ref().is_some_and(|(_, m)| m.contains("marked")), "{:?}", tui.app.message);
    tui.select("prod").await;
    tui.send(key('=')).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_compare_reveal_and_promote_in_the_tui() {
    let mount = common::server().fresh_mount(2).await;
    seed(&mount).await;
    let mut tui = Tui::start(&format!("{mount}/"), (120, 40)).await;
    compare_folders(&mut tui).await;
    let v = tui.app.compare.as_ref().expect("the comparison opens");
    let c = v.comparison.as_ref().expect("compared");
    let state = |rel: &str| c.secrets.iter().find(|s| s.rel == rel).and_then(|s| s.state);
    assert_eq!(
        (state("app"), state("new"), state("same")),
        (Some(State::Different), Some(State::OnlyA), Some(State::Equal))
    );
    let screen = render(&tui.app, (120, 40));
    assert!(!screen.contains("tok-staging-1") && !screen.contains("tok-prod-2"), "masked:\n{screen}");
    assert!(!screen.contains("= same"), "equal hidden by default:\n{screen}");
    tui.send(key('d')).await;
    assert!(render(&tui.app, (120, 40)).contains("= same"));
    tui.send(key('d')).await;

    // To the TOKEN row, reveal the pair, then move: masked again.
    let v = tui.app.compare.as_ref().unwrap();
    let c = v.comparison.as_ref().unwrap();
    let token_row = v
        .rows
        .iter()
        .position(|r| matches!(r, Row::Key(i, j) if c.secrets[*i].keys[*j].key == "TOKEN"))
        .expect("a TOKEN row");
    tui.send(key('g')).await;
    for _ in 0..token_row {
        tui.send(key('j')).await;
    }
    tui.send(key(' ')).await;
    let screen = render(&tui.app, (120, 40));
    assert!(screen.contains("tok-staging-1") && screen.contains("tok-prod-2"), "revealed:\n{screen}");
    tui.send(key('j')).await;
    let screen = render(&tui.app, (120, 40));
    assert!(!screen.contains("tok-staging-1") && !screen.contains("tok-prod-2"), "masked again:\n{screen}");

    // p on the TOKEN key: a question, then the promotion, then a new comparison.
    tui.send(key('k')).await;
    tui.send(key('p')).await;
    assert!(render(&tui.app, (120, 40)).contains("update app in B: TOKEN"));
    tui.send(key('y')).await;
    let v = tui.app.compare.as_ref().unwrap();
    assert!(v.report.iter().any(|r| r.contains("promoted app: TOKEN (verified)")), "{:?}", v.report);
    let c = v.comparison.as_ref().unwrap();
    let app = c.secrets.iter().find(|s| s.rel == "app").unwrap();
    let token = app.keys.iter().find(|k| k.key == "TOKEN").unwrap();
    assert_eq!(token.state, State::Equal, "B holds A's TOKEN now");
    assert_eq!(app.state, Some(State::Different), "EXTRA, only in B, stays: nothing is deleted");
    let m = tui.vault.mount_of(&mount).await.unwrap();
    let b = tui.vault.read(&m, "prod/app", None).await.unwrap();
    assert_eq!(b.data.unwrap().get("EXTRA").unwrap().reveal().as_str(), "e");
    tui.send(code(KeyCode::Esc)).await;
    assert!(tui.app.compare.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_view_snapshots() {
    // A mount of a fixed name, so that the snapshots do not change with a random one.
    let s = common::server();
    let (st, body) = s
        .request(Method::POST, "sys/mounts/snapcmp", Some(json!({"type": "kv", "options": {"version": "2"}})))
        .await;
    assert!(st.is_success(), "{st} {body}");
    let mut tries = 0;
    while s.request(Method::GET, "snapcmp/config", None).await.0 != 200 && tries < 200 {
        tries += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    seed("snapcmp").await;
    for size in [(80, 24), (120, 40)] {
        let mut tui = Tui::start("snapcmp/", size).await;
        compare_folders(&mut tui).await;
        insta::assert_snapshot!(format!("compare_{}x{}", size.0, size.1), render(&tui.app, size));
    }
}
