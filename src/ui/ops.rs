//! Drawing of the operations' popups: delete confirmations, the destination prompt, the overwrite question,
//! progress, and the report of a batch.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, centered_size, key, plural, spinner, truncate};
use crate::action::Action;
use crate::app::App;
use crate::app::ops::{Count, OpKind, Stage, Target, Tone, capitalise, report_lines};
use crate::keymap::Context;
use crate::vault::kv::KvVersion;

/// Hints for the operations, shown after the others in the explorer and the secret view when they fit.
const HINTS: &[(Action, &str)] = &[
    (Action::Delete, "delete"),
    (Action::Move, "move"),
    (Action::Duplicate, "copy"),
    (Action::Rename, "rename"),
];

/// The operations' hints for this screen (none at the list of mounts: mounts are not deleted or moved).
pub(super) fn hints(app: &App, ctx: Context) -> &'static [(Action, &'static str)] {
    match ctx {
        Context::Explorer if app.mount.is_some() => HINTS,
        Context::Secret => HINTS,
        _ => &[],
    }
}

/// Draws the popup of the flow in progress, if any.
pub(super) fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let Some(stage) = &app.ops.stage else { return };
    let spin = spinner(app);
    match stage {
        Stage::DeleteSecret { target, choices, selected } => {
            let mut lines = vec![Line::from("Delete:")];
            for (i, c) in choices.iter().enumerate() {
                let mark = if i == *selected { "› " } else { "  " };
                let text = format!("{mark}{} {}", i + 1, c.label);
                let mut line = match &c.denied {
                    None => Line::from(text),
                    Some(_) => Line::styled(text, disabled(theme)),
                };
                if i == *selected {
                    line = line.patch_style(theme.selected());
                }
                lines.push(line);
                if let Some(reason) = &c.denied {
                    lines.push(Line::styled(format!("    not allowed: {reason}"), theme.dim()));
                }
            }
            lines.push(Line::from(""));
            let choose = key(app, Context::Menu, Action::Choose);
            let back = key(app, Context::Menu, Action::Back);
            let keys = if choices.len() > 1 {
                format!("{choose} deletes · ↑↓ or 1-{} choose · {back} cancels", choices.len().min(9))
            } else {
                format!("{choose} deletes · {back} cancels")
            };
            lines.push(Line::styled(keys, theme.dim()));
            box_popup(frame, area, &format!(" Delete {} ", target.display()), lines, 0);
        }
        Stage::DeleteFolder { target, count, all_versions, typed, error, .. } => {
            let lines =
                delete_folder_lines(target, count, *all_versions, typed, error.as_deref(), theme, spin);
            box_popup(frame, area, &format!(" Delete {} ", target.display()), lines, 0);
        }
        Stage::Destination { target, kind, text, error, checking } => {
            let label = if *kind == OpKind::Rename { "new name: " } else { "to: " };
            let mut lines =
                vec![Line::from(vec![Span::styled(label, theme.dim()), Span::raw(format!("{text}█"))])];
            if checking.is_some() {
                lines.push(Line::from(format!("{spin} checking the destination…")));
            } else if let Some(e) = error {
                lines.push(Line::styled(crate::sanitize::terminal(e).into_owned(), theme.error()));
            } else {
                lines.push(Line::from(""));
            }
            lines.push(Line::from(""));
            if *kind != OpKind::Rename {
                lines.push(Line::styled(
                    "Any mount or KV version; a trailing / puts it inside that folder.",
                    theme.dim(),
                ));
            }
            let how = match kind {
                OpKind::Copy => "copied and read back to verify it; the source stays.",
                _ => "copied and verified before its source is deleted.",
            };
            let who = if target.is_folder { "Each secret is" } else { "It is" };
            lines.push(Line::styled(format!("{who} {how}"), theme.dim()));
            lines.push(Line::styled(
                format!(
                    "Enter checks and starts · {} drops a segment · Esc cancels",
                    key(app, Context::Line, Action::DeleteSegment)
                ),
                theme.dim(),
            ));
            let title = format!(" {} {} ", capitalise(kind.verb()), target.display());
            box_popup(frame, area, &title, lines, 0);
        }
        Stage::Overwrite { target, kind, existing, .. } => {
            let lines = vec![
                Line::styled(crate::sanitize::terminal(existing).into_owned(), theme.error()),
                Line::from(""),
                Line::from("Overwrite? Each write checks the destination did not change since it was read."),
                Line::from(""),
                Line::styled(
                    format!(
                        "{} overwrites · {} chooses another destination · {} cancels",
                        key(app, Context::Confirm, Action::Yes),
                        key(app, Context::Confirm, Action::No),
                        key(app, Context::Confirm, Action::Back)
                    ),
                    theme.dim(),
                ),
            ];
            let title = format!(" {} {} ", capitalise(kind.verb()), target.display());
            box_popup(frame, area, &title, lines, 0);
        }
        Stage::Running { target, kind, dst, total, finished, failed, stopping, .. } => {
            let what = match dst {
                Some(d) => format!(
                    "{} → {}{}",
                    target.display(),
                    d.display(),
                    if target.is_folder { "/" } else { "" }
                ),
                None => target.display(),
            };
            let mut lines = vec![Line::from(what)];
            let doing = match kind {
                OpKind::Delete => "deleting",
                OpKind::Copy => "copying",
                OpKind::Move => "moving",
                OpKind::Rename => "renaming",
            };
            if *total == 0 || (!target.is_folder && *total <= 1) {
                let first = if target.is_folder { "looking for the secrets" } else { doing };
                lines.push(Line::from(format!("{spin} {first}…")));
            } else {
                let mut text = format!("{spin} {doing}: {finished} of {total} finished");
                if *failed > 0 {
                    text.push_str(&format!(" ({failed} not done)"));
                }
                lines.push(Line::from(text));
                lines.push(Line::from(bar(*finished, *total, 40)));
            }
            lines.push(Line::from(""));
            if *stopping {
                lines.push(Line::styled(
                    "stopping: what is in flight finishes, nothing new starts",
                    theme.dim(),
                ));
            } else if target.is_folder {
                lines.push(Line::styled("Esc stops (what is in flight finishes)", theme.dim()));
            }
            box_popup(frame, area, &format!(" {} ", capitalise(doing)), lines, 0);
        }
        Stage::Report { title, summary, report, verb, scroll, .. } => {
            let tone = if report.is_complete() { Style::default() } else { theme.error() };
            let mut lines =
                vec![Line::styled(summary.clone(), tone.add_modifier(Modifier::BOLD)), Line::from("")];
            lines.extend(
                report_lines(report, verb)
                    .into_iter()
                    .map(|(tone, text)| (tone, crate::sanitize::terminal(&text).into_owned()))
                    .map(|(tone, text)| match tone {
                        Tone::Heading => Line::styled(text, theme.title()),
                        Tone::Bad => Line::styled(text, theme.error()),
                        Tone::Plain => Line::from(text),
                        Tone::Dim => Line::styled(text, theme.dim()),
                    }),
            );
            lines.push(Line::from(""));
            lines.push(Line::styled(
                format!(
                    "{}/{} scroll · {} closes",
                    key(app, Context::Report, Action::Down),
                    key(app, Context::Report, Action::Up),
                    key(app, Context::Report, Action::Back)
                ),
                theme.dim(),
            ));
            box_popup(frame, area, title, lines, *scroll);
        }
    }
}

