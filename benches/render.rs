//! Rendering benchmark: drawing the explorer on a folder of 100,000 entries, memory while scrolling, and
//! how soon a 10,000-entry folder shows its first rows.
//!
//! Run with `cargo bench --bench render`. Prints a table and PASS/FAIL lines for the targets (≤ 2 ms a
//! frame; flat memory while scrolling) and exits non-zero on a FAIL.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sesame::app::{App, Command, Msg, StartTarget};
use sesame::keymap::Keymap;
use sesame::vault::kv::{Entry, KvVersion, Mount};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn app_in_folder(size: (u16, u16)) -> (App, u64) {
    let (mut app, _) =
        App::new("http://127.0.0.1:8200", Keymap::default_keymap(), Some("secret/big/".into()));
    app.update(Msg::Resize(size.0, size.1));
    let mount = Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() };
    app.update(Msg::Mounts(Ok(vec![mount.clone()])));
    let cmds = app.update(Msg::Resolved(Ok(StartTarget { mount, path: "big".into(), is_secret: false })));
    let req = cmds
        .iter()
        .find_map(|c| if let Command::List { req, .. } = c { Some(*req) } else { None })
        .unwrap_or(0);
    (app, req)
}

fn entries(n: usize) -> Vec<Entry> {
    (0..n).map(|i| Entry { name: format!("secret-{i:06}"), is_folder: i % 50 == 0 }).collect()
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn main() {
    let mut failures = 0;
    let mut report = String::from("| measure | result | target |\n|---|---|---|\n");

    // 1. Frame time on 100,000 entries, scrolling with PageDown through the folder.
    for size in [(80u16, 24u16), (120, 40), (200, 60)] {
        let (mut app, req) = app_in_folder(size);
        let mut list = entries(100_000);
        sesame::vault::kv::sort_entries(&mut list);
        app.update(Msg::Listed { req, result: Ok(list), done: true });
        let mut terminal = match Terminal::new(TestBackend::new(size.0, size.1)) {
            Ok(t) => t,
            Err(e) => panic!("terminal: {e}"),
        };
        // Warm up.
        for _ in 0..50 {
            let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
        }
        let rss_before = rss_kib();
        let frames = 2_000;
        let mut worst = Duration::ZERO;
        let start = Instant::now();
        for i in 0..frames {
            app.update(key(if i % 2 == 0 { KeyCode::PageDown } else { KeyCode::Down }));
            let t = Instant::now();
            let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
            worst = worst.max(t.elapsed());
        }
        let mean = start.elapsed() / frames;
        let rss_after = rss_kib();
        let grew = rss_after.saturating_sub(rss_before);
        let ok = mean <= Duration::from_millis(2);
        let mem_ok = grew < 2_048;
        failures += usize::from(!ok) + usize::from(!mem_ok);
        report.push_str(&format!(
            "| frame on 100,000 entries at {}x{} (mean / worst of {frames}) | {:.3} ms / {:.3} ms | ≤ 2 ms mean {} |\n",
            size.0,
            size.1,
            mean.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3,
            if ok { "PASS" } else { "FAIL" }
        ));
        report.push_str(&format!(
            "| RSS growth while scrolling {frames} frames at {}x{} | {grew} KiB | < 2 MiB {} |\n",
            size.0,
            size.1,
            if mem_ok { "PASS" } else { "FAIL" }
        ));
    }

    // 2. A 10,000-entry folder: first rows on screen after the first chunk, keys answered between chunks.
    let size = (120, 40);
    let (mut app, req) = app_in_folder(size);
    let mut list = entries(10_000);
    sesame::vault::kv::sort_entries(&mut list);
    let chunk = sesame::app::effects::LIST_CHUNK;
    let mut terminal = match Terminal::new(TestBackend::new(size.0, size.1)) {
        Ok(t) => t,
        Err(e) => panic!("terminal: {e}"),
    };
    let start = Instant::now();
    let mut first_rows = None;
    let mut key_latency = Duration::ZERO;
    let chunks: Vec<Vec<Entry>> = list.chunks(chunk).map(<[Entry]>::to_vec).collect();
    let n = chunks.len();
    for (i, c) in chunks.into_iter().enumerate() {
        app.update(Msg::Listed { req, result: Ok(c), done: i + 1 == n });
        let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
        if first_rows.is_none() {
            first_rows = Some(start.elapsed());
        }
        let t = Instant::now();
        app.update(key(KeyCode::Down));
        let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
        key_latency = key_latency.max(t.elapsed());
    }
    let all = start.elapsed();
    let first = first_rows.unwrap_or(all);
    let ok = first < all;
    failures += usize::from(!ok);
    report.push_str(&format!(
        "| 10,000-entry folder: first rows drawn / whole listing laid out | {:.3} ms / {:.3} ms | first rows before all {} |\n",
        first.as_secs_f64() * 1e3,
        all.as_secs_f64() * 1e3,
        if ok { "PASS" } else { "FAIL" }
    ));
    report.push_str(&format!(
        "| 10,000-entry folder: worst key-to-frame while loading | {:.3} ms | answers between chunks |\n",
        key_latency.as_secs_f64() * 1e3
    ));

    println!("{report}");
    let _ = std::fs::create_dir_all("target");
    let _ = std::fs::write("target/bench-render.md", &report);
    if failures > 0 {
        eprintln!("{failures} target(s) missed");
        std::process::exit(1);
    }
}
