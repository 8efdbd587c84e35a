//! Running the `sesame` binary against the shared test server, without a terminal.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sesame");

/// `sesame` talking to the shared server with `token`: every other `VAULT_*`/`BAO_*` variable of the
/// test's environment removed, stdin empty.
pub fn command(token: &str) -> Command {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        if k.starts_with("VAULT_") || k.starts_with("BAO_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("VAULT_ADDR", &super::server().addr).env("VAULT_TOKEN", token).stdin(Stdio::null());
    cmd
}

/// What a run of the binary gave.
pub struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
}

/// Runs `sesame ARGS --log-file <temp>` with the root token, feeding `stdin` when given, and
/// collects its exit code and output.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let logs = std::env::temp_dir().join(format!("sesame-cli-test-{}.log", std::process::id()));
    let mut cmd = command(&super::server().token);
    cmd.args(args)
        .arg("--log-file")
        .arg(&logs)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("running sesame");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input).expect("writing stdin");
    }
    let o = child.wait_with_output().expect("waiting for sesame");
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// `sesame ARGS` with the root token, which must succeed.
pub fn ok(args: &[&str]) -> Run {
    let r = run(args, None);
    assert_eq!(r.code, 0, "sesame {args:?}\nstdout: {}\nstderr: {}", r.out, r.err);
    r
}

/// `sesame ARGS` with the root token, which must fail.
pub fn fails(args: &[&str]) -> Run {
    let r = run(args, None);
    assert_ne!(r.code, 0, "sesame {args:?} should fail\nstdout: {}\nstderr: {}", r.out, r.err);
    r
}
