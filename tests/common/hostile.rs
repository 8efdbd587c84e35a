//! A deliberately faulty proxy in front of the real test server, for fault tests: every request is forwarded
//! to OpenBao unchanged, except those a [`Fault`] matches, which get the fault instead. It is a fault, not an
//! imitation of Vault: nothing is answered on OpenBao's behalf but the faults themselves.
//!
//! HTTP/1.1 only as far as the tests need: one request per connection (`Connection: close`), bodies with a
//! `Content-Length`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to the requests whose path contains `path` (and whose method is `method`, if set).
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answers 200 with `megabytes` of JSON-looking bytes, streamed without a length, then closes.
    Huge { megabytes: usize },
    /// Answers 200 `{"data":{"keys":["folder/"]}}`: a folder that lists itself at every level.
    ListsItself,
    /// Forwards the request, then holds the answer for `delay` before sending it.
    SlowAnswer { delay: Duration },
    /// Closes the connection without answering the first `times` matching requests (and without
    /// forwarding them), then forwards.
    ResetFirst { times: usize },
}

/// A rule: the fault, the method it applies to (`None`: any) and a substring of the path.
#[derive(Clone, Debug)]
pub struct Rule {
    pub method: Option<&'static str>,
    pub path: String,
    pub fault: Fault,
}

/// The proxy: its address, and how many requests each rule matched.
pub struct Proxy {
    pub addr: String,
    pub hits: Arc<Vec<AtomicUsize>>,
}

/// Starts a proxy to `upstream` (`http://127.0.0.1:PORT`) applying `rules` (the first that matches wins).
pub async fn start(upstream: &str, rules: Vec<Rule>) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the proxy");
    let addr = format!("http://{}", listener.local_addr().expect("proxy address"));
    let upstream = upstream.trim_start_matches("http://").to_string();
    let hits: Arc<Vec<AtomicUsize>> = Arc::new(rules.iter().map(|_| AtomicUsize::new(0)).collect());
    let rules = Arc::new(rules);
    let counters = hits.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let (rules, counters, upstream) = (rules.clone(), counters.clone(), upstream.clone());
            tokio::spawn(async move {
                let _ = serve(conn, &rules, &counters, &upstream).await;
            });
        }
    });
    Proxy { addr, hits }
}

/// Reads one request: its head (as text) and body.
async fn read_request(conn: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok((head, body))
}

async fn serve(
    mut conn: TcpStream,
    rules: &[Rule],
    hits: &[AtomicUsize],
    upstream: &str,
) -> std::io::Result<()> {
    let (head, body) = read_request(&mut conn).await?;
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let (method, path) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let list = method == "LIST" || path.contains("list=true");
    let matched = rules.iter().enumerate().find(|(_, r)| {
        path.contains(&r.path) && r.method.is_none_or(|m| m == method || (m == "LIST" && list))
    });
    let fault = matched.map(|(i, r)| (hits[i].fetch_add(1, Ordering::SeqCst), r.fault.clone()));
    match fault {
        Some((_, Fault::Huge { megabytes })) => {
            conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
                .await?;
            conn.write_all(b"{\"data\":{\"keys\":[\"").await?;
            let block = vec![b'a'; 1024 * 1024];
            for _ in 0..megabytes {
                if conn.write_all(&block).await.is_err() {
                    return Ok(()); // The client gave up: that is the point.
                }
            }
            conn.write_all(b"\"]}}").await?;
            Ok(())
        }
        Some((_, Fault::ListsItself)) => {
            let body = br#"{"data":{"keys":["folder/"]}}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            conn.write_all(head.as_bytes()).await?;
            conn.write_all(body).await
        }
        Some((n, Fault::ResetFirst { times })) if n < times => {
            drop(conn); // No answer, nothing forwarded.
            Ok(())
        }
        Some((_, Fault::SlowAnswer { delay })) => {
            let answer = forward(upstream, &head, &body).await?;
            tokio::time::sleep(delay).await;
            conn.write_all(&answer).await
        }
        _ => {
            let answer = forward(upstream, &head, &body).await?;
            conn.write_all(&answer).await
        }
    }
}

/// Sends the request to the real server on a connection of its own and returns the whole answer.
async fn forward(upstream: &str, head: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).await?;
    // One request per connection: ask the server to close, so the answer ends with the connection.
    let head: String = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let head = head.trim_end_matches("\r\n").to_string() + "\r\nConnection: close\r\n\r\n";
    up.write_all(head.as_bytes()).await?;
    up.write_all(body).await?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).await?;
    Ok(answer)
}
