//! Drawing, as a pure function of `&App`: the explorer, the secret view, the JSON view, the help overlay
//! and the status bar. Only the rows on screen are built, so a folder of 100,000 entries draws as fast as
//! one of 20.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::action::Action;
use crate::app::overlay::{Layer, Popup};
use crate::app::{App, Level, PreviewData, PreviewState, SecretView};
use crate::keymap::Context;
use crate::layout::{Areas, areas_beside, main_area};
use crate::sanitize::terminal as shown;
use crate::secret::MASK;
use crate::vault::kv::{Entry, VersionState};

pub mod audit;
pub mod chooser;
pub mod compare;
pub mod editor;
pub mod finder;
pub mod forms;
pub mod history;
pub mod ops;
pub mod policy;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Styles, with a colourless variant for `NO_COLOR`.
struct Theme {
    no_color: bool,
}

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.no_color { Style::default() } else { Style::default().fg(c) }
    }
    fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    fn folder(&self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }
    fn dim(&self) -> Style {
        if self.no_color { Style::default() } else { Style::default().fg(Color::DarkGray) }
    }
    fn fg_ok(&self) -> Style {
        self.fg(Color::Green)
    }
    fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
    fn key(&self) -> Style {
        self.fg(Color::Yellow)
    }
    fn bar(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(Color::DarkGray).fg(Color::White)
        }
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let theme = Theme { no_color: app.no_color };
    let size = (frame.area().width, frame.area().height);
    let a = areas_beside(size, crate::layout::sidebar_width(size, app.sidebar));
    draw_title(frame, app, &theme, a.title);
    // From the bottom up: the screen, the dialogs over it, the bars, then the popups in the order they opened.
    let layers = app.layers();
    match app.screen() {
        Layer::Editor => {
            if let Some(e) = &app.editor {
                editor::draw(frame, e, &app.keymap, &theme, main_area(size), spinner(app));
            }
        }
        Layer::Compare => {
            if let Some(v) = &app.compare {
                compare::draw(frame, app, v, &theme, main_area(size));
            }
        }
        _ => draw_body(frame, app, &theme, &a, size),
    }
    for layer in layers.iter().rev() {
        match layer {
            Layer::Audit => {
                if let Some(v) = &app.audit {
                    audit::draw(frame, v, &app.keymap, &theme, main_area(size), spinner(app));
                }
            }
            Layer::Form => forms::draw(frame, app, &theme, main_area(size), spinner(app)),
            Layer::Ops => ops::draw(frame, app, &theme, main_area(size)),
            _ => {}
        }
    }
    draw_message(frame, app, &theme, a.message);
    draw_status(frame, app, &theme, a.status);
    for popup in app.popups() {
        draw_popup(frame, app, popup, &theme, size);
    }
    mark_unescaped(frame.buffer_mut());
}

/// The first key bound to `action` in `context` (`y`), for hints written as sentences: the hints show the
/// user's own keys.
fn key(app: &App, context: Context, action: Action) -> String {
    app.keymap.key_text(context, action)
}

