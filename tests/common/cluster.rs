//! A real three-node OpenBao cluster on loopback: `bao server` processes with raft storage and config files
//! written here (not dev mode), initialised and unsealed through the HTTP API, each node's data in a
//! temporary folder. Every process is killed when the [`Cluster`] is dropped, also when a test panics, and
//! by the kernel if the test process dies first (`PR_SET_PDEATHSIG`).
//!
//! Waits are on events: a node's HTTP answer, `sys/leader`, the raft configuration; never a fixed sleep.
//!
//! The helpers speak plain HTTP/1.0 over a `TcpStream` (blocking, with timeouts), so that they work the same
//! from a plain `#[test]` that also drives tmux, and so that nothing of a client library stands between the
//! test and the server.

// Signals to the server processes (kill, pause, resume) and PR_SET_PDEATHSIG need libc.
#![allow(unsafe_code)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long the harness waits for any one event of the cluster (start, election, join).
const EVENT_TIMEOUT: Duration = Duration::from_secs(60);

/// One `bao server` of the cluster.
pub struct Node {
    /// `node1`, `node2`, `node3`.
    pub name: String,
    /// `http://127.0.0.1:PORT`.
    pub addr: String,
    dir: PathBuf,
    child: Option<Child>,
    paused: bool,
}

impl Node {
    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> &str {
        self.addr.trim_start_matches("http://")
    }

    /// Whether its process is still running (not killed by [`Cluster::kill`]).
    pub fn alive(&self) -> bool {
        self.child.is_some()
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

/// A three-node raft cluster of real OpenBao servers, with KV v2 enabled at `secret/`.
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// The root token from `sys/init`.
    pub token: String,
    unseal_key: String,
    _dir: tempfile::TempDir,
}

/// The OpenBao binary the tests use: `$SESAME_DEV_SERVER`, then `bao` on PATH, then `./.venv/bin/bao`.
fn bao_binary() -> PathBuf {
    if let Ok(p) = std::env::var("SESAME_DEV_SERVER") {
        return PathBuf::from(p);
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let candidate = dir.join("bao");
        if candidate.is_file() {
            return candidate;
        }
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/bao");
    assert!(venv.is_file(), "the cluster tests need OpenBao's `bao` (run .ci/setup-openbao)");
    venv
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    let l = TcpListener::bind(("127.0.0.1", 0)).expect("binding a loopback port");
    l.local_addr().expect("local address").port()
}

/// The configuration of one node: raft storage in `dir`, joining the others through `retry_join`.
fn config(dir: &Path, name: &str, api_port: u16, cluster_port: u16, peers: &[String]) -> String {
    let joins: String =
        peers.iter().map(|p| format!("  retry_join {{\n    leader_api_addr = \"{p}\"\n  }}\n")).collect();
    format!(
        r#"storage "raft" {{
  path    = "{data}"
  node_id = "{name}"
  # Election timeouts at their shortest, so that a failover takes seconds.
  performance_multiplier = 1
{joins}}}

listener "tcp" {{
  address         = "127.0.0.1:{api_port}"
  cluster_address = "127.0.0.1:{cluster_port}"
  tls_disable     = true
}}

api_addr      = "http://127.0.0.1:{api_port}"
cluster_addr  = "https://127.0.0.1:{cluster_port}"
ui            = false
log_level     = "info"

# Every request in the node's own log (OpenBao accepts audit devices only from the configuration).
audit "file" "to-log" {{
  options {{
    file_path = "stdout"
  }}
}}
"#,
        data = dir.join("raft").display(),
    )
}

/// `method http://{host}/v1/{path}` with an optional token and JSON body, as HTTP/1.0 with a 10 s timeout:
/// `(status, JSON body or Null)`, or `Err` when the node does not answer (refused, reset, timed out).
pub fn call(
    host: &str,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut s = TcpStream::connect_timeout(
        &host.parse().map_err(|e| std::io::Error::other(format!("{host}: {e}")))?,
        Duration::from_secs(5),
    )?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut req =
        format!("{method} /v1/{path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n", body.len());
    if let Some(t) = token {
        req.push_str(&format!("X-Vault-Token: {t}\r\n"));
    }
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw);
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

