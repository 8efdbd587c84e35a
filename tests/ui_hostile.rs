//! Hostile names and values in the TUI: entries, keys and values holding terminal escapes, bidi overrides
//! and zero-width characters are drawn escaped (`\e`, `\u{202e}`, `\u{200b}`), so look-alike keys look
//! different and nothing reaches the terminal raw; the JSON view escapes them instead of dropping them.

mod common;

use common::fixtures::live_read;
use common::ui::*;

use sesame::app::{Msg, StartTarget};
use sesame::sanitize::needs_escape;
use sesame::vault::kv::{Entry, KvVersion};

const SIZE: (u16, u16) = (120, 40);

/// Every cell's text, with no character a terminal could obey or hide.
fn assert_no_raw_controls(screen: &ratatui::buffer::Buffer) {
    for cell in &screen.content {
        assert!(!cell.symbol().chars().any(needs_escape), "raw {:?} drawn", cell.symbol());
    }
}

#[test]
fn hostile_entries_keys_and_values_are_drawn_escaped() {
    let mut app = sized_app(SIZE);
    let mount = mount("secret", KvVersion::V2);
    app.update(Msg::Mounts(Ok(vec![mount.clone()])));
    let cmds = app.update(Msg::Resolved(Ok(StartTarget { mount, path: "apps".into(), is_secret: false })));
    let req = list_req_id(&cmds);
    let names = ["evil", "a\u{202e}txt.exe", "K\u{1b}]0;pwned\u{7}"];
    app.update(Msg::Listed {
        req,
        result: Ok(names.iter().map(|n| Entry { name: (*n).into(), is_folder: false }).collect()),
        done: true,
    });
    let screen = render(&app, SIZE);
    assert!(screen.contains("a\\u{202e}txt.exe"), "{screen}");
    assert!(screen.contains("K\\e]0;pwned\\x07"), "{screen}");
    assert_no_raw_controls(&draw(&app, SIZE));

    let req = read_req_id(&app.update(enter()));
    let json = r#"{"KZ":"plain","K\u200bZ":"lookalike","CLEAR":"shown\rhidden\u001b[2J","\u202eRTL":"x"}"#;
    app.update(Msg::Secret { req, result: Ok(live_read(json, 1, "2026-11-25T10:00:00Z")) });
    app.update(key('a'));
    let screen = render(&app, SIZE);
    assert!(screen.contains("KZ ") && screen.contains("K\\u{200b}Z"), "look-alike keys differ: {screen}");
    assert!(screen.contains("shown\\rhidden\\e[2J"), "a carriage return hides nothing: {screen}");
    assert!(screen.contains("\\u{202e}RTL"), "{screen}");
    assert_no_raw_controls(&draw(&app, SIZE));

    // The JSON view escapes what the table escapes instead of dropping it.
    app.update(key('J'));
    let screen = render(&app, SIZE);
    assert!(screen.contains("K\\u200bZ"), "{screen}");
    assert!(screen.contains("\\u202eRTL"), "{screen}");
    assert_no_raw_controls(&draw(&app, SIZE));
}

#[test]
fn a_server_error_quoting_a_hostile_name_is_drawn_escaped() {
    let mut app = sized_app(SIZE);
    app.update(Msg::Mounts(Ok(vec![mount("secret", KvVersion::V2)])));
    app.error("cannot read secret/K\u{1b}[2J\u{200b}: permission denied");
    let screen = render(&app, SIZE);
    assert!(screen.contains("secret/K\\e[2J\\u{200b}: permission denied"), "{screen}");
    assert_no_raw_controls(&draw(&app, SIZE));
}