fn delete_folder_lines<'a>(
    target: &Target,
    count: &Count,
    all_versions: bool,
    typed: &str,
    error: Option<&str>,
    theme: &Theme,
    spin: &str,
) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let found = match count {
        Count::Counting => {
            lines.push(Line::from(format!("{spin} counting the secrets below {}…", target.display())));
            lines.push(Line::from(""));
            lines.push(Line::styled("Esc cancels", theme.dim()));
            return lines;
        }
        Count::Failed(e) => {
            lines.push(Line::styled(format!("cannot count the secrets: {e}"), theme.error()));
            lines.push(Line::from(""));
            lines.push(Line::styled("nothing was deleted · any key closes", theme.dim()));
            return lines;
        }
        Count::Counted(w) => w,
    };
    let n = found.secrets.len();
    if n == 0 {
        lines.push(Line::from(format!("{} holds no secret: nothing to delete.", target.display())));
        if !found.denied.is_empty() {
            lines.push(Line::styled(
                format!("{} subfolders cannot be listed by this token.", found.denied.len()),
                theme.error(),
            ));
        }
        lines.push(Line::from(""));
        lines.push(Line::styled("any key closes", theme.dim()));
        return lines;
    }
    lines.push(Line::from(vec![
        Span::raw(format!("{} holds ", target.display())),
        Span::styled(format!("{n} {}", plural(n, "secret", "secrets")), theme.error()),
        Span::raw(", subfolders included."),
    ]));
    match found.denied.len() {
        0 => {}
        1 => lines.push(Line::styled(
            "1 subfolder cannot be listed: its secrets are not counted and would stay.",
            theme.error(),
        )),
        d => lines.push(Line::styled(
            format!("{d} subfolders cannot be listed: their secrets are not counted and would stay."),
            theme.error(),
        )),
    }
    match target.mount.version {
        KvVersion::V2 if all_versions => {
            lines.push(Line::from("Delete every version of each: this cannot be undone."));
            lines.push(Line::styled("Tab: delete only the latest versions (undeletable)", theme.dim()));
        }
        KvVersion::V2 => {
            lines.push(Line::from("Delete the latest version of each (they can be undeleted)."));
            lines.push(Line::styled("Tab: delete every version instead", theme.dim()));
        }
        KvVersion::V1 => lines.push(Line::from("KV v1 keeps no versions: this cannot be undone.")),
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::raw("Type "),
        Span::styled(target.name().to_string(), Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(" to delete them all:"),
    ]));
    lines.push(Line::from(format!("> {typed}█")));
    match error {
        Some(e) => lines.push(Line::styled(e.to_string(), theme.error())),
        None => lines.push(Line::styled("Enter deletes · Esc cancels", theme.dim())),
    }
    lines
}

