//! Snapshots of the places, the Private/Project question, the login form and the namespace picker, at
//! 80x24 and 120x40, from the app fed as the network would answer (no server: the flows are tested against
//! a real OpenBao in tests/scopes.rs, tests/login_ui.rs and tests/namespaces_ui.rs).

mod common;

use common::ui::*;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sesame::app::{App, Effect, Msg};
use sesame::vault::VaultError;
use sesame::vault::kv::Identity;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn alice(size: (u16, u16)) -> App {
    let mut app = sized_app(size);
    app.update(Msg::Identity(Ok(Identity {
        display_name: "userpass-alice".into(),
        policies: vec!["sesame-personal".into()],
        ttl: 0,
    })));
    app.update(Msg::Mounts(Ok(two_mounts())));
    app
}

/// Answers the places lookup that `k` (`p` or `B`) starts: alice, in projects ml and vision.
fn places_by(app: &mut App, k: char) {
    let cmds = app.update(key(k));
    let req = cmds
        .iter()
        .find_map(|c| match c {
            Effect::LoadPlaces { req, .. } => Some(*req),
            _ => None,
        })
        .expect("the places are looked up");
    app.update(Msg::Places { req, result: Ok((Some("alice".into()), vec!["ml".into(), "vision".into()])) });
}

fn places(app: &mut App) {
    places_by(app, 'p');
}

/// Into secret/ (the second mount), listed.
fn into_secret(app: &mut App) {
    app.update(key('j'));
    let cmds = app.update(code(KeyCode::Enter));
    let req = cmds.iter().find_map(|c| match c {
        Effect::List { req, .. } => Some(*req),
        _ => None,
    });
    app.update(Msg::Listed {
        req: req.unwrap(),
        result: Ok(entries(&["apps/", "users/", "projects/"])),
        done: true,
    });
}

#[test]
fn places_popup() {
    for size in SIZES {
        let mut app = alice(size);
        places(&mut app);
        insta::assert_snapshot!(format!("places_{}x{}", size.0, size.1), render(&app, size));
    }
}

/// `B`: the places beside the folders, in a mount (marked), with a bookmark.
#[test]
fn places_sidebar() {
    for size in SIZES {
        let mut app = alice(size);
        app.configure(sesame::app::Settings {
            bookmarks: vec!["secret/apps/billing/".into()],
            ..sesame::app::Settings::default()
        });
        places_by(&mut app, 'B');
        assert!(app.popups().is_empty(), "B opens no popup");
        // Into secret/ (a mount: marked).
        into_secret(&mut app);
        insta::assert_snapshot!(format!("places_sidebar_{}x{}", size.0, size.1), render(&app, size));
    }
}

#[test]
fn private_or_project_question() {
    for size in SIZES {
        let mut app = alice(size);
        places(&mut app);
        app.update(code(KeyCode::Esc));
        // Into secret/ (outside the scopes), then n and a name.
        into_secret(&mut app);
        app.update(key('n'));
        for c in "notes".chars() {
            app.update(key(c));
        }
        app.update(code(KeyCode::Enter));
        let screen = render(&app, size);
        assert!(screen.contains("Where does notes go?"), "{screen}");
        insta::assert_snapshot!(format!("private_or_project_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn login_form() {
    for size in SIZES {
        let mut app = sized_app(size);
        app.update(Msg::Identity(Err(VaultError::Forbidden {
            path: "auth/token/lookup-self".into(),
            detail: "permission denied".into(),
        })));
        for c in "alice".chars() {
            app.update(key(c));
        }
        app.update(code(KeyCode::Tab));
        for c in "secret-pw".chars() {
            app.update(key(c));
        }
        let screen = render(&app, size);
        assert!(!screen.contains("secret-pw"));
        insta::assert_snapshot!(format!("login_form_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn namespace_picker() {
    for size in SIZES {
        let mut app = sized_app(size);
        app.update(Msg::Mounts(Ok(two_mounts())));
        let cmds = app.update(Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL)));
        let req = cmds
            .iter()
            .find_map(|c| match c {
                Effect::ListNamespaces { req } => Some(*req),
                _ => None,
            })
            .expect("the namespaces are listed");
        app.update(Msg::Namespaces { req, result: Ok(vec!["team-a/".into(), "team-b/".into()]) });
        insta::assert_snapshot!(format!("namespaces_{}x{}", size.0, size.1), render(&app, size));
    }
}