fn draw_popup(frame: &mut Frame, app: &App, popup: &Popup, theme: &Theme, size: (u16, u16)) {
    match popup {
        Popup::Help { scroll } => draw_help(frame, app, *scroll, theme),
        Popup::Finder(v) => finder::draw(frame, app, v, theme),
        Popup::Share { full, projects, selected } => {
            let mut lines = Vec::new();
            if projects.is_empty() {
                lines.push(Line::from(format!("Make {} private?", shown(full))));
                lines.push(Line::styled(
                    "It moves to your personal folder (verified): the project's members lose access.",
                    theme.dim(),
                ));
            } else {
                lines.push(Line::from(format!("Share {} with:", shown(full))));
                lines.push(Line::from(""));
                for (i, p) in projects.iter().enumerate() {
                    let mut l = Line::from(format!(
                        "{} project {}",
                        if i == *selected { "›" } else { " " },
                        shown(p)
                    ));
                    if i == *selected {
                        l = l.style(theme.selected());
                    }
                    lines.push(l);
                }
                lines.push(Line::styled(
                    "It moves into the project's folder (verified): its members can read it.",
                    theme.dim(),
                ));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                format!(
                    "{} does it · {} cancels",
                    key(app, Context::Menu, Action::Choose),
                    key(app, Context::Menu, Action::Back)
                ),
                theme.dim(),
            ));
            editor::popup(frame, main_area(size), " Share ", lines);
        }
        Popup::ScopeChoice { name, choices, selected } => {
            let mut lines = vec![Line::from(format!("Where does {} go?", shown(name))), Line::from("")];
            for (i, (label, _, _)) in choices.iter().enumerate() {
                let mut l =
                    Line::from(format!("{} {}", if i == *selected { "›" } else { " " }, shown(label)));
                if i == *selected {
                    l = l.style(theme.selected());
                }
                lines.push(l);
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                format!(
                    "{} creates it there · {} cancels · the server enforces who may read it",
                    key(app, Context::Menu, Action::Choose),
                    key(app, Context::Menu, Action::Back)
                ),
                theme.dim(),
            ));
            editor::popup(frame, main_area(size), " New secret: private or project? ", lines);
        }
        Popup::Login(f) => {
            let field = |label: &str, value: String, focused: bool| {
                let cursor = if focused { "█" } else { "" };
                Line::from(vec![
                    Span::styled(format!("{label:>14}: "), theme.dim()),
                    Span::raw(format!("{value}{cursor}")),
                ])
            };
            let secret = if f.secret_hidden() {
                // A fixed mask: typing shows nothing of the password's length.
                if f.secret.0.is_empty() { String::new() } else { MASK.to_string() }
            } else {
                shown(&f.secret.0).into_owned()
            };
            let mut lines = vec![
                Line::styled(shown(&f.reason).into_owned(), theme.dim()),
                Line::from(format!("{} at auth/{}/", f.settings.method.name(), shown(&f.settings.mount))),
                Line::from(""),
                field(f.name_label(), shown(&f.name).into_owned(), f.focus == 0),
                field(f.secret_label(), secret, f.focus == 1),
                Line::from(""),
            ];
            if let Some(url) = &f.url {
                lines.push(Line::from(format!(
                    "Open this URL in a browser ({} copies it; over SSH forward the callback port):",
                    key(app, Context::Line, Action::CopyValue)
                )));
                lines.push(Line::styled(shown(url).into_owned(), theme.key()));
                lines.push(Line::from(""));
            }
            if let Some(e) = &f.error {
                lines.push(Line::styled(shown(e).into_owned(), theme.error()));
            }
            lines.push(Line::styled(
                if f.busy {
                    format!("{} logging in…", spinner(app))
                } else {
                    "Tab next field · Enter logs in · Esc closes (open views stay as they are)".to_string()
                },
                theme.dim(),
            ));
            editor::popup(frame, main_area(size), " Log in ", lines);
        }
        Popup::Places { choices, selected } => {
            let mut lines = Vec::new();
            let label_w = choices.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(8).min(30);
            for (i, (label, path)) in choices.iter().enumerate() {
                let mut l = Line::from(format!(
                    "{} {:<label_w$}  {}",
                    if i == *selected { "›" } else { " " },
                    shown(label),
                    shown(path)
                ));
                if i == *selected {
                    l = l.style(theme.selected());
                }
                lines.push(l);
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                format!(
                    "{} jumps there · {} cancels · b in a folder bookmarks it",
                    key(app, Context::Menu, Action::Choose),
                    key(app, Context::Menu, Action::Back)
                ),
                theme.dim(),
            ));
            editor::popup(frame, main_area(size), " Places ", lines);
        }
        Popup::Namespaces { choices, profiles, selected } => {
            let here = app.namespace.as_deref().unwrap_or("(root)");
            let mut lines = vec![Line::from(format!("Now in {}. Switch to:", shown(here))), Line::from("")];
            for (i, ns) in choices.iter().enumerate() {
                let name = match ns {
                    Some(n) => shown(n).into_owned(),
                    None => "(root namespace)".to_string(),
                };
                let mut l = Line::from(format!("{} {name}", if i == *selected { "›" } else { " " }));
                if i == *selected {
                    l = l.style(theme.selected());
                }
                lines.push(l);
            }
            for (j, p) in profiles.iter().enumerate() {
                let i = choices.len() + j;
                let mut l =
                    Line::from(format!("{} profile {}", if i == *selected { "›" } else { " " }, shown(p)));
                if i == *selected {
                    l = l.style(theme.selected());
                }
                lines.push(l);
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                format!(
                    "{} switches (the explorer starts again there) · {} cancels",
                    key(app, Context::Menu, Action::Choose),
                    key(app, Context::Menu, Action::Back)
                ),
                theme.dim(),
            ));
            editor::popup(frame, main_area(size), " Namespaces ", lines);
        }
        Popup::Prompt(p) => draw_prompt(frame, p, theme, main_area(size)),
        Popup::Chooser(c) => chooser::draw_chooser(frame, app, c, &app.service, theme, main_area(size)),
        Popup::ManualCopy { title, text } => chooser::draw_manual(frame, title, &text.0, main_area(size)),
        Popup::ConfirmCopy(req) => {
            let clear = match app.clear_after_secs {
                0 => "It stays on the clipboard: clear_after is 0 in the config file.".to_string(),
                n => format!("It is cleared from the clipboard after {n} s if it is still there."),
            };
            let lines = vec![
                Line::from(format!("Copy {} to the clipboard?", shown(&req.what))),
                Line::styled(clear, theme.dim()),
                Line::from(""),
                Line::from(vec![
                    Span::styled(key(app, Context::Confirm, Action::Yes), theme.key()),
                    Span::raw(" copies · any other key cancels"),
                ]),
            ];
            editor::popup(frame, main_area(size), " Copy a secret value ", lines);
        }
        Popup::ModeMenu { selected } => {
            let Some(s) = &app.secret else { return };
            let choices = [
                "readonly — view and copy only: no edit, rename, move or delete",
                "key-only — key names visible, values never (sesame run still injects)",
                "none — clear the mode",
            ];
            let full = format!("{}/{}", s.mount.path, s.path);
            let mut lines = vec![Line::from(format!("Mode of {}:", shown(&full))), Line::from("")];
            for (i, text) in choices.iter().enumerate() {
                let mut l = Line::from(format!("{} {text}", if i == *selected { "›" } else { " " }));
                if i == *selected {
                    l = l.style(theme.selected());
                }
                lines.push(l);
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                format!(
                    "{} sets it (recorded with your name and the time) · {} cancels · then `sesame policy apply`",
                    key(app, Context::Menu, Action::Choose),
                    key(app, Context::Menu, Action::Back)
                ),
                theme.dim(),
            ));
            editor::popup(frame, main_area(size), " Set the admin mode ", lines);
        }
    }
}

