//! Drawing of the finder: the query, the build's progress, and the ranked paths with their matched
//! characters highlighted. Paths come from the server: each character goes through the sanitizer.

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, key};
use crate::action::Action;
use crate::app::App;
use crate::app::finder::{ContentState, FinderView};
use crate::find::contents::Matched;
use crate::keymap::Context;
use crate::sanitize::terminal as shown;

/// `12345` → `12,345`.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn draw(frame: &mut Frame, app: &App, v: &FinderView, theme: &Theme) {
    let area = crate::layout::finder_area((frame.area().width, frame.area().height));
    frame.render_widget(Clear, area);
    let hints = format!(
        " {} open · {} folder · {} mode · {} close ",
        key(app, Context::Finder, Action::Choose),
        key(app, Context::Finder, Action::OpenFolder),
        key(app, Context::Finder, Action::CycleMatch),
        key(app, Context::Finder, Action::Back)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(
            " Find a secret · {}{}{} ",
            v.mode_label(),
            if v.keys { " · +key names" } else { "" },
            if v.values { " · +values (read, never shown)" } else { "" }
        ))
        .title_bottom(Line::from(hints).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let width = inner.width as usize;

    // The query.
    let mut query = vec![Span::styled("> ", theme.key()), Span::raw(format!("{}█", shown(&v.query)))];
    if let Some(e) = &v.error {
        query.push(Span::styled(format!("  {}", shown(e)), theme.error()));
    }
    frame.render_widget(Paragraph::new(Line::from(query)), ratatui::layout::Rect { height: 1, ..inner });

    // Progress and counts.
    let f = &app.finder;
    let p = f.snapshot;
    let secrets = f.index.len();
    let mut status = if f.done {
        format!("{} secrets indexed{}", thousands(secrets), if f.used_scan { " (SCAN)" } else { "" })
    } else {
        format!(
            "{} indexing… {} secrets · {} folders walked",
            super::spinner(app),
            thousands(secrets.max(p.secrets)),
            thousands(p.folders)
        )
    };
    let denied = f.index.denied().len().max(p.denied);
    if denied > 0 {
        status.push_str(&format!(" · {} folders not allowed (skipped)", thousands(denied)));
    }
    if f.truncated {
        status.push_str(&format!(" · index full at {} paths", thousands(f.index.max_paths())));
    }
    if !f.failures.is_empty() {
        status.push_str(&format!(" · {} failed: {}", f.failures.len(), shown(&f.failures[0])));
    }
    if !v.query.is_empty() {
        status.push_str(&format!(" · {} match", thousands(v.matched)));
        if v.matched > v.hits.len() {
            status.push_str(&format!(" (best {} shown)", v.hits.len()));
        }
    }
    match &v.content {
        ContentState::Off => {}
        ContentState::Due(_) => status.push_str(" · keys/values: searching when you stop typing"),
        ContentState::Running => status.push_str(&format!(
            " · {} reading secrets: {} in keys/values",
            super::spinner(app),
            v.contents.len()
        )),
        ContentState::Done(s) => {
            status.push_str(&format!(
                " · {} in keys/values of {} secrets",
                v.contents.len() + v.contents_dropped,
                thousands(s.secrets)
            ));
            if s.unreadable > 0 {
                status.push_str(&format!(", {} unreadable", thousands(s.unreadable)));
            }
            if s.key_only > 0 {
                status.push_str(&format!(", {} key-only by recorded names", thousands(s.key_only)));
            }
        }
        ContentState::Failed(e) => status.push_str(&format!(" · keys/values stopped: {}", shown(e))),
    }
    let status: String = status.chars().take(width).collect();
    frame.render_widget(
        Paragraph::new(Line::styled(status, theme.dim())),
        ratatui::layout::Rect { y: inner.y + 1, height: 1, ..inner },
    );

    // Results.
    let rows = inner.height.saturating_sub(2) as usize;
    if v.rows() == 0 {
        let text = if secrets == 0 && !f.done {
            "the first results appear as the index grows"
        } else {
            "no secret matches"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.dim())),
            ratatui::layout::Rect { y: inner.y + 2, height: 1, ..inner },
        );
        return;
    }
    for (row, (i, (id, positions))) in v.hits.iter().enumerate().skip(v.offset).take(rows).enumerate() {
        let Some(e) = f.index.get(*id) else { continue };
        let tag = format!(" {}", e.mount.version.label());
        let room = width.saturating_sub(tag.chars().count() + 2);
        let mut spans = vec![Span::raw(if i == v.selected { "› " } else { "  " })];
        let mut used = 0;
        for (ci, c) in e.full.chars().enumerate() {
            let text = shown(c.encode_utf8(&mut [0; 4])).into_owned();
            used += text.chars().count();
            if used > room {
                spans.push(Span::raw("…"));
                break;
            }
            let hit = positions.contains(&(ci as u32));
            spans.push(if hit {
                Span::styled(text, theme.key().add_modifier(Modifier::BOLD))
            } else {
                Span::raw(text)
            });
        }
        let pad = room.saturating_sub(used.min(room));
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled(tag, theme.dim()));
        let mut line = Line::from(spans);
        if i == v.selected {
            line = line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        frame.render_widget(
            Paragraph::new(line),
            ratatui::layout::Rect { y: inner.y + 2 + row as u16, height: 1, ..inner },
        );
    }
    // Key names and values, after the paths (a value is never shown: only which key's value matched).
    let first = v.hits.len();
    let on_screen = rows.saturating_sub(first.saturating_sub(v.offset));
    let skip = v.offset.saturating_sub(first);
    let top = first.saturating_sub(v.offset).min(rows);
    for (row, (i, h)) in v.contents.iter().enumerate().skip(skip).take(on_screen).enumerate() {
        let i = first + i;
        let full = format!("{}/{}", h.mount.path, h.path);
        let what = match h.matched {
            Matched::Key if h.recorded => format!("key {} (recorded, key-only)", shown(&h.key)),
            Matched::Key => format!("key {}", shown(&h.key)),
            Matched::Value => format!("the value of {} matches", shown(&h.key)),
        };
        let text = format!("{} {}  · {what}", if i == v.selected { "›" } else { " " }, shown(&full));
        let text: String = text.chars().take(width).collect();
        let mut line = Line::from(Span::raw(text));
        if i == v.selected {
            line = line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        frame.render_widget(
            Paragraph::new(line),
            ratatui::layout::Rect { y: inner.y + 2 + (top + row) as u16, height: 1, ..inner },
        );
    }
}
