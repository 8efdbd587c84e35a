//! Drawing of typed secrets, as pure functions of the app state: the type picker of "new secret", the docker
//! registry and SSH key forms, the explorer's type tags (`[docker]`, `[ssh]`: text, readable without
//! colour), the type in the preview and in the secret view's title, and the public half of the SSH key in the
//! secret view of an ssh-auth secret.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::editor::popup;
use super::{Theme, push_right, truncate, wrap_words};
use crate::action::Action;
use crate::app::forms::docker::{DockerForm, DockerMode, FIELDS, field_label, field_value};
use crate::app::forms::ssh::{SshFocus, SshForm, SshMode};
use crate::app::forms::{Form, TypePicker};
use crate::app::{App, SecretView};
use crate::keymap::Context;
use crate::secret::MASK;
use crate::secret::docker::{DOCKER_HUB, Field};
use crate::secret::types::{DOCKER_CONFIG_KEY, SSH_PRIVATE_KEY, SecretType};
use crate::vault::kv::Entry;

/// Width of the field labels of the forms.
const LABEL_W: usize = 17;

/// Draws the open form (if any) over `area`: the picker as a popup, the forms over the whole area.
pub(super) fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect, spinner: &str) {
    match &app.form {
        Some(Form::Picker(p)) => draw_picker(frame, p, theme, area),
        Some(Form::Docker(f)) => draw_docker(frame, app, f, theme, area, spinner),
        Some(Form::Ssh(f)) => draw_ssh(frame, app, f, theme, area, spinner),
        None => {}
    }
}

/// The actions whose keys the status line offers while a form is open.
pub(super) fn hint_actions(app: &App) -> &'static [(Action, &'static str)] {
    match &app.form {
        Some(Form::Docker(_)) => &[
            (Action::NextField, "next"),
            (Action::Save, "save"),
            (Action::Reveal, "show"),
            (Action::AddRegistry, "add"),
            (Action::RemoveRegistry, "remove"),
            (Action::Back, "leave"),
        ],
        Some(Form::Ssh(_)) => &[
            (Action::NextField, "next"),
            (Action::LoadFile, "key file"),
            (Action::Save, "save"),
            (Action::Reveal, "show"),
            (Action::Back, "leave"),
            (Action::Help, "help"),
        ],
        _ => &[
            (Action::Down, "next"),
            (Action::Open, "create"),
            (Action::Back, "cancel"),
            (Action::Help, "help"),
        ],
    }
}

/// Adds the type tag of a secret of the current folder at the right of its row, when the type is known and
/// not Opaque.
pub(super) fn tag_entry(app: &App, e: &Entry, line: &mut Line<'_>, width: usize, theme: &Theme) {
    if e.is_folder || app.mount.is_none() {
        return;
    }
    let mut tags: Vec<&str> = Vec::new();
    if let Some(m) = &app.mount
        && let Some((mode, inject)) =
            app.marks.get(&format!("{}/{}", m.path, app.folder)).and_then(|f| f.get(&e.name))
    {
        if *inject {
            tags.push("[env]");
        }
        if let Some(t) = mode.tag() {
            tags.push(t);
        }
    }
    if let Some(t) = app.listed_type(&e.name).and_then(SecretType::tag) {
        tags.push(t);
    }
    if tags.is_empty() {
        return;
    }
    push_right(&mut line.spans, width, tags.join(" "), theme.dim());
}

/// The preview's type line for the selected secret, given its keys (none for Opaque).
pub(super) fn preview_type(app: &App, keys: &[String], theme: &Theme) -> Option<Line<'static>> {
    let name = &app.list.selected_entry()?.name;
    let ty = app.listed_type(name).unwrap_or_else(|| SecretType::from_keys(keys.iter().map(String::as_str)));
    let tag = ty.tag()?;
    Some(Line::styled(format!("{tag} {}", ty.label()), theme.dim()))
}

/// The type tag for the secret view's title (`[ssh] `), empty for Opaque.
pub(super) fn title_tag(app: &App, s: &SecretView) -> String {
    app.secret_type(s).tag().map(|t| format!("{t} ")).unwrap_or_default()
}

