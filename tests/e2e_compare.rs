//! The comparison end to end, as a person drives it in tmux against `sesame dev`: mark a folder with `=`,
//! `=` on another, the differences listed with values masked, `p` and `y` to promote a key, and the server
//! holding A's value in B afterwards.

mod common;

use std::process::Command;

use common::e2e::{BIN, DevProc, Tmux, settled_at};

fn sesame(dev: &DevProc, args: &[&str]) -> String {
    let o = Command::new(BIN)
        .args(args)
        .env("VAULT_ADDR", &dev.addr)
        .env("VAULT_TOKEN", &dev.token)
        .output()
        .expect("sesame");
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn mark_compare_and_promote_in_tmux() {
    let dev = DevProc::start();
    sesame(&dev, &["put", "secret/cmp/staging/app", "TOKEN=tok-staging-77", "SAME=s"]);
    sesame(&dev, &["put", "secret/cmp/prod/app", "TOKEN=tok-prod-88", "SAME=s"]);
    let tmux = Tmux::new();
    tmux.start(&dev.sesame_cmd("secret/cmp/"));
    tmux.wait_for("the folder", |s| {
        settled_at(s, "secret/cmp/") && s.contains("staging/") && s.contains("prod/")
    });
    tmux.keys(&["/"]);
    tmux.text("staging");
    tmux.keys(&["Enter", "="]);
    tmux.wait_for("A marked", |s| s.contains("marked secret/cmp/staging/ as A"));
    tmux.keys(&["Escape", "/"]);
    tmux.text("prod");
    tmux.keys(&["Enter", "="]);
    let screen = tmux.wait_for("the comparison", |s| {
        s.contains("Compare A and B")
            && s.contains("~ app")
            && s.contains("~ TOKEN")
            && s.contains("1 different")
    });
    assert!(!screen.contains("tok-staging-77") && !screen.contains("tok-prod-88"), "masked:\n{screen}");
    tmux.keys(&["j", "p"]);
    tmux.wait_for("the question", |s| {
        s.contains("update app in B: TOKEN") && s.contains("Promote from A to B")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the promotion and the new comparison", |s| {
        s.contains("promoted app: TOKEN (verified)") && s.contains("0 different")
    });
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));
    assert_eq!(
        sesame(&dev, &["get", "secret/cmp/prod/app", "--field", "TOKEN", "--reveal"]),
        "tok-staging-77\n"
    );
}
