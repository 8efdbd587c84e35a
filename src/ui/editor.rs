//! Drawing of the key/value editor and its popups (value editor, file loader, save summary, conflict,
//! discard confirmation).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{Theme, centered, centered_size, truncate};
use crate::action::Action;
use crate::app::editor::{ChangeSummary, EditMode, Editor};
use crate::keymap::{Context, Keymap};
use crate::secret::MASK;

/// Draws the editor in `area`.
pub(super) fn draw(frame: &mut Frame, e: &Editor, km: &Keymap, theme: &Theme, area: Rect, spinner: &str) {
    let title = if let (true, Some(t)) = (e.is_new, &e.template) {
        format!(" New secret {}/{} · {} ", e.mount.path, e.path, t.name)
    } else if e.is_new {
        format!(" New secret {}/{} ", e.mount.path, e.path)
    } else {
        let v = e
            .base
            .as_ref()
            .and_then(|b| b.version.as_ref())
            .map(|v| format!(" · editing version {}", v.version));
        format!(" Edit {}/{}{} ", e.mount.path, e.path, v.unwrap_or_default())
    };
    let dirty = if e.dirty() { " modified " } else { "" };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(
            Line::from(format!(" UPPERCASE keys: {} ", if e.upper_keys { "on" } else { "off" }))
                .right_aligned(),
        )
        .title_bottom(Line::styled(dirty, theme.key()).left_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let issues = e.key_issues();
    let warnings = e.value_warnings();
    let key_w = e
        .rows
        .iter()
        .map(|r| r.key.chars().count())
        .max()
        .unwrap_or(3)
        .clamp(8, (inner.width as usize / 3).max(8));
    let header = Line::from(vec![
        Span::styled(format!("  {:<key_w$} ", "KEY"), theme.dim()),
        Span::styled("VALUE", theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(header), Rect::new(inner.x, inner.y, inner.width, 1));
    let rows_h = inner.height.saturating_sub(3) as usize;
    let offset = e.selected.saturating_sub(rows_h.saturating_sub(1));
    let val_w = 24.min((inner.width as usize).saturating_sub(key_w + 6));
    for (i, ((r, issue), shape)) in
        e.rows.iter().zip(&issues).zip(&warnings).enumerate().skip(offset).take(rows_h)
    {
        let tpl = e.template_key(&r.key);
        let y = inner.y + 1 + (i - offset) as u16;
        let selected = i == e.selected;
        let typing_key = matches!(&e.mode, EditMode::Key { row, .. } if *row == i);
        let mut spans = vec![Span::raw(if selected { "› " } else { "  " })];
        if let EditMode::Key { input, .. } = &e.mode
            && typing_key
        {
            let typed = input.lines().first().cloned().unwrap_or_default();
            spans.push(Span::styled(format!("{typed}█"), theme.key().add_modifier(Modifier::UNDERLINED)));
            let pad = key_w.saturating_sub(typed.chars().count() + 1);
            spans.push(Span::raw(" ".repeat(pad + 1)));
            match e.typed_key_error(i, &typed) {
                Some(reason) => spans.push(Span::styled(format!("✗ {reason}"), theme.error())),
                None if !typed.is_empty() => {
                    let mut note = String::from("✓ Enter to accept");
                    if let Some(up) = crate::secret::rules::uppercase_suggestion(&typed) {
                        note.push_str(&format!(" (convention: {up}; u upper-cases as you type)"));
                    }
                    spans.push(Span::styled(note, theme.dim()));
                }
                None => spans.push(Span::styled("type a key: letters, digits, _", theme.dim())),
            }
        } else {
            spans.push(Span::styled(format!("{:<key_w$} ", truncate(&r.key, key_w)), theme.key()));
            let value = if e.reveal || tpl.is_some_and(|k| !k.secret) {
                let v = r.value.reveal();
                let first = v.lines().next().unwrap_or("").to_string();
                truncate(&first, val_w)
            } else {
                MASK.to_string()
            };
            spans.push(Span::raw(format!("{value:<w$} ", w = val_w.max(MASK.chars().count()))));
            if let Some(err) = &issue.error {
                spans.push(Span::styled(format!("✗ {err}"), theme.error()));
            } else if let Some(w) = &issue.warning {
                spans.push(Span::styled(format!("! {w}"), theme.key()));
            } else if let Some(k) = tpl.filter(|_| r.value.reveal().is_empty()) {
                let optional = if k.required { "" } else { "optional: " };
                spans.push(Span::styled(format!("{optional}{}", k.hint), theme.dim()));
            } else if let Some(w) = shape.first() {
                spans.push(Span::styled(format!("! {w}"), theme.key()));
            } else if r.original.is_none() {
                spans.push(Span::styled("new", theme.dim()));
            } else if r.changed() {
                spans.push(Span::styled("changed", theme.dim()));
            }
            if r.encoding.is_some() {
                spans.push(Span::styled(" (binary file, base64)", theme.dim()));
            }
        }
        let mut p = Paragraph::new(Line::from(spans));
        if selected && !typing_key {
            p = p.style(theme.selected());
        }
        frame.render_widget(p, Rect::new(inner.x, y, inner.width, 1));
    }
    if e.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("no keys: a adds one", theme.dim())),
            Rect::new(inner.x, inner.y + 1, inner.width, 1),
        );
    }
    let status_y = inner.y + inner.height.saturating_sub(1);
    let status = match (&e.mode, &e.error) {
        (EditMode::Saving, _) => Line::from(format!("{spinner} saving…")),
        (_, Some(err)) => Line::styled(err.clone(), theme.error()),
        _ => Line::from(""),
    };
    frame.render_widget(
        Paragraph::new(status).wrap(Wrap { trim: false }),
        Rect::new(inner.x, status_y, inner.width, 1),
    );

    match &e.mode {
        EditMode::Value { input, row, json, error } => {
            let popup = centered(area, 90, 80);
            frame.render_widget(Clear, popup);
            let key = e.rows.get(*row).map(|r| r.key.as_str()).unwrap_or("");
            let kind = if *json { "JSON value" } else { "value" };
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" {kind} of {key} "))
                .title_bottom(Line::from(" Esc done · Ctrl-x drop the edit ").right_aligned());
            let inner = block.inner(popup);
            frame.render_widget(block, popup);
            // A template's key: what to paste, and the value's shape checked as it is typed (warnings only).
            let mut notes: Vec<Line> = Vec::new();
            if let Some(k) = e.template_key(key) {
                if !k.hint.is_empty() {
                    notes.push(Line::styled(k.hint.clone(), theme.dim()));
                }
                let typed = zeroize::Zeroizing::new(input.lines().join("\n"));
                if !typed.is_empty() {
                    notes.extend(
                        k.check(&typed).into_iter().map(|w| Line::styled(format!("! {w}"), theme.key())),
                    );
                }
            }
            if let Some(err) = error {
                notes.push(Line::styled(err.clone(), theme.error()));
            }
            let notes_h = (notes.len() as u16).min(inner.height.saturating_sub(1));
            let text_h = inner.height.saturating_sub(notes_h);
            frame.render_widget(input, Rect::new(inner.x, inner.y, inner.width, text_h));
            if notes_h > 0 {
                frame.render_widget(
                    Paragraph::new(notes).wrap(Wrap { trim: false }),
                    Rect::new(inner.x, inner.y + text_h, inner.width, notes_h),
                );
            }
        }
        EditMode::File { input, row, error, completions } => {
            let popup = centered(area, 80, 50);
            frame.render_widget(Clear, popup);
            let key = e.rows.get(*row).map(|r| r.key.as_str()).unwrap_or("");
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" Load {key} from a file "))
                .title_bottom(Line::from(" Tab completes · Enter loads · Esc cancels ").right_aligned());
            let inner = block.inner(popup);
            frame.render_widget(block, popup);
            let typed = input.lines().first().cloned().unwrap_or_default();
            let mut lines =
                vec![Line::from(vec![Span::styled("path: ", theme.dim()), Span::raw(format!("{typed}█"))])];
            if let Some(err) = error {
                lines.push(Line::styled(err.clone(), theme.error()));
            }
            lines.push(Line::styled(
                "UTF-8 text is stored as is; other files are stored base64-encoded and marked so.",
                theme.dim(),
            ));
            for c in completions.iter().take(inner.height.saturating_sub(4) as usize) {
                lines.push(Line::from(format!("  {c}")));
            }
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
        EditMode::Summary(s) => {
            let mut lines = summary_lines(s, theme);
            lines.push(Line::from(""));
            match &s.revealed {
                Some(k) => {
                    let old = e
                        .base
                        .as_ref()
                        .and_then(|b| b.data.as_ref())
                        .and_then(|d| d.get(k))
                        .map(|v| v.reveal());
                    let new = e.draft().get(k).map(|v| v.reveal());
                    let one = |v: Option<zeroize::Zeroizing<String>>| {
                        v.map(|t| super::shown(t.lines().next().unwrap_or("")).into_owned())
                            .unwrap_or_default()
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!("{} ", super::shown(k)), theme.key()),
                        Span::raw(format!("{}  →  {}", one(old), one(new))),
                    ]));
                }
                None => lines.push(Line::styled(
                    format!(
                        "values are not shown · {} reveals one changed pair at a time",
                        km.key_text(Context::Confirm, Action::Reveal)
                    ),
                    theme.dim(),
                )),
            }
            lines.push(Line::from(vec![
                Span::styled(km.key_text(Context::Confirm, Action::Yes), theme.key()),
                Span::raw(" or Enter: write · any other key: back to editing"),
            ]));
            popup(frame, area, " Save these changes? ", lines);
        }
        EditMode::Conflict { theirs, loading } => {
            let mut lines = vec![
                Line::styled("Someone else changed this secret since you opened it.", theme.error()),
                Line::from("Nothing was written; your draft is kept."),
                Line::from(""),
            ];
            if *loading {
                lines.push(Line::from(format!("{spinner} loading their version…")));
            }
            if let Some(t) = theirs {
                lines.push(Line::styled("Their change, compared with what you loaded:", theme.dim()));
                if t.is_empty() {
                    lines.push(Line::from("  (same keys and values: only the version moved)"));
                }
                lines.extend(summary_lines(t, theme));
                lines.push(Line::from(""));
            }
            lines.push(Line::from(vec![
                Span::styled(km.key_text(Context::Conflict, Action::ShowTheirs), theme.key()),
                Span::raw(" see their change · "),
                Span::styled(km.key_text(Context::Conflict, Action::Overwrite), theme.key()),
                Span::raw(" overwrite with yours · "),
                Span::styled(km.key_text(Context::Conflict, Action::Back), theme.key()),
                Span::raw("/Esc keep editing"),
            ]));
            popup(frame, area, " Conflict ", lines);
        }
        EditMode::ConfirmDiscard => {
            let lines = vec![
                Line::from("This secret has unsaved changes."),
                Line::from(""),
                Line::from(vec![
                    Span::styled(km.key_text(Context::Confirm, Action::Yes), theme.key()),
                    Span::raw(" discard them · any other key: keep editing"),
                ]),
            ];
            popup(frame, area, " Leave without saving? ", lines);
        }
        _ => {}
    }
}

fn summary_lines(s: &ChangeSummary, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for k in &s.added {
        lines.push(Line::styled(format!("  + {k}  (added)"), theme.fg_ok()));
    }
    for k in &s.removed {
        lines.push(Line::styled(format!("  - {k}  (removed)"), theme.error()));
    }
    for k in &s.changed {
        lines.push(Line::styled(format!("  ~ {k}  (value changed)"), theme.key()));
    }
    for (a, b) in &s.renamed {
        lines.push(Line::styled(format!("  {a} → {b}  (renamed)"), theme.key()));
    }
    if lines.is_empty() {
        lines.push(Line::from("  no change to the keys or values"));
    }
    lines
}

/// A centred popup with a title and lines.
pub(super) fn popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'_>>) {
    let h = (lines.len() as u16 + 2).min(area.height);
    let w = lines.iter().map(|l| l.width() as u16 + 4).max().unwrap_or(20).clamp(30, area.width);
    let rect = centered_size(area, w, h);
    frame.render_widget(Clear, rect);
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::default().borders(Borders::ALL).title(title.to_string()))
        .style(Style::default());
    frame.render_widget(p, rect);
}
