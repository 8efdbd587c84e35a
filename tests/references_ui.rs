//! References from the TUI, against a real OpenBao: `#` in the secret view copies a reference to the selected
//! key, the use-in-service chooser copies a `.env` of references, and both resolve with `sesame run
//! --env-file`; with a local `.env` file given, the secret view marks the keys it refers to.

mod common;

use std::process::Stdio;

use crossterm::event::KeyCode;
use serde_json::json;

use sesame::app::{App, Effect, Msg, Settings, effects};
use sesame::keymap::Keymap;
use sesame::reference::EnvFile;
use sesame::vault::Vault;

use common::cli::command;
use common::ui::{code, key, render};

struct Tui {
    app: App,
    vault: Vault,
}

impl Tui {
    async fn start(start: &str, settings: Settings) -> Self {
        let vault = common::vault();
        let (mut app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(start.to_string()));
        app.configure(settings);
        let mut tui = Self { app, vault };
        tui.app.update(Msg::Resize(120, 40));
        tui.settle(cmds).await;
        tui
    }

    /// Runs the effects; returns the clipboard copies asked for (the terminal side does those).
    async fn settle(&mut self, mut cmds: Vec<Effect>) -> Vec<String> {
        let mut copies = Vec::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..200 {
            if cmds.is_empty() {
                return copies;
            }
            for cmd in cmds.drain(..) {
                if let Effect::Copy(req) = &cmd {
                    copies.push(req.text.0.to_string());
                }
                effects::run(&self.vault, &[], cmd, &tx).await;
            }
            while let Ok(msg) = rx.try_recv() {
                cmds.extend(self.app.update(msg));
            }
        }
        panic!("the app kept asking for more work");
    }

    async fn send(&mut self, msg: Msg) -> Vec<String> {
        let cmds = self.app.update(msg);
        self.settle(cmds).await
    }
}

/// `sesame run --env-file` with `body`, printing `$NAME`s.
fn run_env(body: &str, names: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("sesame-refs-ui-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let env = dir.join(".env");
    std::fs::write(&env, body).unwrap();
    let script: String = names.iter().map(|n| format!("printf '%s|' \"${n}\"; ")).collect();
    let o = command(&common::server().token)
        .args(["run", "--env-file"])
        .arg(&env)
        .args(["--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_copied_in_the_tui_resolves_with_sesame_run() {
    let s = common::server();
    let mount = s.fresh_mount(2).await;
    s.write_kv(&mount, 2, "apps/db", json!({"DB_PASSWORD": "pw-ui-81", "DB_USER": "app"})).await;
    let mut tui = Tui::start(&format!("{mount}/apps/db"), Settings::default()).await;
    assert!(tui.app.secret.as_ref().is_some_and(|v| v.read.is_some()), "the secret view is open");

    // `#` on the first row (DB_PASSWORD): the reference, never the value.
    let copies = tui.send(key('#')).await;
    assert_eq!(copies, [format!("vault://{mount}/apps/db#DB_PASSWORD")]);
    assert_eq!(run_env(&format!("PW={}\n", copies[0]), &["PW"]), "pw-ui-81|");

    // The chooser's ".env of references": every key, value-free (copied without a question).
    tui.send(key('u')).await;
    let n = tui
        .app
        .chooser()
        .unwrap()
        .formats
        .iter()
        .position(|f| *f == sesame::snippet::SnippetFormat::Refs)
        .unwrap();
    for _ in 0..n {
        tui.send(key('j')).await;
    }
    let copies = tui.send(code(KeyCode::Enter)).await;
    assert_eq!(copies.len(), 1, "copied at once: no value in it");
    assert!(!copies[0].contains("pw-ui-81"));
    assert_eq!(run_env(&copies[0], &["DB_PASSWORD", "DB_USER"]), "pw-ui-81|app|");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_view_marks_the_keys_a_local_env_file_refers_to() {
    let s = common::server();
    let mount = s.fresh_mount(2).await;
    s.write_kv(&mount, 2, "apps/db", json!({"DB_PASSWORD": "pw", "DB_USER": "app", "DB_HOST": "h"})).await;
    let file = EnvFile::parse(&format!("PW=ref+vault://{mount}/data/apps/db#/DB_PASSWORD\nX=1\n")).unwrap();
    let settings = Settings { env_file: Some((".env".into(), file)), ..Settings::default() };
    let tui = Tui::start(&format!("{mount}/apps/db"), settings).await;
    let screen = render(&tui.app, (120, 40));
    let row = |k: &str| screen.lines().find(|l| l.contains(k)).unwrap_or_default().to_string();
    assert!(screen.contains("ENV"), "{screen}");
    assert!(row("DB_PASSWORD").contains('●'), "{screen}");
    assert!(!row("DB_USER").contains('●') && !row("DB_HOST").contains('●'), "{screen}");
}
