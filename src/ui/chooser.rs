//! Drawing of the "use in service" chooser, the copy confirmation and the manual-copy popup.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{Theme, centered, key};
use crate::action::Action;
use crate::app::App;
use crate::app::chooser::Chooser;
use crate::keymap::Context;
use crate::snippet::ServiceSettings;

/// Draws the chooser over `area`.
pub(super) fn draw_chooser(
    frame: &mut Frame,
    app: &App,
    c: &Chooser,
    settings: &ServiceSettings,
    theme: &Theme,
    area: Rect,
) {
    let popup = centered(area, 92, 90);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Use {} in a service ", c.target.full_path()))
        .title_bottom(
            Line::from(format!(
                " {}/{} choose · {} copy · {} close ",
                key(app, Context::Menu, Action::Down),
                key(app, Context::Menu, Action::Up),
                key(app, Context::Menu, Action::Choose),
                key(app, Context::Menu, Action::Back)
            ))
            .right_aligned(),
        );
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let list_w = c.formats.iter().map(|f| f.label().chars().count()).max().unwrap_or(10) as u16 + 4;
    let list = Rect::new(inner.x, inner.y, list_w.min(inner.width / 2), inner.height);
    let preview =
        Rect::new(list.x + list.width + 1, inner.y, inner.width.saturating_sub(list.width + 1), inner.height);
    for (i, f) in c.formats.iter().enumerate().take(list.height as usize) {
        let mark = if f.contains_values() { " !" } else { "" };
        let mut p = Paragraph::new(Line::from(vec![
            Span::raw(if i == c.selected { "› " } else { "  " }),
            Span::raw(f.label()),
            Span::styled(mark, theme.error()),
        ]));
        if i == c.selected {
            p = p.style(theme.selected());
        }
        frame.render_widget(p, Rect::new(list.x, list.y + i as u16, list.width, 1));
    }
    let mut lines: Vec<Line> = Vec::new();
    match c.preview(settings) {
        Ok(Some(text)) => {
            lines.push(Line::styled("preview (no secret value in it):", theme.dim()));
            lines.extend(text.lines().map(|l| Line::from(l.to_string())));
        }
        Ok(None) => {
            lines.push(Line::styled("! this contains secret values", theme.error()));
            lines.push(Line::from(""));
            lines.push(Line::from(format!(
                "The {} holds the values of {} key(s); it is not previewed.",
                c.format().map(|f| f.label()).unwrap_or(""),
                c.target.keys.len()
            )));
            lines
                .push(Line::from("Copied values are cleared from the clipboard after the configured delay."));
            lines.push(Line::from(format!(
                "{}, then {}, to copy it.",
                key(app, Context::Menu, Action::Choose),
                key(app, Context::Confirm, Action::Yes)
            )));
        }
        Err(e) => lines.push(Line::styled(e, theme.error())),
    }
    if let Some(e) = &c.error {
        lines.push(Line::from(""));
        lines.push(Line::styled(e.clone(), theme.error()));
    }
    if c.confirm {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!(
                "Copy a snippet containing secret values? {} copies · any other key cancels",
                key(app, Context::Confirm, Action::Yes)
            ),
            theme.error(),
        ));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), preview);
}

/// The text to select by hand when no clipboard could take it.
pub(super) fn draw_manual(frame: &mut Frame, title: &str, text: &str, area: Rect) {
    let popup = centered(area, 90, 70);
    frame.render_widget(Clear, popup);
    let block = Block::default().borders(Borders::ALL).title(format!(" {title} ")).title_bottom(
        Line::from(" nothing could copy: select the text by hand · any key closes ").right_aligned(),
    );
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let lines: Vec<Line> = text.lines().map(|l| Line::from(l.to_string())).collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