impl Cluster {
    /// Starts three nodes, initialises the first (one unseal key), unseals all three, waits until the
    /// other two have joined as voters, and enables KV v2 at `secret/`.
    pub fn start() -> Self {
        let bao = bao_binary();
        let dir = tempfile::tempdir().expect("a temporary folder for the cluster");
        let ports: Vec<(u16, u16)> = (0..3).map(|_| (free_port(), free_port())).collect();
        let addrs: Vec<String> = ports.iter().map(|(api, _)| format!("http://127.0.0.1:{api}")).collect();
        let mut nodes = Vec::new();
        for (i, (api, cluster)) in ports.iter().enumerate() {
            let name = format!("node{}", i + 1);
            let node_dir = dir.path().join(&name);
            std::fs::create_dir_all(node_dir.join("raft")).expect("the node's data folder");
            let peers: Vec<String> =
                addrs.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, a)| a.clone()).collect();
            let cfg = node_dir.join("config.hcl");
            std::fs::write(&cfg, config(&node_dir, &name, *api, *cluster, &peers))
                .expect("the node's config");
            let mut node = Node { name, addr: addrs[i].clone(), dir: node_dir, child: None, paused: false };
            node.child = Some(spawn(&bao, &cfg, &node.dir));
            nodes.push(node);
        }
        let mut cluster = Cluster { nodes, token: String::new(), unseal_key: String::new(), _dir: dir };
        for n in &cluster.nodes {
            cluster.wait_for(&format!("{} to answer", n.name), || {
                call(n.host(), None, "GET", "sys/seal-status", None).ok().filter(|(s, _)| *s == 200)
            });
        }

        let first = cluster.nodes[0].host().to_string();
        let (status, init) =
            call(&first, None, "PUT", "sys/init", Some(&json!({"secret_shares": 1, "secret_threshold": 1})))
                .expect("sys/init");
        assert_eq!(status, 200, "sys/init: {init}");
        cluster.token = init["root_token"].as_str().expect("a root token").to_string();
        cluster.unseal_key = init["keys_base64"][0].as_str().expect("an unseal key").to_string();

        cluster.unseal(0);
        cluster.wait_for("node1 to lead", || {
            call(&first, None, "GET", "sys/leader", None).ok().filter(|(_, b)| b["is_self"] == true)
        });
        // New nodes become voters once autopilot finds them stable; the default waits 10 s.
        let (status, body) = call(
            &first,
            Some(&cluster.token),
            "POST",
            "sys/storage/raft/autopilot/configuration",
            Some(&json!({"server_stabilization_time": "1s", "cleanup_dead_servers": false})),
        )
        .expect("autopilot configuration");
        assert!(status == 200 || status == 204, "autopilot configuration: {status} {body}");
        // The others join through retry_join; the unseal key answers the leader's challenge.
        cluster.unseal(1);
        cluster.unseal(2);
        let token = cluster.token.clone();
        cluster.wait_for("three voters in the raft configuration", || {
            let (_, b) = call(&first, Some(&token), "GET", "sys/storage/raft/configuration", None).ok()?;
            let servers = b["data"]["config"]["servers"].as_array()?;
            (servers.len() == 3 && servers.iter().all(|s| s["voter"] == true)).then_some(())
        });
        for i in 1..3 {
            let host = cluster.nodes[i].host().to_string();
            let leader = cluster.nodes[0].addr.clone();
            cluster.wait_for(&format!("node{} to follow node1", i + 1), || {
                call(&host, None, "GET", "sys/leader", None)
                    .ok()
                    .filter(|(_, b)| b["is_self"] == false && b["leader_address"] == leader.as_str())
            });
        }

        let (status, body) = cluster.request(
            "POST",
            "sys/mounts/secret",
            Some(&json!({"type": "kv", "options": {"version": "2"}})),
        );
        assert!(status == 200 || status == 204, "enabling secret/: {status} {body}");
        // Each node finishes the KV v2 upgrade on its own; a standby answers 400 "Waiting for the primary to
        // upgrade" until then.
        for n in &cluster.nodes {
            cluster.wait_for(&format!("secret/ to finish its KV v2 upgrade on {}", n.name), || {
                let (s, _) = call(n.host(), Some(&token), "GET", "secret/config", None).ok()?;
                (s == 200).then_some(())
            });
        }
        cluster
    }

    /// Unseals node `i`, retrying while a joining node has not yet received the leader's challenge.
    fn unseal(&self, i: usize) {
        let host = self.nodes[i].host().to_string();
        let key = self.unseal_key.clone();
        self.wait_for(&format!("{} to unseal", self.nodes[i].name), || {
            let (s, b) = call(&host, None, "PUT", "sys/unseal", Some(&json!({"key": key}))).ok()?;
            (s == 200 && b["sealed"] == false).then_some(())
        });
    }

    /// Polls `probe` until it gives `Some`, up to a minute; panics with every node's log tail otherwise.
    pub fn wait_for<T>(&self, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        loop {
            if let Some(v) = probe() {
                return v;
            }
            if Instant::now() > deadline {
                let logs: Vec<String> =
                    self.nodes.iter().map(|n| format!("--- {} ---\n{}", n.name, n.log_tail())).collect();
                panic!("timed out waiting for {what}\n{}", logs.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Index of the node that is active now, asked of every running node that is not paused.
    pub fn leader(&self) -> Option<usize> {
        for n in self.nodes.iter().filter(|n| n.alive() && !n.paused) {
            let Ok((200, b)) = call(n.host(), None, "GET", "sys/leader", None) else { continue };
            let addr = b["leader_address"].as_str().unwrap_or_default();
            if let Some(i) = self.nodes.iter().position(|m| m.addr == addr && m.alive() && !m.paused) {
                // The leader itself must agree.
                if let Ok((200, me)) = call(self.nodes[i].host(), None, "GET", "sys/leader", None)
                    && me["is_self"] == true
                {
                    return Some(i);
                }
            }
        }
        None
    }

    /// Waits for an active node other than `old` that every running node follows; returns its index.
    pub fn wait_new_leader(&self, old: usize) -> usize {
        self.wait_for("a new leader that every running node follows", || {
            let new = self.leader().filter(|&i| i != old)?;
            let addr = self.nodes[new].addr.as_str();
            self.nodes
                .iter()
                .filter(|n| n.alive() && !n.paused)
                .all(|n| {
                    call(n.host(), None, "GET", "sys/leader", None)
                        .is_ok_and(|(s, b)| s == 200 && b["leader_address"] == addr)
                })
                .then_some(new)
        })
    }

    /// The index of a running standby (not the leader).
    pub fn standby(&self) -> usize {
        let leader = self.wait_for("a leader", || self.leader());
        (0..self.nodes.len()).find(|&i| i != leader && self.nodes[i].alive()).expect("a standby")
    }

    /// Kills node `i` with SIGKILL, as a crash would.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Its listener is gone once the process is reaped.
        let host = self.nodes[i].host().to_string();
        self.wait_for(&format!("{} to stop answering", self.nodes[i].name), || {
            TcpStream::connect(&host).is_err().then_some(())
        });
    }

    /// Stops node `i` with SIGSTOP: it keeps its sockets but answers nothing, and takes no part in an
    /// election until [`Cluster::resume`].
    pub fn pause(&mut self, i: usize) {
        self.signal(i, libc::SIGSTOP);
        self.nodes[i].paused = true;
    }

    /// Resumes a node stopped by [`Cluster::pause`].
    pub fn resume(&mut self, i: usize) {
        self.signal(i, libc::SIGCONT);
        self.nodes[i].paused = false;
    }

    fn signal(&self, i: usize, sig: libc::c_int) {
        let child = self.nodes[i].child.as_ref().expect("a running node");
        let pid = libc::pid_t::try_from(child.id()).expect("a pid");
        // SAFETY: kill(2) on the pid of our own child, which has not been reaped (we hold its `Child`).
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0, "signalling {}", self.nodes[i].name);
    }

    /// A request with the root token to the current leader (found afresh), with an optional JSON body.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let leader = self.wait_for("a leader", || self.leader());
        call(self.nodes[leader].host(), Some(&self.token), method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Writes `data` at `secret/<path>` (KV v2), through the leader.
    pub fn write(&self, path: &str, data: Value) {
        let (status, body) =
            self.request("POST", &format!("secret/data/{path}"), Some(&json!({ "data": data })));
        assert_eq!(status, 200, "writing secret/{path}: {body}");
    }

    /// Waits until node `i` has the secret `secret/<path>` in its own copy of the data. A standby answers reads
    /// from its local raft copy (OpenBao's default, `disable_standby_reads = false`), which lags the leader by
    /// a moment: this is the event that the writes before it have reached that node.
    pub fn wait_replicated(&self, i: usize, path: &str) {
        let host = self.nodes[i].host().to_string();
        self.wait_for(&format!("secret/{path} to reach {}", self.nodes[i].name), || {
            let (s, _) =
                call(&host, Some(&self.token), "GET", &format!("secret/metadata/{path}"), None).ok()?;
            (s == 200).then_some(())
        });
    }

    /// What node `i` has written so far: its own messages and, from its audit device, one JSON line per request
    /// and response it handled (paths in clear, values and tokens HMAC'd), so that a test can wait for a
    /// request to have reached a node.
    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(self.nodes[i].dir.join("server.log")).unwrap_or_default()
    }

    /// The shell command that runs `sesame ARGS` against node `i` with the root token (no log), then prints
    /// its exit status and waits for a line so that the tmux pane stays open.
    pub fn sesame_cmd(&self, i: usize, args: &str) -> String {
        format!(
            "env VAULT_ADDR='{}' VAULT_TOKEN='{}' {} {args} --log-file /dev/null; echo sesame-exit=$?; read -r _",
            self.nodes[i].addr,
            self.token,
            super::e2e::BIN
        )
    }

    /// `sesame ARGS…` against node `i`, run to its end.
    pub fn sesame(&self, i: usize, args: &[&str]) -> std::process::Output {
        Command::new(super::e2e::BIN)
            .args(args)
            .args(["--log-file", "/dev/null"])
            .env("VAULT_ADDR", &self.nodes[i].addr)
            .env("VAULT_TOKEN", &self.token)
            .env_remove("VAULT_NAMESPACE")
            .env_remove("BAO_ADDR")
            .env_remove("BAO_TOKEN")
            .stdin(Stdio::null())
            .output()
            .expect("running sesame")
    }
}

/// `bao server -config=CFG`, its output in `dir/server.log`, killed by the kernel if this thread's process
/// dies first.
fn spawn(bao: &Path, cfg: &Path, dir: &Path) -> Child {
    let log = std::fs::File::create(dir.join("server.log")).expect("the node's log");
    let mut cmd = Command::new(bao);
    cmd.arg("server")
        .arg(format!("-config={}", cfg.display()))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("the node's log"))
        .stderr(log)
        .env_remove("VAULT_ADDR")
        .env_remove("BAO_ADDR")
        .env_remove("VAULT_TOKEN")
        .env_remove("BAO_TOKEN");
    // SAFETY: prctl(2) is async-signal-safe; the closure touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().expect("starting bao server")
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            if let Some(mut child) = n.child.take() {
                // SIGKILL also ends a node stopped with SIGSTOP.
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
