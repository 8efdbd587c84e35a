//! The overlay stack and the popup keymaps: the top layer takes keys and the mouse, popups close in the
//! order they opened, the context and the hints come from the top, and a user's keymap rebinds popup keys
//! (the hints follow).

mod common;

use common::ui::*;

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use sesame::app::overlay::Layer;
use sesame::app::{App, Effect, Msg};
use sesame::keymap::{Context, Keymap};
use sesame::secret::SecretData;
use sesame::vault::kv::{KvVersion, SecretRead};

fn app_with(keymap: Keymap) -> App {
    let (mut app, _) = App::new("http://127.0.0.1:8200", keymap, None);
    app.update(Msg::Resize(100, 30));
    app
}

/// Opens the secret `db` (PASSWORD, USER) in the secret view.
fn open_db(app: &mut App) {
    app.update(Msg::Mounts(Ok(two_mounts())));
    app.update(key('j'));
    let cmds = app.update(code(KeyCode::Enter));
    let req = cmds
        .iter()
        .find_map(|c| match c {
            Effect::List { req, .. } => Some(*req),
            _ => None,
        })
        .expect("a listing");
    app.update(Msg::Listed { req, result: Ok(entries(&["db"])), done: true });
    let cmds = app.update(code(KeyCode::Enter));
    let req = cmds
        .iter()
        .find_map(|c| match c {
            Effect::OpenSecret { req, .. } => Some(*req),
            _ => None,
        })
        .expect("the secret is opened");
    let data = SecretData::from_json_object(r#"{"PASSWORD":"hunter2","USER":"app"}"#).unwrap();
    app.update(Msg::Secret { req, result: Ok(SecretRead { data: Some(data), version: None }) });
    assert_eq!(app.secret.as_ref().map(|s| s.mount.version), Some(KvVersion::V2));
}

fn click(row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn the_top_popup_takes_the_keys_and_popups_close_in_order() {
    let mut app = app_with(Keymap::default_keymap());
    open_db(&mut app);
    assert_eq!(app.top_layer(), Layer::Secret);
    assert_eq!(app.context(), Context::Secret);

    // The chooser over the secret view, then the help over the chooser.
    app.update(key('u'));
    assert!(app.chooser().is_some());
    assert_eq!(app.context(), Context::Menu);
    app.update(key('?'));
    assert!(app.help_scroll().is_some(), "? is not a menu key: the global help opens on top");
    assert_eq!(app.layers()[..3], [Layer::Popup(1), Layer::Popup(0), Layer::Secret]);
    assert_eq!(app.context(), Context::Report);

    // The help takes j (scroll), not the chooser beneath.
    let before = app.chooser().map(|c| c.selected);
    app.update(key('j'));
    assert_eq!(app.help_scroll(), Some(1));
    assert_eq!(app.chooser().map(|c| c.selected), before, "the chooser beneath did not move");

    // A click closes the help only; the chooser is on top again and takes j.
    app.update(click(5));
    assert!(app.help_scroll().is_none());
    assert!(app.chooser().is_some());
    app.update(key('j'));
    assert_eq!(app.chooser().map(|c| c.selected), Some(1));

    // A click over the chooser does not reach the secret view beneath.
    let selected = app.secret.as_ref().map(|s| s.selected);
    app.update(click(8));
    assert_eq!(app.secret.as_ref().map(|s| s.selected), selected);

    // Esc closes the chooser, then the secret view.
    app.update(code(KeyCode::Esc));
    assert!(app.chooser().is_none());
    assert_eq!(app.top_layer(), Layer::Secret);
    app.update(code(KeyCode::Esc));
    assert_eq!(app.top_layer(), Layer::Explorer);
}

#[test]
fn busy_comes_from_the_layers() {
    let mut app = app_with(Keymap::default_keymap());
    open_db(&mut app);
    assert!(!app.busy());
    app.update(key('u'));
    assert!(!app.busy(), "an open popup over an idle screen is not busy");
}

#[test]
fn a_users_keymap_rebinds_popup_keys_and_the_hints_follow() {
    let user = r#"
[[binding]]
context = "confirm"
action = "yes"
keys = ["o"]

[[binding]]
context = "menu"
action = "down"
keys = ["n"]

[[binding]]
context = "menu"
action = "back"
keys = ["x"]
"#;
    let km = Keymap::default_keymap().with_overrides(user).unwrap();
    let mut app = app_with(km);
    open_db(&mut app);

    // Copying a value asks; the question now says `o`, and `y` is no longer a yes.
    assert!(app.update(key('y')).is_empty());
    assert!(app.pending_copy().is_some());
    let screen = render(&app, (100, 30));
    assert!(screen.contains("o copies"), "{screen}");
    assert!(app.update(key('y')).is_empty(), "y is not bound to yes any more");
    assert!(app.pending_copy().is_none(), "any other key cancels");
    app.update(key('y'));
    let cmds = app.update(key('o'));
    assert!(matches!(&cmds[..], [Effect::Copy(r)] if r.text.0.as_str() == "hunter2"), "{cmds:?}");

    // The chooser moves with n, closes with x, and its hints show those keys.
    app.update(key('u'));
    let screen = render(&app, (100, 30));
    assert!(screen.contains("n/k choose"), "{screen}");
    assert!(screen.contains("x close"), "{screen}");
    app.update(key('n'));
    assert_eq!(app.chooser().map(|c| c.selected), Some(1));
    app.update(key('j'));
    assert_eq!(app.chooser().map(|c| c.selected), Some(1), "j is not bound in menus any more");
    app.update(key('x'));
    assert!(app.chooser().is_none());
}

#[test]
fn every_popup_context_has_bindings_with_hints() {
    let km = Keymap::default_keymap();
    for ctx in [Context::Menu, Context::Confirm, Context::Conflict, Context::Report, Context::Line] {
        let bindings: Vec<_> = km.bindings.iter().filter(|b| b.context == ctx).collect();
        assert!(!bindings.is_empty(), "{ctx:?} has bindings");
        assert!(bindings.iter().all(|b| !b.hint.is_empty() && !b.desc.is_empty()), "{ctx:?}: hints");
    }
}