/// The last line of defence: a cell that still holds a character the sanitizer escapes (text a drawing
/// site passed on without [`shown`]) is drawn as `�`, so the terminal never receives it. The sites escape
/// such text themselves, readably; this only catches what one of them would miss.
fn mark_unescaped(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.symbol().chars().any(crate::sanitize::needs_escape) {
            cell.set_symbol("\u{fffd}");
        }
    }
}

fn draw_prompt(frame: &mut Frame, p: &crate::app::prompt::Prompt, theme: &Theme, area: Rect) {
    let mut lines =
        vec![Line::from(vec![Span::styled("name: ", theme.dim()), Span::raw(format!("{}█", p.text))])];
    match &p.error {
        Some(e) => {
            lines.push(Line::styled(e.clone(), if p.text.is_empty() { theme.dim() } else { theme.error() }))
        }
        None => lines.push(Line::styled("Enter to create · Esc to cancel", theme.dim())),
    }
    editor::popup(frame, area, &p.title, lines);
}

fn draw_body(frame: &mut Frame, app: &App, theme: &Theme, a: &Areas, size: (u16, u16)) {
    match &app.secret {
        Some(s) => {
            let area = main_area(size);
            // The JSON view covers the secret view: the table beneath is not drawn (with a value of
            // megabytes, that alone would cost more than a frame).
            match s.json {
                Some(scroll) => draw_json(frame, s, scroll, theme, area),
                None => draw_secret(frame, app, s, theme, area),
            }
        }
        None if app.policy.is_some() => {
            if let Some(v) = &app.policy {
                policy::draw(frame, v, &app.keymap, theme, main_area(size), spinner(app));
            }
        }
        None if app.history.is_some() => {
            if let Some(h) = &app.history {
                history::draw(frame, h, &app.keymap, theme, main_area(size), spinner(app));
            }
        }
        None => {
            if let Some(side) = a.sidebar {
                draw_sidebar(frame, app, theme, side);
            }
            draw_list(frame, app, theme, a.list);
            if let Some(p) = a.preview {
                draw_preview(frame, app, theme, p);
            }
        }
    }
}

fn spinner(app: &App) -> &'static str {
    SPINNER[app.spinner % SPINNER.len()]
}

fn draw_title(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut spans = vec![Span::styled(" sesame ", theme.title()), Span::raw(" ")];
    let crumb = match (&app.editor, &app.secret) {
        (None, None) if app.audit.is_some() => app.audit.as_ref().map(audit::crumb).unwrap_or_default(),
        (None, None) if app.history.is_some() => {
            app.history.as_ref().map(|h| format!("{}/{} · history", h.mount.path, h.path)).unwrap_or_default()
        }
        (Some(e), _) => format!("{}/{}", e.mount.path, e.path),
        (None, Some(s)) => format!("{}/{}", s.mount.path, s.path),
        (None, None) => app.breadcrumb(),
    };
    spans.push(Span::styled(shown(&crumb).into_owned(), Style::default().add_modifier(Modifier::BOLD)));
    if app.busy() {
        spans.push(Span::raw(format!("  {} loading", spinner(app))));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn entry_line<'a>(app: &App, e: &'a Entry, theme: &Theme, width: usize) -> Line<'a> {
    let mut spans = Vec::new();
    if e.is_folder {
        spans.push(Span::styled(format!("{}/", shown(&e.name)), theme.folder()));
        if app.mount.is_none()
            && let Some(m) = app.mounts.iter().flatten().find(|m| m.path == e.name)
        {
            push_right(&mut spans, width, format!("[{}]", m.version.label()), theme.dim());
        }
    } else {
        spans.push(Span::raw(shown(&e.name)));
    }
    Line::from(spans)
}

/// Pads `spans` so that `tag` ends at column `width` (one space at least between them), then adds `tag`.
fn push_right(spans: &mut Vec<Span<'_>>, width: usize, tag: String, style: Style) {
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let pad = width.saturating_sub(used + tag.chars().count()).max(1);
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(tag, style));
}

/// ` [private]` on the user's personal folder, ` [project: NAME]` on a project's folder (the folders where a
/// scope begins; inside, the list's title says it).
fn scope_tag(app: &App, e: &Entry) -> Option<String> {
    if !e.is_folder || app.mount.is_none() {
        return None;
    }
    let full = format!("{}{}", app.breadcrumb(), e.name);
    let full = full.trim_end_matches('/');
    if let Some(u) = &app.scope_user
        && app.scopes.personal_for(u).trim_end_matches('/') == full
    {
        return Some(" [private]".to_string());
    }
    let root = app.scopes.projects.trim_end_matches('/');
    full.strip_prefix(&format!("{root}/"))
        .filter(|name| !name.contains('/'))
        .map(|name| format!(" [project: {}]", shown(name)))
}

