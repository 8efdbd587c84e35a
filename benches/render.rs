//! Rendering benchmark: drawing the explorer on a folder of 100,000 entries, memory while scrolling, the
//! bytes a real terminal backend writes per frame, and how soon a 10,000-entry folder shows its first rows.
//!
//! Run with `cargo bench --bench render`. Prints a table and PASS/FAIL lines for the targets and exits
//! non-zero on a FAIL:
//! - ≤ 2 ms a frame (mean);
//! - memory that sesame holds (live heap bytes, counted by a global allocator wrapper) never grows more than
//!   2 MiB over 6,000 scrolled frames, and after 2,000 warm-up frames (the per-folder caches reach their
//!   bounds) its peak over the last 2,000 frames is no higher than over the 2,000 before (within 64 KiB). RSS is printed too, for information only: it also counts what the allocator
//!   keeps after a free, which is not sesame's to control;
//! - moving the selection by one row writes at most a tenth of a full repaint to the terminal.

// A counting global allocator measures the live heap.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts the bytes currently allocated by the whole process (the benchmark holds nothing that grows).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_kib() -> i64 {
    (LIVE.load(Ordering::Relaxed) / 1024) as i64
}

/// A terminal output that only counts what a diff-based backend would send over the wire.
struct Wire(std::rc::Rc<std::cell::Cell<usize>>);

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use sesame::app::{App, Effect, Msg, StartTarget};
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
        .find_map(|c| if let Effect::List { req, .. } = c { Some(*req) } else { None })
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

    // 1. Frame time and memory on 100,000 entries, scrolling with PageDown and Down through the folder.
    for size in [(80u16, 24u16), (120, 40), (200, 60)] {
        let (mut app, req) = app_in_folder(size);
        let mut list = entries(100_000);
        sesame::vault::kv::sort_entries(&mut list);
        app.update(Msg::Listed { req, result: Ok(list), done: true });
        let mut terminal = match Terminal::new(TestBackend::new(size.0, size.1)) {
            Ok(t) => t,
            Err(e) => panic!("terminal: {e}"),
        };
        // Warm up the drawing, then scroll 2,000 frames so that the per-folder caches reach their bounds.
        for _ in 0..50 {
            let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
        }
        let (rss_before, live_before) = (rss_kib(), live_kib());
        let mut warm_peak = live_before;
        for i in 0..2_000 {
            app.update(key(if i % 2 == 0 { KeyCode::PageDown } else { KeyCode::Down }));
            let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
            warm_peak = warm_peak.max(live_kib());
        }
        let frames = 4_000u32;
        let mut peaks = [live_before; 2];
        let mut worst = Duration::ZERO;
        let start = Instant::now();
        for i in 0..frames {
            let half = usize::from(i >= frames / 2);
            peaks[half] = peaks[half].max(live_kib());
            app.update(key(if i % 2 == 0 { KeyCode::PageDown } else { KeyCode::Down }));
            let t = Instant::now();
            let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
            worst = worst.max(t.elapsed());
        }
        let mean = start.elapsed() / frames;
        let rss_after = rss_kib();
        let ok = mean <= Duration::from_millis(2);
        let (first, second) = (peaks[0] - live_before, peaks[1] - live_before);
        let most = (warm_peak - live_before).max(first).max(second);
        let mem_ok = most < 2_048 && second <= first + 64;
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
            "| live heap growth at {}x{}: peak over 6,000 scrolled frames; peak in frames 2,001–4,000 / 4,001–6,000 (RSS growth, for information) | {most} KiB; {first} / {second} KiB ({} KiB) | < 2 MiB; levels off {} |\n",
            size.0,
            size.1,
            rss_after.saturating_sub(rss_before),
            if mem_ok { "PASS" } else { "FAIL" }
        ));
    }

    // 2. What the terminal is sent: a diff-based backend (crossterm's, as the TUI uses) writing to a counter,
    //    at 120x40 on 100,000 entries. Over SSH these bytes, not the buffer fill, are what a user waits for.
    {
        let size = (120u16, 40u16);
        let (mut app, req) = app_in_folder(size);
        let mut list = entries(100_000);
        sesame::vault::kv::sort_entries(&mut list);
        app.update(Msg::Listed { req, result: Ok(list), done: true });
        let viewport = Viewport::Fixed(Rect::new(0, 0, size.0, size.1));
        let sent = std::rc::Rc::new(std::cell::Cell::new(0));
        let backend = CrosstermBackend::new(Wire(sent.clone()));
        let mut terminal = match Terminal::with_options(backend, TerminalOptions { viewport }) {
            Ok(t) => t,
            Err(e) => panic!("terminal: {e}"),
        };
        let frame_bytes = |app: &App, terminal: &mut Terminal<CrosstermBackend<Wire>>| {
            let before = sent.get();
            let _ = terminal.draw(|f| sesame::ui::draw(f, app));
            sent.get() - before
        };
        let full = frame_bytes(&app, &mut terminal);
        // Move down a few rows first so that a one-row move does not scroll.
        for _ in 0..3 {
            app.update(key(KeyCode::Down));
            frame_bytes(&app, &mut terminal);
        }
        let (mut line, mut page) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            app.update(key(KeyCode::Down));
            line.push(frame_bytes(&app, &mut terminal));
            app.update(key(KeyCode::Up));
            frame_bytes(&app, &mut terminal);
        }
        for _ in 0..20 {
            app.update(key(KeyCode::PageDown));
            page.push(frame_bytes(&app, &mut terminal));
        }
        line.sort_unstable();
        page.sort_unstable();
        let (line, page) = (line[line.len() / 2], page[page.len() / 2]);
        let ok = line * 10 <= full;
        failures += usize::from(!ok);
        report.push_str(&format!(
            "| bytes written at 120x40: full repaint / one-row move / page move (median of 20) | {full} / {line} / {page} B | one-row move ≤ 1/10 of a repaint {} |\n",
            if ok { "PASS" } else { "FAIL" }
        ));
    }

    // 3. The JSON view of a secret with a 5 MB value (one long line and 50,000 short ones): each key press
    //    and its frame, revealed, at 120x40. The layout is built once when the view opens.
    {
        let size = (120u16, 40u16);
        let (mut app, _) =
            App::new("http://127.0.0.1:8200", Keymap::default_keymap(), Some("secret/big/".into()));
        app.update(Msg::Resize(size.0, size.1));
        let mount = Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() };
        app.update(Msg::Mounts(Ok(vec![mount.clone()])));
        let cmds =
            app.update(Msg::Resolved(Ok(StartTarget { mount, path: "big/blob".into(), is_secret: true })));
        let req = cmds
            .iter()
            .find_map(|c| match c {
                Effect::OpenSecret { req, .. } | Effect::Read { req, .. } => Some(*req),
                _ => None,
            })
            .unwrap_or(0);
        let long = "x".repeat(2_500_000);
        let lines: Vec<String> =
            (0..50_000).map(|i| format!("line {i:05} of a long PEM-like block")).collect();
        let json =
            serde_json::json!({ "BLOB": long, "LINES": lines.join("\n"), "N": { "nested": lines[..100] } });
        let data = sesame::secret::SecretData::from_json_object(&json.to_string()).unwrap_or_default();
        app.update(Msg::Secret {
            req,
            result: Ok(sesame::vault::kv::SecretRead { data: Some(data), version: None }),
        });
        let mut terminal = match Terminal::new(TestBackend::new(size.0, size.1)) {
            Ok(t) => t,
            Err(e) => panic!("terminal: {e}"),
        };
        let open = Instant::now();
        app.update(key(KeyCode::Char('J')));
        app.update(key(KeyCode::Char('a')));
        let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
        let opened = open.elapsed();
        let mut times = Vec::new();
        for i in 0..400 {
            let code = match i % 4 {
                0 | 1 => KeyCode::PageDown,
                2 => KeyCode::Down,
                _ => KeyCode::Up,
            };
            let t = Instant::now();
            app.update(key(code));
            let _ = terminal.draw(|f| sesame::ui::draw(f, &app));
            times.push(t.elapsed());
        }
        times.sort_unstable();
        let (median, worst) = (times[times.len() / 2], times[times.len() - 1]);
        let ok = worst <= Duration::from_millis(16);
        failures += usize::from(!ok);
        report.push_str(&format!(
            "| JSON view of a 5 MB secret at 120x40: open and reveal / key press and frame (median / worst of 400) | {:.1} ms / {:.3} ms / {:.3} ms | key ≤ 16 ms {} |\n",
            opened.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3,
            if ok { "PASS" } else { "FAIL" }
        ));
    }

    // 4. A 10,000-entry folder: first rows on screen after the first chunk, keys answered between chunks.
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