/// Under the keys of an ssh-auth secret: its fingerprint and public key (which may be copied), and why the
/// private key is never shown. Drawn at the bottom of `inner` when there is room.
pub(super) fn draw_ssh_key(frame: &mut Frame, app: &App, s: &SecretView, theme: &Theme, inner: Rect) {
    let Some(info) = app.ssh_key_info() else { return };
    let Some(data) = s.read.as_ref().and_then(|r| r.data.as_ref()) else { return };
    if data.pairs.get(s.selected).is_some_and(|(k, _)| k != SSH_PRIVATE_KEY && s.is_revealed(k)) {
        return; // The revealed value is shown there.
    }
    let width = inner.width.max(1) as usize;
    let mut lines = Vec::new();
    match info {
        Ok(i) => lines.extend(key_info_lines(i, theme)),
        Err(e) => lines.push(Line::styled(format!("the stored key cannot be read: {e}"), theme.error())),
    }
    lines.push(Line::styled(
        "The private key is never shown or copied: delete and recreate to change it.",
        theme.dim(),
    ));
    let rows = inner.height.saturating_sub(1) as usize;
    let used = 1 + data.pairs.len().saturating_sub(s.offset).min(rows) as u16 + u16::from(s.error.is_some());
    let free = inner.height.saturating_sub(used + 1);
    // Word wrapping may take a row more than the width suggests.
    let need = 1 + lines
        .iter()
        .map(|l| l.width().div_ceil(width).max(1) + usize::from(l.width() > width))
        .sum::<usize>() as u16;
    if free < 3 {
        return;
    }
    let h = need.min(free);
    let y = inner.y + inner.height - h - u16::from(s.error.is_some());
    let block = Block::default().borders(Borders::TOP).title(" SSH key ").style(Style::default());
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block),
        Rect::new(inner.x, y, inner.width, h),
    );
}

/// The fingerprint and public key of a key, labelled.
fn key_info_lines(i: &crate::secret::ssh::SshKeyInfo, theme: &Theme) -> Vec<Line<'static>> {
    vec![
        Line::from(vec![
            Span::styled(format!("{:<13}", "Fingerprint"), theme.dim()),
            Span::raw(format!("{} ({})", i.fingerprint, i.algorithm.keygen_name())),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<13}", "Public key"), theme.dim()),
            Span::raw(i.public_key.clone()),
        ]),
    ]
}

