//! The scopes demo in tmux: `sesame --dev --as alice` shows her places (her personal folder, project ml),
//! and jumps there.

mod common;

use common::e2e::{BIN, Tmux, settled_at};

#[test]
fn alice_jumps_to_her_places_in_the_demo() {
    let tmux = Tmux::new();
    tmux.start(&format!("{BIN} --dev --as alice --log-file /dev/null; echo sesame-exit=$?; read -r _"));
    tmux.wait_for("the mount list", |s| settled_at(s, "/") && s.contains("secret/"));
    tmux.keys(&["p"]);
    tmux.wait_for("the places", |s| {
        s.contains("Places")
            && s.contains("My secrets")
            && s.contains("secret/users/alice/")
            && s.contains("Project ml")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("her personal folder", |s| settled_at(s, "secret/users/alice/") && s.contains("notebook"));
    tmux.keys(&["p"]);
    tmux.wait_for("the places again", |s| s.contains("Places") && s.contains("› My secrets"));
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for("project ml", |s| {
        settled_at(s, "secret/projects/ml/") && s.contains("wandb") && s.contains("[project: ml]")
    });
    // B: the places stay beside the folders.
    tmux.keys(&["B"]);
    tmux.wait_for("the places sidebar beside project ml", |s| {
        settled_at(s, "secret/projects/ml/")
            && s.lines().any(|l| l.starts_with("│⌂ My secrets"))
            && s.lines().any(|l| l.starts_with("│◆ ml"))
            && s.contains("wandb")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));
}
