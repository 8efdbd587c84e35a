//! Drawing of the audit view: the progress bar while the crawl runs, then one row per secret with a mode
//! (path, mode, who, when, drift), the selected row's details, what could not be audited, and the export
//! prompt. Drift is marked `!` and notes `?`, so the view reads without colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{Theme, editor, plural, short_time, truncate};
use crate::action::Action;
use crate::app::audit::{AuditView, drift_summary};
use crate::vault::audit::{AuditReport, AuditRow};
use crate::vault::modes::Mode;

/// Hints of the audit view for the message line.
pub(super) const HINTS: &[(Action, &str)] = &[
    (Action::Open, "jump"),
    (Action::Filter, "filter"),
    (Action::ToggleSort, "sort"),
    (Action::ExportJson, "json"),
    (Action::ExportCsv, "csv"),
    (Action::Refresh, "again"),
    (Action::Back, "close"),
    (Action::Help, "help"),
];

/// The breadcrumb of the title bar.
pub(super) fn crumb(v: &AuditView) -> String {
    format!("{} · audit", v.scope_label())
}

/// Column widths: (path, who, when, drift).
fn widths(width: usize) -> (usize, usize, usize, usize) {
    let (who, when, drift) = if width >= 100 { (14, 23, 22) } else { (10, 10, 16) };
    // The marker, then each column and the space after it.
    let path = width.saturating_sub(2 + 1 + 9 + who + 1 + when + 1 + drift).max(8);
    (path, who, when, drift)
}

/// `2026-11-25T12:00:03Z` in the room there is: the whole UTC time, or the date alone.
fn when(at: Option<&str>, room: usize) -> String {
    match at {
        None => "-".to_string(),
        Some(t) => {
            let t = short_time(t);
            if t.chars().count() > room { t.chars().take(10).collect() } else { t }
        }
    }
}

fn mode_word(m: Mode) -> &'static str {
    match m {
        Mode::None => "none",
        other => other.as_str(),
    }
}

/// `[██████░░░░]`.
fn bar(fraction: f64, width: usize) -> String {
    let full = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("[{}{}]", "█".repeat(full), "░".repeat(width - full))
}

/// `42%`.
fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction.clamp(0.0, 1.0) * 100.0)
}

/// Draws the audit view over `area`.
pub(super) fn draw(
    frame: &mut Frame,
    v: &AuditView,
    km: &crate::keymap::Keymap,
    theme: &Theme,
    area: Rect,
    spinner: &str,
) {
    frame.render_widget(Clear, area);
    let mut title = format!(" Audit of {} · policy {} ", v.scope_label(), v.policy);
    if v.filter_editing || !v.filter.is_empty() {
        title.push_str(&format!("· filter: {}{} ", v.filter, if v.filter_editing { "█" } else { "" }));
    }
    let mut block = Block::default().borders(Borders::ALL).title(title);
    if let Some(r) = &v.report {
        block = block.title_bottom(Line::from(summary(v, r)).right_aligned());
    }
    frame.render_widget(block, area);
    let p = crate::layout::audit_parts(area);
    let Some(report) = &v.report else {
        draw_waiting(
            frame,
            v,
            km,
            theme,
            Rect::new(p.header.x, p.header.y, p.header.width, area.height.saturating_sub(2)),
            spinner,
        );
        draw_export(frame, v, theme, area);
        return;
    };
    let width = p.header.width as usize;
    let (pw, ww, tw, _) = widths(width);
    let header = format!("  {:<pw$} {:<8} {:<ww$} {:<tw$} {}", "PATH", "MODE", "SET BY", "SET AT", "DRIFT");
    frame.render_widget(Paragraph::new(Line::styled(truncate(&header, width), theme.dim())), p.header);
    if v.view.is_empty() {
        let text = if report.rows.is_empty() {
            format!("No secret in {} has a mode, and the policy has no rule for one.", v.scope_label())
        } else {
            "no row matches the filter (Esc clears it)".to_string()
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.dim())).wrap(Wrap { trim: false }),
            p.rows,
        );
    }
    let height = p.rows.height as usize;
    for (i, row) in v.rows().enumerate().skip(v.offset).take(height) {
        let y = p.rows.y + (i - v.offset) as u16;
        let selected = i == v.selected;
        let line = row_line(row, width, theme, selected);
        let mut para = Paragraph::new(line);
        if selected {
            para = para.style(theme.selected());
        }
        frame.render_widget(para, Rect::new(p.rows.x, y, p.rows.width, 1));
    }
    if p.detail.height > 0
        && let Some(row) = v.selected_row()
    {
        draw_detail(frame, row, theme, p.detail);
    }
    draw_notes(frame, v, report, theme, p.notes, spinner);
    draw_export(frame, v, theme, area);
}

fn row_line(row: &AuditRow, width: usize, theme: &Theme, selected: bool) -> Line<'static> {
    let (pw, ww, tw, dw) = widths(width);
    let drift = drift_summary(row);
    let drift_style = if selected {
        Style::default()
    } else if row.has_drift() {
        theme.error()
    } else if row.drift.is_empty() {
        theme.fg_ok()
    } else {
        theme.dim()
    };
    let cells = format!(
        "{:<pw$} {:<8} {:<ww$} {:<tw$} ",
        truncate(&row.full_path(), pw),
        mode_word(row.mode),
        truncate(row.set_by.as_deref().unwrap_or("-"), ww),
        when(row.set_at.as_deref(), tw),
    );
    Line::from(vec![
        Span::raw(if selected { "› " } else { "  " }),
        Span::raw(cells),
        Span::styled(truncate(&drift, dw), drift_style),
    ])
}

