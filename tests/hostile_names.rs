//! Hostile names and values never reach a terminal raw: a secret written with curl-like raw HTTP holds keys
//! and values with terminal escapes, bidi overrides and zero-width characters, and every CLI command that
//! shows it prints them escaped (ls -z aside, which is raw on purpose).

mod common;

use serde_json::json;
use sesame::sanitize::needs_escape;

use common::cli::{Run, ok, run};

/// A key that retitles the window and writes "Hello" into the clipboard when printed raw.
const OSC_KEY: &str = "K\u{1b}]0;pwned\u{7}\u{1b}]52;c;SGVsbG8=\u{7}";

/// Every character of the output a terminal could obey or hide (line breaks aside).
fn raw_controls(text: &str) -> Vec<char> {
    text.chars().filter(|&c| c != '\n' && needs_escape(c)).collect()
}

fn assert_clean(what: &str, r: &Run) {
    assert!(raw_controls(&r.out).is_empty(), "{what}: stdout holds {:?}\n{}", raw_controls(&r.out), r.out);
    assert!(raw_controls(&r.err).is_empty(), "{what}: stderr holds {:?}\n{}", raw_controls(&r.err), r.err);
}

async fn hostile_mount() -> String {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    server
        .write_kv(
            &mount,
            2,
            "apps/evil",
            json!({
                OSC_KEY: "x",
                "KZ": "plain",
                "K\u{200b}Z": "lookalike",
                "CLEAR": "shown\rhidden\u{1b}[2J\u{9b}31m",
            }),
        )
        .await;
    // OpenBao refuses control and invisible characters in paths (a hostile server would not); a backslash
    // it takes, and it must not read as an escape.
    server.write_kv(&mount, 2, "apps/back\\slash", json!({ "K": "v" })).await;
    mount
}

#[tokio::test]
async fn every_command_prints_hostile_names_escaped() {
    let mount = hostile_mount().await;
    let evil = format!("{mount}/apps/evil");
    ok(&["mode", &evil, "readonly"]);
    let runs = [
        ("get", ok(&["get", &evil])),
        ("get --reveal", ok(&["get", &evil, "--reveal"])),
        ("get --format json --reveal", ok(&["get", &evil, "--format", "json", "--reveal"])),
        ("ls", ok(&["ls", &format!("{mount}/apps/")])),
        ("ls -r", ok(&["ls", "-r", &format!("{mount}/")])),
        ("history", ok(&["history", &evil])),
        ("mode", ok(&["mode", &evil])),
        ("audit", run(&["audit", &format!("{mount}/")], None)),
        ("audit --format csv", run(&["audit", &format!("{mount}/"), "--format", "csv"], None)),
        ("audit --format json", run(&["audit", &format!("{mount}/"), "--format", "json"], None)),
        ("get of a missing key", run(&["get", &evil, "--field", "K\u{1b}[2J"], None)),
    ];
    for (what, r) in &runs {
        assert_clean(what, r);
    }
    let table = &runs[1].1.out;
    assert!(table.contains("K\\e]0;pwned\\x07\\e]52;c;SGVsbG8=\\x07"), "{table}");
    assert!(table.contains("KZ ") && table.contains("K\\u{200b}Z"), "look-alike keys differ: {table}");
    assert!(table.contains("shown\\rhidden\\e[2J\\u{9b}31m"), "a carriage return hides nothing: {table}");
    assert!(runs[3].1.out.contains("back\\\\slash"), "{}", runs[3].1.out);
    // JSON stays exactly the same JSON.
    let parsed: serde_json::Value = serde_json::from_str(&runs[2].1.out).expect("json");
    assert_eq!(parsed["CLEAR"], "shown\rhidden\u{1b}[2J\u{9b}31m");
    assert_eq!(parsed[OSC_KEY], "x");
}

#[tokio::test]
async fn ls_z_prints_raw_names_nul_separated() {
    let mount = hostile_mount().await;
    let r = ok(&["ls", "-z", &format!("{mount}/apps/")]);
    let names: Vec<&str> = r.out.split('\0').filter(|n| !n.is_empty()).collect();
    assert_eq!(names, ["back\\slash", "evil"]);
    let r = ok(&["ls", "-r", "--null", &format!("{mount}/")]);
    assert!(r.out.split('\0').any(|n| n == format!("{mount}/apps/back\\slash")), "{:?}", r.out);
}

#[tokio::test]
async fn a_key_of_65536_characters_is_printed_not_panicked_on() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    let long = "K".repeat(65_536);
    server.write_kv(&mount, 2, "long", json!({ long.clone(): "v", "B": "w" })).await;
    let r = ok(&["get", &format!("{mount}/long")]);
    assert!(r.out.lines().any(|l| l.starts_with(&long)), "the long key is listed");
    assert!(r.out.lines().any(|l| l.starts_with("B ")), "{}", &r.out[..200.min(r.out.len())]);
}
