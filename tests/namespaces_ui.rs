//! Switching namespaces in the TUI against a real OpenBao: Ctrl-n lists the child namespaces
//! (`sys/namespaces`), choosing one swaps the connection as the terminal loop does
//! (`tui::take_namespace_switch`) and the explorer starts again there, showing that namespace's mounts;
//! the root is one of the choices from a child.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use reqwest::Method;
use serde_json::json;

use sesame::app::{App, Effect, Msg, effects};
use sesame::keymap::Keymap;
use sesame::vault::Vault;

use common::ui::{code, render};

struct Tui {
    app: App,
    vault: Vault,
}

impl Tui {
    async fn settle(&mut self, mut cmds: Vec<Effect>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..200 {
            sesame::tui::take_namespace_switch(&mut self.app, &mut self.vault, &mut cmds);
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
}

fn ctrl_n() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_n_switches_to_a_child_namespace_and_back_to_the_root() {
    let s = common::server();
    let ns = format!("team{}", common::random_suffix(6));
    let (st, body) = s.request(Method::POST, &format!("sys/namespaces/{ns}"), Some(json!({}))).await;
    assert!(st.is_success(), "{st} {body}");
    let inside = common::vault().in_namespace(Some(&ns));
    let mount = format!("kv{}", common::random_suffix(6));
    let (st, _) = inside
        .raw(
            "POST",
            &format!("sys/mounts/{mount}"),
            Some(&json!({"type": "kv", "options": {"version": "1"}})),
        )
        .await
        .unwrap();
    assert!((200..300).contains(&st));

    let vault = common::vault();
    let (app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), None);
    let mut tui = Tui { app, vault };
    tui.app.update(Msg::Resize(100, 30));
    tui.settle(cmds).await;
    assert!(!tui.app.list.view.iter().any(|&i| tui.app.list.entries[i].name.starts_with(&mount)));

    tui.send(ctrl_n()).await;
    let screen = render(&tui.app, (100, 30));
    assert!(screen.contains("Namespaces") && screen.contains(&ns), "{screen}");
    // Select our namespace among the others' and choose it.
    for _ in 0..100 {
        if render(&tui.app, (100, 30)).lines().any(|l| l.contains(&format!("› {ns}"))) {
            break;
        }
        tui.send(code(KeyCode::Down)).await;
    }
    tui.send(code(KeyCode::Enter)).await;
    assert_eq!(tui.app.namespace_now(), Some(ns.as_str()));
    assert_eq!(tui.vault.namespace(), Some(ns.as_str()), "the connection was swapped");
    let names: Vec<String> =
        tui.app.list.view.iter().map(|&i| tui.app.list.entries[i].name.clone()).collect();
    assert!(names.iter().any(|n| n.starts_with(&mount)), "the namespace's mounts: {names:?}");
    assert!(render(&tui.app, (100, 30)).contains(&format!("ns {ns}")), "the status bar names it");

    // From the child: the root is offered.
    tui.send(ctrl_n()).await;
    let screen = render(&tui.app, (100, 30));
    assert!(screen.contains("(root namespace)"), "{screen}");
    for _ in 0..10 {
        if render(&tui.app, (100, 30)).contains("› (root namespace)") {
            break;
        }
        tui.send(code(KeyCode::Down)).await;
    }
    tui.send(code(KeyCode::Enter)).await;
    assert_eq!(tui.app.namespace_now(), None);
    assert_eq!(tui.vault.namespace(), None);

    // Back to the namespace: its session was kept, so its mounts show at once, before any answer.
    tui.send(ctrl_n()).await;
    for _ in 0..100 {
        if render(&tui.app, (100, 30)).lines().any(|l| l.contains(&format!("› {ns}"))) {
            break;
        }
        tui.send(code(KeyCode::Down)).await;
    }
    let mut cmds = tui.app.update(code(KeyCode::Enter));
    sesame::tui::take_namespace_switch(&mut tui.app, &mut tui.vault, &mut cmds);
    let names: Vec<String> =
        tui.app.list.view.iter().map(|&i| tui.app.list.entries[i].name.clone()).collect();
    assert!(names.iter().any(|n| n.starts_with(&mount)), "shown from the kept session: {names:?}");
    assert!(!cmds.iter().any(|c| matches!(c, Effect::LoadMounts)), "no need to discover the mounts again");
    tui.settle(cmds).await;
    assert_eq!(tui.app.namespace_now(), Some(ns.as_str()));
}