/// A popup sized to its lines, at most 100 columns wide (longer lines wrap), scrolled by `scroll` lines.
fn box_popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'_>>, scroll: usize) {
    if area.width < 8 || area.height < 3 {
        return;
    }
    let max_w = area.width.saturating_sub(4).clamp(8, 100) as usize;
    let widest = lines.iter().map(Line::width).max().unwrap_or(0).max(title.chars().count());
    let w = (widest + 2).clamp(30.min(max_w), max_w);
    let room = w - 2;
    // Wrap every line, remembering where each one starts, so scrolling moves by whole lines.
    let mut rows: Vec<Line> = Vec::new();
    let mut first_row = Vec::new();
    for l in lines {
        first_row.push(rows.len());
        rows.extend(wrap_line(l, room));
    }
    let max_h = if area.height > 12 { area.height - 2 } else { area.height };
    let h = (rows.len() as u16 + 2).min(max_h);
    let w = w as u16;
    let rect = centered_size(area, w, h);
    frame.render_widget(Clear, rect);
    let block = Block::default().borders(Borders::ALL).title(truncate(title, room));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let skip = first_row.get(scroll).copied().unwrap_or(0);
    let shown: Vec<Line> = rows.into_iter().skip(skip).collect();
    let more = shown.len() > inner.height as usize;
    frame.render_widget(Paragraph::new(shown), inner);
    if more {
        let hint = Line::from(" ↓ more ").right_aligned();
        frame.render_widget(Paragraph::new(hint), Rect::new(rect.x, rect.y + rect.height - 1, rect.width, 1));
    }
}

/// A line wrapped at spaces to `width` columns, continuations indented like the line plus two. A line that
/// fits keeps its spans; a wrapped one takes the style of its first span.
fn wrap_line(line: Line<'_>, width: usize) -> Vec<Line<'_>> {
    if line.width() <= width || width < 8 {
        return vec![line];
    }
    let style = line.spans.first().map_or(line.style, |s| line.style.patch(s.style));
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let indent = text.chars().take_while(|c| *c == ' ').count().min(width / 2);
    let mut out = Vec::new();
    let mut cur = " ".repeat(indent);
    let mut at_start = true;
    for word in text[indent..].split(' ') {
        let (used, n) = (cur.chars().count(), word.chars().count());
        if !at_start && used + 1 + n > width {
            out.push(Line::styled(std::mem::take(&mut cur), style));
            cur = " ".repeat(indent + 2);
            at_start = true;
        }
        if !at_start {
            cur.push(' ');
        }
        cur.push_str(word);
        at_start = false;
    }
    out.push(Line::styled(cur, style));
    out
}

/// `[██████░░░░]`.
fn bar(done: usize, total: usize, width: usize) -> String {
    let full = (done.min(total) * width).checked_div(total).unwrap_or(0);
    format!("[{}{}]", "█".repeat(full), "░".repeat(width - full))
}

/// The style of an action the token may not perform.
pub(super) fn disabled(theme: &Theme) -> Style {
    theme.dim().add_modifier(Modifier::CROSSED_OUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars() {
        assert_eq!(bar(0, 4, 4), "[░░░░]");
        assert_eq!(bar(2, 4, 4), "[██░░]");
        assert_eq!(bar(9, 4, 4), "[████]");
        assert_eq!(bar(1, 0, 4), "[░░░░]");
    }

    #[test]
    fn long_lines_wrap_with_their_indent() {
        let l = Line::from("  secret/a → legacy/a: writing the destination: permission denied");
        let rows: Vec<String> = wrap_line(l, 30).iter().map(|l| l.to_string()).collect();
        assert_eq!(rows, ["  secret/a → legacy/a: writing", "    the destination:", "    permission denied"]);
        assert_eq!(wrap_line(Line::from("short"), 30).len(), 1);
    }

    #[test]
    fn report_puts_problems_first() {
        use crate::vault::transfer::{BatchReport, ItemReport, ItemStatus};
        let item =
            |s: &str, status| ItemReport { source: s.into(), destination: Some(format!("d/{s}")), status };
        let r = BatchReport {
            items: vec![
                item("a", ItemStatus::Done),
                item("b", ItemStatus::Failed { reason: "403".into(), partial_destination: false }),
                item("c", ItemStatus::NotAttempted),
            ],
            ..BatchReport::default()
        };
        let lines = report_lines(&r, "moved");
        let text: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
        let pos = |needle: &str| text.iter().position(|t| t.contains(needle)).unwrap();
        assert!(pos("Failed") < pos("Not attempted") && pos("Not attempted") < pos("Moved (1)"));
        assert!(text.contains(&"  b → d/b: 403"));
    }
}
