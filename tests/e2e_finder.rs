//! The finder end to end, as a person drives it in tmux: `sesame --find QUERY` against `sesame dev`, the
//! results of the demo's every mount, Enter opens the secret.

mod common;

use common::e2e::{DevProc, Tmux, settled_at};

#[test]
fn find_a_demo_secret_and_open_it() {
    let tmux = Tmux::new();
    let dev = DevProc::start();
    tmux.start(&dev.sesame_cmd("--find pullsec"));
    let screen = tmux.wait_for("the index built and the query ranked", |s| {
        s.contains("Find a secret")
            && s.contains("secrets indexed")
            && s.contains("secret/apps/registry/pull-secret")
    });
    assert!(screen.contains("> pullsec"), "the query is typed:\n{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the secret open in its folder", |s| {
        settled_at(s, "secret/apps/registry/pull-secret")
            && s.contains(".dockerconfigjson")
            && !s.contains("Find a secret")
    });
    // Esc back to the folder the finder jumped to; Ctrl-p again keeps the index (no "indexing").
    tmux.keys(&["Escape"]);
    tmux.wait_for("the folder of the secret", |s| {
        settled_at(s, "secret/apps/registry/") && s.contains("pull-secret")
    });
    tmux.keys(&["C-p"]);
    tmux.text("wandb");
    tmux.wait_for("the finder again, from the kept index", |s| {
        s.contains("> wandb") && s.contains("secrets indexed") && !s.contains("indexing")
    });
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));
}