fn draw_picker(frame: &mut Frame, p: &TypePicker, theme: &Theme, area: Rect) {
    let w = (area.width.saturating_sub(4) as usize).clamp(30, 84);
    let inner_w = w.saturating_sub(4);
    let label_w = p.items.iter().map(|c| c.label().chars().count()).max().unwrap_or(10).min(30) + 2;
    let first_template = p.first_template();
    let mut lines: Vec<Line> = Vec::new();
    for (i, c) in p.items.iter().enumerate() {
        if i == first_template {
            lines.push(Line::styled("Quick add: key/value with the usual keys", theme.title()));
        }
        let selected = i == p.selected;
        let marker = if selected { "› " } else { "  " };
        let label = format!("{marker}{:<label_w$}", truncate(c.label(), label_w));
        let keys = truncate(&c.keys(), inner_w.saturating_sub(label.chars().count()));
        let pad = inner_w.saturating_sub(label.chars().count() + keys.chars().count());
        let mut line =
            Line::from(vec![Span::raw(label), Span::styled(keys, theme.key()), Span::raw(" ".repeat(pad))]);
        if selected {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    lines.push(Line::from(""));
    if let Some(c) = p.items.get(p.selected) {
        for part in wrap_words(&c.description(), inner_w) {
            lines.push(Line::styled(part, theme.dim()));
        }
    }
    if let Some(e) = &p.error {
        lines.push(Line::styled(e.clone(), theme.error()));
    }
    lines.push(Line::from(vec![
        Span::styled("Enter", theme.key()),
        Span::raw(" create · "),
        Span::styled("Esc", theme.key()),
        Span::raw(" cancel"),
    ]));
    let title = format!(" New secret {}/{}: choose its type ", p.mount.path, p.path);
    popup(frame, area, &truncate(&title, inner_w), lines);
}

fn form_block<'a>(title: String, bottom: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(Line::styled(bottom, theme.dim()).right_aligned())
}

fn key_name(app: &App, action: Action) -> String {
    app.keymap.key_for(Context::Form, action).map(|k| k.to_string()).unwrap_or_else(|| "?".into())
}

fn draw_docker(frame: &mut Frame, app: &App, f: &DockerForm, theme: &Theme, area: Rect, spinner: &str) {
    frame.render_widget(Clear, area);
    let title = if f.is_new {
        format!(" New docker registry secret {}/{} ", f.mount.path, f.path)
    } else {
        let v = f.base.as_ref().and_then(|b| b.version.as_ref()).map(|v| format!(" · version {}", v.version));
        format!(" Edit docker registry secret {}/{}{} ", f.mount.path, f.path, v.unwrap_or_default())
    };
    let reveal = key_name(app, Action::Reveal);
    let bottom = if f.reveal {
        format!(" passwords shown ({reveal} hides them) ")
    } else {
        format!(" passwords hidden ({reveal} shows them) ")
    };
    let block = form_block(title, bottom, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 {
        return;
    }

    let issues = f.issues();
    let n = f.config.registries.len();
    let mut lines: Vec<Line> = Vec::new();
    let mut focus_line = 0;
    for (i, r) in f.config.registries.iter().enumerate() {
        if i > 0 {
            lines.push(Line::from(""));
        }
        lines.push(Line::styled(format!("Registry {} of {n}", i + 1), theme.title()));
        if let Some(note) = f.notes.get(i).copied().flatten() {
            lines.push(Line::styled(format!("  {note}"), theme.dim()));
        }
        for field in FIELDS {
            let focused = f.focus == (i, field);
            let value = field_value(r, field);
            let mut spans = vec![
                Span::raw(if focused { "› " } else { "  " }),
                Span::styled(format!("{:<LABEL_W$}", field_label(field)), theme.key()),
            ];
            let shown = match field {
                Field::Password if !value.is_empty() && !f.reveal => MASK.to_string(),
                _ => value.to_string(),
            };
            if shown.is_empty() && !focused {
                let placeholder = match field {
                    Field::Registry => format!("(empty: Docker Hub, {DOCKER_HUB})"),
                    Field::Email => "(optional)".into(),
                    _ => String::new(),
                };
                spans.push(Span::styled(placeholder, theme.dim()));
            } else {
                let room = (inner.width as usize).saturating_sub(LABEL_W + 4);
                let tail: String = {
                    let count = shown.chars().count();
                    shown.chars().skip(count.saturating_sub(room)).collect()
                };
                spans.push(Span::raw(tail));
                if focused {
                    spans.push(Span::raw("█"));
                    if field == Field::Registry && value.is_empty() {
                        spans.push(Span::styled(" (empty: Docker Hub)", theme.dim()));
                    }
                }
            }
            if focused {
                focus_line = lines.len();
            }
            lines.push(Line::from(spans));
            if let Some(issue) = f.shown_issue(&issues, i, field) {
                lines.push(Line::styled(
                    format!("{:w$}✗ {}", "", issue.message, w = LABEL_W + 2),
                    theme.error(),
                ));
            }
        }
    }

    let mut stored: Vec<Line> = Vec::new();
    let mut stored_title = String::new();
    match &f.stored {
        Some(Ok(st)) => {
            stored_title = format!(
                " Stored {DOCKER_CONFIG_KEY} (read-only{}) ",
                if f.reveal { "" } else { ", passwords masked" }
            );
            for w in &st.warnings {
                stored.push(Line::styled(format!("! {w}"), theme.key()));
            }
            stored.extend(st.render(f.reveal).lines().map(|l| Line::from(l.to_string())));
        }
        Some(Err(bad)) => {
            stored_title = format!(" Stored {DOCKER_CONFIG_KEY}: malformed, its raw text ");
            stored.push(Line::styled(bad.error.clone(), theme.error()));
            if f.reveal {
                stored.extend(bad.raw.lines().map(|l| Line::from(l.to_string())));
            } else {
                let n = bad.raw.lines().count();
                let (lines, them) = if n == 1 { ("line", "it") } else { ("lines", "them") };
                stored.push(Line::styled(
                    format!("{MASK} {n} {lines} hidden ({reveal} shows {them})"),
                    theme.dim(),
                ));
            }
        }
        None => {}
    }

    let body_h = inner.height - 1;
    // The form takes what it needs, up to three fifths when the stored JSON is shown below it.
    let form_h = if stored.is_empty() {
        body_h
    } else {
        (lines.len() as u16 + 1).min((body_h * 3 / 5).max(3)).min(body_h)
    };
    let stored_h = body_h - form_h;
    // Keep the focused field and the message under it on screen.
    let offset = (focus_line + 2).saturating_sub(form_h as usize);
    frame.render_widget(
        Paragraph::new(lines).scroll((offset.min(u16::MAX as usize) as u16, 0)),
        Rect::new(inner.x, inner.y, inner.width, form_h),
    );
    if stored_h > 1 {
        let room = stored_h as usize - 1;
        let scroll = f.stored_scroll.min(stored.len().saturating_sub(room));
        let block = Block::default().borders(Borders::TOP).title(stored_title);
        // When more follows, the last row says so (and hides one more line).
        let below = if stored.len() > scroll + room { stored.len() + 1 - scroll - room } else { 0 };
        let area = Rect::new(inner.x, inner.y + form_h, inner.width, stored_h);
        frame.render_widget(
            Paragraph::new(stored).block(block).scroll((scroll.min(u16::MAX as usize) as u16, 0)),
            area,
        );
        if below > 0 {
            let keys = format!(
                "… {below} more lines · {}/{} scroll",
                key_name(app, Action::PageDown),
                key_name(app, Action::PageUp)
            );
            frame.render_widget(
                Paragraph::new(Line::styled(keys, theme.dim())),
                Rect::new(area.x, area.y + area.height - 1, area.width, 1),
            );
        }
    }
    let status = match (f.mode, &f.error) {
        (DockerMode::Saving, _) => Line::from(format!("{spinner} saving…")),
        (_, Some(e)) => Line::styled(e.clone(), theme.error()),
        _ => Line::from(""),
    };
    frame.render_widget(Paragraph::new(status), Rect::new(inner.x, inner.y + body_h, inner.width, 1));

    match f.mode {
        DockerMode::ConfirmReplace => {
            let lines = vec![
                Line::styled(format!("The stored {DOCKER_CONFIG_KEY} could not be read."), theme.error()),
                Line::from("Saving replaces it with the registries of this form;"),
                Line::from("the other keys of the secret are kept."),
                Line::from(""),
                Line::from(vec![
                    Span::styled(app.keymap.key_text(Context::Confirm, Action::Yes), theme.key()),
                    Span::raw(" replace it · any other key: back to the form"),
                ]),
            ];
            popup(frame, area, " Replace the malformed value? ", lines);
        }
        DockerMode::Conflict => {
            let lines = vec![
                Line::styled("Someone else changed this secret since you opened it.", theme.error()),
                Line::from("Nothing was written; your form is kept."),
                Line::from(""),
                Line::from(vec![
                    Span::styled(app.keymap.key_text(Context::Conflict, Action::Overwrite), theme.key()),
                    Span::raw(" overwrite with yours · "),
                    Span::styled(app.keymap.key_text(Context::Conflict, Action::Back), theme.key()),
                    Span::raw("/Esc keep editing"),
                ]),
            ];
            popup(frame, area, " Conflict ", lines);
        }
        DockerMode::ConfirmDiscard => {
            discard_popup(frame, app, area, theme, "This form has unsaved changes.")
        }
        DockerMode::Edit | DockerMode::Saving => {}
    }
}

fn discard_popup(frame: &mut Frame, app: &App, area: Rect, theme: &Theme, what: &str) {
    let lines = vec![
        Line::from(what.to_string()),
        Line::from(""),
        Line::from(vec![
            Span::styled(app.keymap.key_text(Context::Confirm, Action::Yes), theme.key()),
            Span::raw(" discard them · any other key: stay"),
        ]),
    ];
    popup(frame, area, " Leave without saving? ", lines);
}

fn draw_ssh(frame: &mut Frame, app: &App, f: &SshForm, theme: &Theme, area: Rect, spinner: &str) {
    frame.render_widget(Clear, area);
    let title = format!(" New SSH key secret {}/{} ", f.mount.path, f.path);
    let reveal = key_name(app, Action::Reveal);
    let bottom = if f.reveal {
        format!(" key text shown ({reveal} hides it) ")
    } else {
        format!(" key text hidden ({reveal} shows it) ")
    };
    let block = form_block(title, bottom, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 8 {
        return;
    }
    let mut y = inner.y;
    let line_at = |frame: &mut Frame, y: u16, line: Line| {
        frame.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
    };
    line_at(
        frame,
        y,
        Line::styled("Paste the private key (OpenSSH or PEM), or load it from a key file.", theme.dim()),
    );
    y += 1;

    let key_focus = f.focus == SshFocus::Key;
    let box_h = if f.reveal { inner.height.saturating_sub(10).clamp(3, 14) } else { 3 };
    let border = if key_focus { theme.key() } else { Style::default() };
    let kb = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(format!("{} Private key ", if key_focus { " ›" } else { "" }));
    let key_area = Rect::new(inner.x, y, inner.width, box_h);
    let key_inner = kb.inner(key_area);
    frame.render_widget(kb, key_area);
    let n = f.key_lines();
    if f.reveal {
        frame.render_widget(&f.text, key_inner);
    } else {
        let line = if n == 0 {
            let mut spans = vec![Span::styled("paste the private key here", theme.dim())];
            if key_focus {
                spans.insert(0, Span::raw("█ "));
            }
            Line::from(spans)
        } else {
            let from = f.loaded_from.as_ref().map(|p| format!(", loaded from {p}")).unwrap_or_default();
            Line::from(vec![
                Span::raw(format!("{MASK} ")),
                Span::styled(
                    format!("{n} line{}{from}, hidden ({reveal} shows them)", if n == 1 { "" } else { "s" }),
                    theme.dim(),
                ),
            ])
        };
        frame.render_widget(Paragraph::new(line), key_inner);
    }
    y += box_h;

    let file_focus = f.focus == SshFocus::File;
    let mut spans = vec![
        Span::raw(if file_focus { "› " } else { "  " }),
        Span::styled(format!("{:<LABEL_W$}", "Key file"), theme.key()),
    ];
    if f.file.is_empty() && !file_focus {
        let load = key_name(app, Action::LoadFile);
        spans.push(Span::styled(format!("(a path, e.g. ~/.ssh/id_ed25519: {load} goes here)"), theme.dim()));
    } else {
        spans.push(Span::raw(f.file.clone()));
        if file_focus {
            spans.push(Span::raw("█"));
            spans.push(Span::styled("  Enter loads it", theme.dim()));
        }
    }
    line_at(frame, y, Line::from(spans));
    y += 2;

    let mut lines: Vec<Line> = Vec::new();
    match &f.check {
        None => lines.push(Line::styled("No key yet.", theme.dim())),
        Some(Ok(p)) => {
            let i = &p.info;
            lines.push(Line::styled(
                format!("✓ a valid {} key in the {} format", i.algorithm.keygen_name(), i.format.label()),
                theme.fg_ok(),
            ));
            lines.extend(key_info_lines(i, theme));
            if let Some(note) = &p.note {
                lines.push(Line::styled(format!("! {note}"), theme.key()));
            }
            lines.push(Line::styled(
                format!(
                    "Saved as {SSH_PRIVATE_KEY}. Once stored, the private key is never shown again and cannot be \
                     changed."
                ),
                theme.dim(),
            ));
        }
        Some(Err(e)) => lines.push(Line::styled(format!("✗ {e}"), theme.error())),
    }
    let status_y = inner.y + inner.height - 1;
    if y < status_y {
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            Rect::new(inner.x, y, inner.width, status_y - y),
        );
    }
    let status = match (f.mode, &f.error) {
        (SshMode::Saving, _) => Line::from(format!("{spinner} saving…")),
        (_, Some(e)) => Line::styled(e.clone(), theme.error()),
        _ => Line::from(""),
    };
    frame.render_widget(Paragraph::new(status), Rect::new(inner.x, status_y, inner.width, 1));
    if f.mode == SshMode::ConfirmDiscard {
        discard_popup(frame, app, area, theme, "The key you gave is not saved.");
    }
}