/// The places beside the folder list (`B`): the one the current folder is in is marked.
fn draw_sidebar(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let choices = app.place_choices();
    let here = app.current_place(&choices);
    let block = Block::default().borders(Borders::ALL).title(" Places ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    for (i, (label, path)) in choices.iter().enumerate().take(inner.height as usize) {
        let text = match label.as_str() {
            "Bookmark" => format!("★ {}", shown(path)),
            "My secrets" => "⌂ My secrets".to_string(),
            l => match l.strip_prefix("Project ") {
                Some(p) => format!("◆ {}", shown(p)),
                None => format!("  {}", shown(l.strip_prefix("Mount ").unwrap_or(l))),
            },
        };
        let text: String = if text.chars().count() > width {
            text.chars().take(width.saturating_sub(1)).chain(std::iter::once('…')).collect()
        } else {
            text
        };
        let mut line = Line::from(text);
        if Some(i) == here {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if choices.is_empty() {
        lines.push(Line::styled("looking up…", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_list(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let l = &app.list;
    let mut title = match &app.mount {
        None => format!(" Mounts ({}) ", l.view.len()),
        Some(_) => format!(" {} ", count_label(l.view.len(), l.entries.len(), app.list_loading)),
    };
    if !l.filter.is_empty() {
        title.push_str(&format!("filter: {} ", shown(&l.filter)));
    }
    if app.mount.is_some() {
        match crate::scopes::classify(&app.scopes, app.scope_user.as_deref(), &app.breadcrumb()) {
            crate::scopes::Scope::Private => title.push_str("[private] "),
            crate::scopes::Scope::Project(p) => title.push_str(&format!("[project: {}] ", shown(&p))),
            crate::scopes::Scope::Other => {}
        }
    }
    let hidden = l.hidden_count();
    let mut block = Block::default().borders(Borders::ALL).title(title);
    if hidden > 0 {
        block = block.title_bottom(Line::from(format!(" {hidden} hidden ")).right_aligned());
    }
    if l.descending {
        block = block.title_bottom(Line::from(" Z→A ").left_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    if l.view.is_empty() {
        let text = if let Some(e) = &app.list_error {
            Line::styled(e.clone(), theme.error())
        } else if app.list_loading {
            Line::from(format!("{} loading…", spinner(app)))
        } else if !l.filter.is_empty() {
            Line::styled("no entry matches the filter", theme.dim())
        } else if app.mount.is_none() {
            Line::styled("no KV mount visible", theme.dim())
        } else if hidden > 0 {
            Line::styled("only hidden entries here (press . to show them)", theme.dim())
        } else {
            Line::styled("empty folder", theme.dim())
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
        return;
    }
    let width = inner.width as usize;
    for (i, (pos, e)) in l.visible(height).enumerate() {
        let row = Rect::new(inner.x, inner.y + i as u16, inner.width, 1);
        let mut line = entry_line(app, e, theme, width.saturating_sub(2));
        if let Some(tag) = scope_tag(app, e) {
            line.spans.push(Span::styled(tag, theme.dim()));
        }
        forms::tag_entry(app, e, &mut line, width.saturating_sub(2), theme);
        line.spans.insert(0, Span::raw(if pos == l.selected { "› " } else { "  " }));
        let mut p = Paragraph::new(line);
        if pos == l.selected {
            p = p.style(theme.selected());
        }
        frame.render_widget(p, row);
    }
    if let Some(err) = &app.list_error {
        let row = Rect::new(inner.x, inner.y + inner.height.saturating_sub(1), inner.width, 1);
        frame.render_widget(Paragraph::new(Line::styled(shown(err).into_owned(), theme.error())), row);
    }
}

fn count_label(shown: usize, total: usize, loading: bool) -> String {
    let more = if loading { "…" } else { "" };
    if shown == total {
        format!("{total}{more} {}", plural(total, "entry", "entries"))
    } else {
        format!("{shown} of {total}{more} {}", plural(total, "entry", "entries"))
    }
}

fn draw_preview(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" Preview ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    let lines: Vec<Line> = match &app.preview.state {
        PreviewState::Empty => vec![],
        PreviewState::Loading => vec![Line::from(format!("{} loading…", spinner(app)))],
        PreviewState::Error(e) => vec![Line::styled(shown(e).into_owned(), theme.error())],
        PreviewState::Mount(m) => {
            let mut v = vec![Line::from(format!("{}/ — {} mount", shown(&m.path), m.version.label()))];
            if !m.description.is_empty() {
                v.push(Line::styled(shown(&m.description).into_owned(), theme.dim()));
            }
            v.push(Line::from(""));
            v.push(Line::styled("Enter to open", theme.dim()));
            v
        }
        PreviewState::Ready(PreviewData::Folder(entries)) => {
            let visible: Vec<&Entry> =
                entries.iter().filter(|e| app.list.show_hidden || !e.is_hidden()).collect();
            let mut v = vec![Line::styled(
                format!("folder · {} {}", visible.len(), plural(visible.len(), "entry", "entries")),
                theme.dim(),
            )];
            let hidden = entries.len() - visible.len();
            if visible.is_empty() {
                v.push(Line::styled(
                    if hidden > 0 {
                        format!("(only {hidden} hidden: . shows them)")
                    } else {
                        "(empty)".to_string()
                    },
                    theme.dim(),
                ));
            }
            let room = height.saturating_sub(1);
            for e in visible.iter().take(if visible.len() > room { room.saturating_sub(1) } else { room }) {
                v.push(entry_line(app, e, theme, inner.width as usize));
            }
            if visible.len() > room {
                v.push(Line::styled(format!("… {} more", visible.len() + 1 - room), theme.dim()));
            }
            v
        }
        PreviewState::Ready(PreviewData::Keys { keys, version }) => {
            let mut v = Vec::new();
            match version {
                Some(ver) => {
                    v.push(Line::styled(format!("secret · version {}", ver.version), theme.dim()));
                    v.push(Line::styled(shown(&short_time(&ver.created_time)).into_owned(), theme.dim()));
                }
                None => v.push(Line::styled("secret", theme.dim())),
            }
            v.extend(forms::preview_type(app, keys, theme));
            if let Some(ver) = version
                && ver.state != VersionState::Live
            {
                v.push(Line::styled(format!("latest version is {}", ver.state.word()), theme.error()));
            }
            v.push(Line::styled(
                format!("{} {}", keys.len(), plural(keys.len(), "key", "keys")),
                theme.dim(),
            ));
            for k in keys.iter().take(height.saturating_sub(v.len())) {
                v.push(Line::styled(shown(k).into_owned(), theme.key()));
            }
            v
        }
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `2026-11-25T12:00:03.123Z` → `2026-11-25 12:00:03 UTC`.
pub fn short_time(t: &str) -> String {
    if t.len() >= 19 && t.as_bytes().get(10) == Some(&b'T') {
        format!("{} {} UTC", &t[..10], &t[11..19])
    } else {
        t.to_string()
    }
}

fn draw_secret(frame: &mut Frame, app: &App, s: &SecretView, theme: &Theme, area: Rect) {
    let mut title = format!(" {} ", shown(&format!("{}/{}", s.mount.path, s.path)));
    if s.annotations.as_ref().is_some_and(crate::snippet::is_injected) {
        title.push_str("[env] ");
    }
    if let Some(tag) = app.secret_mode().tag() {
        title.push_str(tag);
        title.push(' ');
    }
    title.push_str(&forms::title_tag(app, s));
    if let Some(v) = s.read.as_ref().and_then(|r| r.version.as_ref()) {
        let older = if s.version.is_some() { " (an older version)" } else { "" };
        title.push_str(&format!("· version {}{older} · {} ", v.version, shown(&short_time(&v.created_time))));
    } else if s.mount.version == crate::vault::KvVersion::V1 {
        title.push_str("· KV v1 (unversioned) ");
    }
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(record) = &s.key_only {
        let mut lines = vec![
            Line::styled(
                "key-only: its keys are listed; its values are never read, shown, copied or exported.",
                theme.key(),
            ),
            Line::styled(
                format!(
                    "mode set by {} at {}",
                    shown(record.set_by.as_deref().unwrap_or("?")),
                    shown(&short_time(record.set_at.as_deref().unwrap_or("?")))
                ),
                theme.dim(),
            ),
            Line::from(""),
            Line::styled("  KEY", theme.dim()),
        ];
        for (i, k) in record.keys.iter().enumerate().skip(s.offset) {
            let mut line = Line::from(vec![
                Span::raw(if i == s.selected { "› " } else { "  " }),
                Span::styled(shown(k).into_owned(), theme.key()),
            ]);
            if i == s.selected {
                line = line.style(theme.selected());
            }
            lines.push(line);
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    if s.loading && s.read.is_none() {
        frame.render_widget(Paragraph::new(format!("{} loading…", spinner(app))), inner);
        return;
    }
    let Some(data) = s.read.as_ref().and_then(|r| r.data.as_ref()) else {
        let msg = shown(s.error.as_deref().unwrap_or("no data")).into_owned();
        frame.render_widget(
            Paragraph::new(Line::styled(msg, theme.error())).wrap(Wrap { trim: false }),
            inner,
        );
        return;
    };
    if data.pairs.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled("this secret has no keys", theme.dim())), inner);
        return;
    }
    let key_w = data
        .keys()
        .map(|k| shown(k).chars().count())
        .max()
        .unwrap_or(3)
        .clamp(3, (inner.width as usize / 3).max(3));
    let type_w = 6;
    // With `--env-file`: which keys the local file refers to (all of them through a whole-secret line).
    let referenced = app.env_file.as_ref().map(|(_, f)| f.keys_of(&s.mount, &s.path));
    let env_w = if referenced.is_some() { 4 } else { 0 };
    let header = Line::from(vec![
        Span::styled(format!("  {:<key_w$} ", "KEY"), theme.dim()),
        Span::styled(if env_w > 0 { "ENV " } else { "" }, theme.dim()),
        Span::styled(format!("{:<type_w$} ", "TYPE"), theme.dim()),
        Span::styled("VALUE", theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(header), Rect::new(inner.x, inner.y, inner.width, 1));
    let rows = inner.height.saturating_sub(1) as usize;
    let val_w = (inner.width as usize).saturating_sub(key_w + type_w + 4 + env_w);
    for (i, (k, v)) in data.pairs.iter().enumerate().skip(s.offset).take(rows) {
        let y = inner.y + 1 + (i - s.offset) as u16;
        let selected = i == s.selected;
        let shown_key = truncate(k, key_w);
        let value = if s.is_revealed(k) {
            let revealed = v.reveal();
            // Multi-line values show their first line; the JSON view shows them whole.
            let first = revealed.lines().next().unwrap_or("").to_string();
            let more = if revealed.contains('\n') { " ⏎…" } else { "" };
            format!("{}{more}", truncate(&first, val_w.saturating_sub(more.chars().count())))
        } else {
            MASK.to_string()
        };
        let env_mark = match &referenced {
            Some(Some(keys)) if keys.is_empty() || keys.contains(k) => " ●  ",
            Some(_) => "    ",
            None => "",
        };
        let line = Line::from(vec![
            Span::raw(if selected { "› " } else { "  " }),
            Span::styled(format!("{shown_key:<key_w$} "), theme.key()),
            Span::styled(env_mark, theme.fg_ok()),
            Span::styled(format!("{:<type_w$} ", v.kind()), theme.dim()),
            Span::raw(value),
        ]);
        let mut p = Paragraph::new(line);
        if selected {
            p = p.style(theme.selected());
        }
        frame.render_widget(p, Rect::new(inner.x, y, inner.width, 1));
    }
    // The selected value, revealed, shown whole below the table when there is room (PEM blocks, JSON).
    if let Some((k, v)) = data.pairs.get(s.selected)
        && s.is_revealed(k)
    {
        let used = 1 + data.pairs.len().saturating_sub(s.offset).min(rows) as u16;
        let free = inner.height.saturating_sub(used + 1);
        if free >= 4 {
            let revealed = v.reveal();
            let body: Vec<Line> = revealed.lines().map(|l| Line::from(shown(l).into_owned())).collect();
            let width = inner.width.saturating_sub(2).max(1) as usize;
            let need: usize = body.iter().map(|l| l.width().div_ceil(width).max(1)).sum::<usize>() + 2;
            let h = (need as u16).min(free);
            let area =
                Rect::new(inner.x, inner.y + inner.height - h - u16::from(s.error.is_some()), inner.width, h);
            let block = Block::default()
                .borders(Borders::TOP)
                .title(format!(" {} ", shown(k)))
                .style(Style::default());
            frame.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }).block(block), area);
        }
    }
    forms::draw_ssh_key(frame, app, s, theme, inner);
    if let Some(e) = &s.error {
        let y = inner.y + inner.height.saturating_sub(1);
        frame.render_widget(
            Paragraph::new(Line::styled(shown(e).into_owned(), theme.error())),
            Rect::new(inner.x, y, inner.width, 1),
        );
    }
}

/// `s` through the sanitizer, cut to `width` characters with `…` when longer. Every name, key, value or
/// server text drawn through it is shown escaped.
pub(crate) fn truncate(s: &str, width: usize) -> String {
    let s = shown(s);
    if s.chars().count() <= width {
        s.into_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn draw_json(frame: &mut Frame, s: &SecretView, scroll: usize, theme: &Theme, area: Rect) {
    let Some(data) = s.read.as_ref().and_then(|r| r.data.as_ref()) else { return };
    frame.render_widget(Clear, area);
    let title = if s.reveal_all { " JSON (values revealed) " } else { " JSON (values masked: a to reveal) " };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Laid out by the app when the view opened or changed; built here only if that was skipped.
    let built;
    let layout = match &s.json_layout {
        Some(l) if l.revealed == s.reveal_all => l,
        _ => {
            built = crate::app::json_view::JsonLayout::new(data, s.reveal_all);
            &built
        }
    };
    // Long lines wrap by characters; only the rows on screen are cut out and drawn.
    let width = inner.width.max(1) as usize;
    let height = inner.height as usize;
    let scroll = scroll.min(layout.rows(width).saturating_sub(height));
    let mut rows: Vec<Line> = Vec::with_capacity(height);
    let mut row = 0;
    for l in &layout.lines {
        let n = l.chars.div_ceil(width).max(1);
        if row + n <= scroll {
            row += n;
            continue;
        }
        let skip = scroll.saturating_sub(row);
        let key_chars = l.key.chars().count();
        let mut chars = l.key.chars().chain(l.text.chars()).enumerate().skip(skip * width);
        for _ in skip..n {
            if rows.len() == height {
                break;
            }
            let (mut key, mut text) = (String::new(), zeroize::Zeroizing::new(String::new()));
            for (pos, c) in chars.by_ref().take(width) {
                if pos < key_chars { key.push(c) } else { text.push(c) }
            }
            rows.push(Line::from(vec![Span::styled(key, theme.key()), Span::raw(text.to_string())]));
        }
        row += n;
        if rows.len() == height {
            break;
        }
    }
    frame.render_widget(Paragraph::new(rows), inner);
}

/// The hint line under a popup: each binding of its context with its short hint, as the keymap has them.
fn popup_hints(app: &App, ctx: Context) -> Line<'static> {
    let mut spans = Vec::new();
    let room = app.size.0 as usize;
    let mut used = 0;
    // Dropping a path segment only applies to destinations.
    let destination = matches!(app.ops.stage, Some(crate::app::ops::Stage::Destination { .. }));
    for b in app.keymap.bindings.iter().filter(|b| b.context == ctx) {
        if b.action == Action::DeleteSegment && !destination {
            continue;
        }
        // Revealing a changed pair only applies to the editor's save question.
        let saving =
            app.editor.as_ref().is_some_and(|e| matches!(e.mode, crate::app::editor::EditMode::Summary(_)));
        if ctx == Context::Confirm && b.action == Action::Reveal && !saving {
            continue;
        }
        // Copying the sign-on URL only applies while a login waits for the browser.
        let signing_on = app.popups().iter().any(|p| matches!(p, Popup::Login(f) if f.url.is_some()));
        if ctx == Context::Line && b.action == Action::CopyValue && !signing_on {
            continue;
        }
        let Some(k) = b.keys.first() else { continue };
        let word = if b.hint.is_empty() { b.desc.as_str() } else { b.hint.as_str() };
        let (key, label) = (format!(" {k}"), format!(" {word} "));
        used += key.chars().count() + label.chars().count();
        if used > room {
            break;
        }
        spans.push(Span::styled(key, Style::default().add_modifier(Modifier::BOLD)));
        spans.push(Span::raw(label));
    }
    Line::from(spans)
}

fn hints(app: &App) -> Line<'static> {
    let ctx = app.context();
    let wanted: &[(Action, &str)] = match ctx {
        Context::Explorer => &[
            (Action::Open, "open"),
            (Action::Back, "back"),
            (Action::Filter, "filter"),
            (Action::NewSecret, "new"),
            (Action::Edit, "edit"),
            (Action::UseInService, "use"),
            (Action::Refresh, "refresh"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
        Context::Secret => &[
            (Action::Reveal, "reveal"),
            (Action::RevealAll, "all"),
            (Action::JsonView, "json"),
            (Action::CopyValue, "copy"),
            (Action::UseInService, "use"),
            (Action::Edit, "edit"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        Context::Editor => &[
            (Action::AddKey, "add"),
            (Action::EditValue, "edit"),
            (Action::RenameKey, "rename"),
            (Action::DeleteKey, "delete"),
            (Action::Save, "save"),
            (Action::Back, "leave"),
            (Action::Help, "help"),
        ],
        Context::Policy => &[
            (Action::ApplyPolicy, "apply"),
            (Action::CopyValue, "copy HCL"),
            (Action::JsonView, "HCL/diff"),
            (Action::Back, "close"),
            (Action::Help, "help"),
        ],
        Context::History => &[
            (Action::Open, "open"),
            (Action::MarkVersion, "mark"),
            (Action::DiffVersions, "diff"),
            (Action::Rollback, "roll back"),
            (Action::Undelete, "undelete"),
            (Action::DestroyVersion, "destroy"),
            (Action::Back, "close"),
        ],
        Context::Form | Context::TypePicker => forms::hint_actions(app),
        Context::Audit => audit::HINTS,
        Context::Menu
        | Context::Confirm
        | Context::Conflict
        | Context::Report
        | Context::Line
        | Context::Finder
        | Context::Compare => {
            return popup_hints(app, ctx);
        }
        _ => &[(Action::RevealAll, "reveal"), (Action::Back, "close"), (Action::Help, "help")],
    };
    let mut spans = Vec::new();
    let (mut used, room) = (0, app.size.0 as usize);
    let extra = ops::hints(app, ctx);
    for (action, label) in wanted.iter().chain(extra) {
        if let Some(k) = app.keymap.key_for(ctx, *action) {
            let (key, label) = (format!(" {k}"), format!(" {label} "));
            used += key.chars().count() + label.chars().count();
            if used > room && extra.iter().any(|(a, _)| a == action) {
                break;
            }
            // Actions the token may not perform are shown struck through (pressing one says why).
            if app.action_denied(*action).is_some() {
                let off = ops::disabled(&Theme { no_color: app.no_color });
                spans.push(Span::styled(key, off));
                spans.push(Span::styled(label, off));
            } else {
                spans.push(Span::styled(key, Style::default().add_modifier(Modifier::BOLD)));
                spans.push(Span::raw(label));
            }
        }
    }
    Line::from(spans)
}

fn draw_message(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let line = if app.filter_editing {
        Line::from(vec![
            Span::styled(" /", theme.key()),
            Span::raw(shown(&app.list.filter).into_owned()),
            Span::raw("█"),
        ])
    } else if let Some((level, text)) = &app.message {
        let style = if *level == Level::Error { theme.error() } else { Style::default() };
        Line::styled(format!(" {}", shown(text)), style)
    } else {
        hints(app)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The TTL as the status bar counts it down: to the second under two minutes, else rounded up to the minute
/// (a minute-long line does not flicker every second).
fn countdown(left: u64) -> u64 {
    if left < 120 { left } else { left.div_ceil(60) * 60 }
}

/// `3600` → `1h`, `5400` → `1h30m`.
pub fn format_ttl(secs: u64) -> String {
    if secs == 0 {
        return "no expiry".to_string();
    }
    let (d, h, m, s) = (secs / 86400, secs % 86400 / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::from("ttl ");
    if d > 0 {
        out.push_str(&format!("{d}d"));
    }
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 && d == 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 && d == 0 && h == 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

fn draw_status(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut parts = vec![app.addr.clone()];
    // The profile and the namespace, when there are.
    match (&app.profile, &app.namespace) {
        (Some(p), Some(ns)) => parts.push(format!("{} · ns {}", shown(p), shown(ns))),
        (Some(p), None) => parts.push(shown(p).into_owned()),
        (None, Some(ns)) => parts.push(format!("ns {}", shown(ns))),
        (None, None) => {}
    }
    match &app.identity {
        Some(id) => {
            let policies: Vec<&str> = id
                .policies
                .iter()
                .map(String::as_str)
                .filter(|p| *p != "default" || id.policies.len() == 1)
                .collect();
            parts.push(format!(
                "{} [{}] {}",
                if id.display_name.is_empty() { "token" } else { id.display_name.as_str() },
                policies.join(","),
                format_ttl(countdown(app.token_left()))
            ))
        }
        None => parts.push("identity unknown".to_string()),
    }
    let mount = app.secret.as_ref().map(|s| &s.mount).or(app.mount.as_ref());
    if let Some(m) = mount {
        parts.push(m.version.label().to_string());
    }
    let text = format!(" {}", parts.join(" │ "));
    let right = " ? help ";
    let pad = (area.width as usize).saturating_sub(text.chars().count() + right.chars().count());
    let line = Line::from(vec![Span::raw(text), Span::raw(" ".repeat(pad)), Span::raw(right)]);
    frame.render_widget(Paragraph::new(line).style(theme.bar()), area);
}

fn draw_help(frame: &mut Frame, app: &App, scroll: usize, theme: &Theme) {
    let area = frame.area();
    let w = area.width.saturating_sub(4).min(76);
    let h = area.height.saturating_sub(2);
    let popup = Rect::new(area.x + (area.width - w) / 2, area.y + 1, w, h);
    frame.render_widget(Clear, popup);
    let block = Block::default().borders(Borders::ALL).title(" Keys — any other key closes ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let mut lines: Vec<Line> = Vec::new();
    let key_w = app
        .keymap
        .bindings
        .iter()
        .map(|b| b.keys.iter().map(|k| k.to_string().chars().count() + 1).sum::<usize>())
        .max()
        .unwrap_or(10)
        .min(28);
    let desc_w = (inner.width as usize).saturating_sub(key_w + 3).max(10);
    for ctx in Context::ALL {
        let bindings: Vec<_> = app.keymap.bindings.iter().filter(|b| b.context == ctx).collect();
        if bindings.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::styled(ctx.title(), theme.title()));
        for b in bindings {
            let keys = b.keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
            for (i, part) in wrap_words(&b.desc, desc_w).into_iter().enumerate() {
                let k = if i == 0 { keys.clone() } else { String::new() };
                lines.push(Line::from(vec![
                    Span::styled(format!("  {k:<key_w$} "), theme.key()),
                    Span::raw(part),
                ]));
            }
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Mouse: click selects, click again opens, wheel scrolls.", theme.dim()));
    let total = lines.len();
    let scroll = scroll.min(total.saturating_sub(inner.height as usize));
    let paragraph = Paragraph::new(lines);
    if total > inner.height as usize + scroll {
        let hint = Line::from(format!(
            " ↓ {}/{} for more ",
            key(app, Context::Report, Action::Down),
            key(app, Context::Report, Action::PageDown)
        ))
        .right_aligned();
        let bottom = Rect::new(popup.x, popup.y + popup.height.saturating_sub(1), popup.width, 1);
        frame.render_widget(Paragraph::new(hint), bottom);
    }
    frame.render_widget(paragraph.scroll((scroll.min(u16::MAX as usize) as u16, 0)), inner);
}

/// Splits text into lines of at most `width` characters at spaces.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// `1 entry`, `2 entries`.
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// A rectangle of `pct_w`% by `pct_h`% centred in `area`.
pub(crate) fn centered(area: Rect, pct_w: u16, pct_h: u16) -> Rect {
    let w = (area.width * pct_w / 100).max(20.min(area.width));
    let h = (area.height * pct_h / 100).max(5.min(area.height));
    centered_size(area, w, h)
}

/// A rectangle of `w` by `h` (at most the size of `area`) centred in `area`.
pub(crate) fn centered_size(area: Rect, w: u16, h: u16) -> Rect {
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}
