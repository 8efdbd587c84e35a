//! End-to-end helpers: a tmux server of the test's own to drive the real binary as a person would, and
//! `sesame dev` running in the background.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sesame");

/// A tmux server of our own (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new() -> Self {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is required for the end-to-end tests (apt-get install tmux)"
        );
        Self { socket: format!("sesame-e2e-{}-{}", std::process::id(), rand_suffix()) }
    }

    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("running tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn start(&self, shell_cmd: &str) {
        self.start_sized(shell_cmd, 100, 30);
    }

    /// Starts `shell_cmd` in a pane of `w`x`h`.
    pub fn start_sized(&self, shell_cmd: &str, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &w,
                "-y",
                &h,
                "-s",
                "e2e",
            ])
            .arg(shell_cmd)
            .output()
            .expect("starting tmux");
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        self.cmd(&["set-option", "-g", "remain-on-exit", "on"]);
        self.cmd(&["set-option", "-g", "history-limit", "5000"]);
    }

    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "e2e"])
    }

    pub fn history(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-S", "-", "-E", "-", "-t", "e2e"])
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "e2e", k]);
        }
    }

    pub fn text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "e2e", "-l", "--", text]);
    }

    pub fn pane(&self, format: &str) -> String {
        self.cmd(&["display-message", "-p", "-t", "e2e", format]).trim().to_string()
    }

    /// Polls the screen until `pred` holds, up to 20 s; panics with the screen otherwise.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_dead(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.pane("#{pane_dead}") != "1" {
            assert!(Instant::now() < deadline, "sesame did not exit; screen:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
    }
}

/// sesame's top line (` sesame  PLACE  ⠋ loading`): the place shown (a folder, a secret, a view) and whether
/// anything is still loading. `None` when the top line is not sesame's.
pub fn title(screen: &str) -> Option<(&str, bool)> {
    let rest = screen.lines().next()?.trim().strip_prefix("sesame")?.trim_start();
    match rest.strip_suffix(" loading") {
        // The spinner is one character before " loading".
        Some(head) => {
            let mut chars = head.trim_end().chars();
            chars.next_back();
            Some((chars.as_str().trim_end(), true))
        }
        None => Some((rest, false)),
    }
}

/// Whether sesame shows `place` in its top line with nothing loading: a state that still holds once the
/// screen settles, unlike a word that a preview or a later screen may also show.
pub fn settled_at(screen: &str, place: &str) -> bool {
    title(screen) == Some((place, false))
}

pub fn rand_suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

/// `sesame dev` in the background; killed on drop.
pub struct DevProc {
    pub child: Child,
    pub addr: String,
    pub token: String,
}

impl DevProc {
    pub fn start() -> Self {
        let mut child = Command::new(BIN)
            .arg("dev")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .expect("starting sesame dev");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("reading sesame dev's first line");
        // export VAULT_ADDR='http://127.0.0.1:P' VAULT_TOKEN='…'
        let field = |name: &str| {
            let start = line.find(&format!("{name}='")).map(|i| i + name.len() + 2).expect("a field");
            let end = line[start..].find('\'').expect("closing quote") + start;
            line[start..end].to_string()
        };
        assert!(line.starts_with("export VAULT_ADDR="), "{line}");
        let (addr, token) = (field("VAULT_ADDR"), field("VAULT_TOKEN"));
        Self { child, addr, token }
    }
}

impl DevProc {
    /// The shell command that runs `sesame START` against this server (no log), then prints its exit
    /// status and waits for a line so that the pane stays open.
    pub fn sesame_cmd(&self, start: &str) -> String {
        format!(
            "env VAULT_ADDR='{}' VAULT_TOKEN='{}' {BIN} {start} --log-file /dev/null; echo sesame-exit=$?; read -r _",
            self.addr, self.token
        )
    }

    /// A plain HTTP/1.0 GET of `/v1/<api>` with the root token, as JSON (no client library in the way).
    pub fn get(&self, api: &str) -> serde_json::Value {
        use std::io::{Read as _, Write as _};
        let host = self.addr.trim_start_matches("http://").trim_end_matches('/');
        let mut s = std::net::TcpStream::connect(host).expect("connecting to the dev server");
        write!(s, "GET /v1/{api} HTTP/1.0\r\nHost: {host}\r\nX-Vault-Token: {}\r\n\r\n", self.token)
            .expect("request");
        let mut raw = String::new();
        s.read_to_string(&mut raw).expect("answer");
        let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "GET {api}: {head}");
        serde_json::from_str(body).expect("JSON")
    }
}

impl Drop for DevProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