fn draw_detail(frame: &mut Frame, row: &AuditRow, theme: &Theme, area: Rect) {
    let mut lines: Vec<Line> = Vec::new();
    let mut head = match row.mode {
        Mode::None => "no mode".to_string(),
        m => format!("mode {m}"),
    };
    if let Some(by) = &row.set_by {
        head.push_str(&format!(" · set by {by}"));
    }
    if let Some(at) = &row.set_at {
        head.push_str(&format!(" · {}", short_time(at)));
    }
    if row.mode == Mode::KeyOnly {
        head.push_str(&format!(
            " · keys: {}",
            if row.keys.is_empty() { "(none recorded)".to_string() } else { row.keys.join(", ") }
        ));
    }
    lines.push(Line::from(head));
    if row.drift.is_empty() {
        lines.push(Line::styled("no drift: the policy has this mode's rules", theme.fg_ok()));
    }
    for d in &row.drift {
        let (mark, style) = if d.is_drift() { ("!", theme.error()) } else { ("?", theme.dim()) };
        lines.push(Line::styled(format!("{mark} {}: {}", d.kind(), d.describe()), style));
    }
    let block = Block::default().borders(Borders::TOP).title(format!(" {} ", row.full_path()));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}

/// The summary on the bottom border: rows, drift, order.
fn summary(v: &AuditView, r: &AuditReport) -> String {
    let drifted = r.rows.iter().filter(|x| x.has_drift()).count();
    let shown = if v.view.len() == r.rows.len() {
        format!("{} {}", r.rows.len(), plural(r.rows.len(), "row", "rows"))
    } else {
        format!("{} of {} rows", v.view.len(), r.rows.len())
    };
    format!(" {shown} · {drifted} with drift · sorted by {} ", v.sort.label())
}

/// What could not be audited, the policy's absence, a failed refresh, or the progress of a refresh.
fn draw_notes(frame: &mut Frame, v: &AuditView, r: &AuditReport, theme: &Theme, area: Rect, spinner: &str) {
    if area.height == 0 {
        return;
    }
    let mut lines: Vec<Line> = Vec::new();
    if v.running.is_some() {
        let room = (area.width as usize).saturating_sub(12).min(30);
        lines.push(Line::from(format!(
            "{spinner} auditing again {} {}",
            bar(v.fraction, room),
            percent(v.fraction)
        )));
    }
    if let Some(e) = &v.error {
        lines.push(Line::styled(crate::sanitize::terminal(e).into_owned(), theme.error()));
    }
    let mut notes: Vec<String> = Vec::new();
    if !r.policy_found {
        notes.push(format!("policy {} is not on the server: no mode is enforced", r.policy));
    }
    let (d, u) = (r.denied.len(), r.unreadable.len());
    if d > 0 || u > 0 {
        let mut parts = Vec::new();
        if d > 0 {
            parts.push(format!("{d} {} not listable", plural(d, "folder", "folders")));
        }
        if u > 0 {
            parts.push(format!("{u} {} with unreadable metadata", plural(u, "secret", "secrets")));
        }
        notes.push(format!("not audited (permission denied): {}", parts.join(", ")));
    }
    if !notes.is_empty() {
        lines.push(Line::styled(notes.join(" · "), theme.error()));
    }
    if lines.is_empty() {
        lines.push(Line::styled("! drift · ? a note (not drift) · Enter jumps to the secret", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The crawl before its first report: the progress bar, or why it failed.
fn draw_waiting(
    frame: &mut Frame,
    v: &AuditView,
    km: &crate::keymap::Keymap,
    theme: &Theme,
    area: Rect,
    spinner: &str,
) {
    let mut lines: Vec<Line> = Vec::new();
    match &v.error {
        Some(e) => {
            lines.push(Line::styled(crate::sanitize::terminal(e).into_owned(), theme.error()));
            lines.push(Line::from(""));
            lines.push(Line::styled(
                format!(
                    "{} tries again · {} closes",
                    km.key_text(crate::keymap::Context::Audit, crate::action::Action::Refresh),
                    km.key_text(crate::keymap::Context::Audit, crate::action::Action::Back)
                ),
                theme.dim(),
            ));
        }
        None => {
            let room = (area.width as usize).saturating_sub(8).min(50);
            lines.push(Line::from(format!("{spinner} Auditing {}…", v.scope_label())));
            lines.push(Line::from(""));
            lines.push(Line::from(format!("{} {}", bar(v.fraction, room), percent(v.fraction))));
            lines.push(Line::styled(
                if v.label.is_empty() { "starting…".to_string() } else { v.label.clone() },
                theme.dim(),
            ));
            lines.push(Line::from(""));
            lines.push(Line::styled(
                "Every secret's metadata is read, and the key names of key-only secrets are compared with \
                 the real ones (never a value). Esc stops and closes.",
                theme.dim(),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn draw_export(frame: &mut Frame, v: &AuditView, theme: &Theme, area: Rect) {
    let Some(p) = &v.export else { return };
    let rows = v.report.as_ref().map_or(0, |r| r.rows.len());
    let mut lines = vec![
        Line::from(format!(
            "All {rows} {} as {}: paths, modes, names, key names; no secret value.",
            plural(rows, "row", "rows"),
            p.format.label()
        )),
        Line::from(vec![Span::styled("file: ", theme.dim()), Span::raw(format!("{}█", p.text))]),
    ];
    match (&p.error, p.writing) {
        (_, Some(_)) => lines.push(Line::from("writing…")),
        (Some(e), None) => lines.push(Line::styled(crate::sanitize::terminal(e).into_owned(), theme.error())),
        (None, None) => lines.push(Line::styled(
            "Enter writes (relative to the current directory) · Esc cancels",
            theme.dim(),
        )),
    }
    editor::popup(frame, area, &format!(" Export the audit as {} ", p.format.label()), lines);
}
