//! Drawing of the version history view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, short_time};
use crate::app::history::{HistoryView, VersionOp};
use crate::vault::kv::VersionState;

/// Draws the history of a secret in `area`.
pub(super) fn draw(
    frame: &mut Frame,
    h: &HistoryView,
    km: &crate::keymap::Keymap,
    theme: &Theme,
    area: Rect,
    spinner: &str,
) {
    let yes = km.key_text(crate::keymap::Context::Confirm, crate::action::Action::Yes);
    let block =
        Block::default().borders(Borders::ALL).title(format!(" History of {}/{} ", h.mount.path, h.path));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(versions) = &h.versions else {
        let text = match &h.error {
            Some(e) => Line::styled(crate::sanitize::terminal(e).into_owned(), theme.error()),
            None => Line::from(format!("{spinner} loading…")),
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
        return;
    };
    let header = Line::styled(format!("  {:<9} {:<24} {:<10} ", "VERSION", "CREATED", "STATE"), theme.dim());
    frame.render_widget(Paragraph::new(header), Rect::new(inner.x, inner.y, inner.width, 1));
    let bottom_lines: u16 = 4 + h.diff.as_ref().map_or(0, |(_, _, d)| d.lines().len().min(8) as u16 + 1);
    let rows_h = inner.height.saturating_sub(1 + bottom_lines) as usize;
    let offset = h.selected.saturating_sub(rows_h.saturating_sub(1));
    for (i, v) in versions.iter().enumerate().skip(offset).take(rows_h) {
        let y = inner.y + 1 + (i - offset) as u16;
        let mut tags = Vec::new();
        if v.version == h.current {
            tags.push("current");
        }
        if h.marked == Some(v.version) {
            tags.push("marked");
        }
        let state = v.state().word();
        let style = match v.state() {
            VersionState::Live => ratatui::style::Style::default(),
            _ => theme.dim(),
        };
        let line = Line::from(vec![
            Span::raw(if i == h.selected { "› " } else { "  " }),
            Span::styled(
                format!(
                    "{:<9} {:<24} {:<10} {}",
                    v.version,
                    short_time(&v.created_time),
                    state,
                    tags.join(" ")
                ),
                style,
            ),
        ]);
        let mut p = Paragraph::new(line);
        if i == h.selected {
            p = p.style(theme.selected());
        }
        frame.render_widget(p, Rect::new(inner.x, y, inner.width, 1));
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some((a, b, d)) = &h.diff {
        let shown =
            if h.diff_revealed { "values revealed: Space masks" } else { "values masked: Space reveals" };
        lines.push(Line::styled(format!("version {a} → {b}: {} ({shown})", d.summary()), theme.title()));
        for l in d.lines().into_iter().take(8) {
            let key = l.get(2..).unwrap_or("");
            let values = h.diff_values.iter().find(|(k, _, _)| k == key);
            let text = match (h.diff_revealed, values) {
                (true, Some((_, old, new))) => {
                    let show = |v: &Option<crate::secret::SecretValue>| {
                        v.as_ref().map_or("(absent)".to_string(), |v| {
                            v.reveal().lines().next().unwrap_or("").to_string()
                        })
                    };
                    format!("  {l}: {} → {}", show(old), show(new))
                }
                _ => format!("  {l}"),
            };
            lines.push(Line::from(crate::sanitize::terminal(&text).into_owned()));
        }
    }
    if h.busy {
        lines.push(Line::from(format!("{spinner} working…")));
    }
    if let Some((op, typed)) = &h.confirm {
        let q = match op {
            VersionOp::Rollback(v) => {
                format!("Write version {v}'s data as a new version? {yes}/Enter yes · other key no")
            }
            VersionOp::Undelete(v) => format!("Undelete version {v}? {yes}/Enter yes · other key no"),
            VersionOp::Delete(v) => {
                format!("Soft-delete version {v}? It can be undeleted. {yes}/Enter yes · other key no")
            }
            VersionOp::Destroy(v) => {
                format!(
                    "Destroy version {v} for good? Nothing can bring it back. Type {v} and Enter: {typed}█"
                )
            }
        };
        lines.push(Line::styled(q, theme.error()));
    }
    if let Some(e) = &h.error {
        lines.push(Line::styled(crate::sanitize::terminal(e).into_owned(), theme.error()));
    }
    let y = inner.y + inner.height.saturating_sub(bottom_lines);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect::new(inner.x, y, inner.width, bottom_lines.min(inner.height)),
    );
}
