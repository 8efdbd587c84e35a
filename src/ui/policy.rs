//! Drawing of the policy view: the diff between the server's `sesame-modes` policy and the generated one (or
//! the whole HCL), what was left out, and the apply confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::Theme;
use crate::app::policy::PolicyView;

/// Draws the policy view in `area`.
pub(super) fn draw(
    frame: &mut Frame,
    v: &PolicyView,
    km: &crate::keymap::Keymap,
    theme: &Theme,
    area: Rect,
    spinner: &str,
) {
    let yes = km.key_text(crate::keymap::Context::Confirm, crate::action::Action::Yes);
    let scopes = v.scopes.iter().map(|s| s.display()).collect::<Vec<_>>().join(", ");
    let block = Block::default().borders(Borders::ALL).title(format!(" Policy {} for {scopes} ", v.name));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut head: Vec<Line> = Vec::new();
    if v.busy {
        head.push(Line::from(format!("{spinner} crawling the modes and comparing with the server…")));
    }
    if let Some(p) = &v.preview {
        let state = if p.diff.is_empty() {
            "the server's policy is up to date".to_string()
        } else if p.missing_on_server {
            format!(
                "the server has no such policy yet: {} applies it",
                km.key_text(crate::keymap::Context::Policy, crate::action::Action::ApplyPolicy)
            )
        } else {
            format!(
                "the server's policy differs: {} applies the generated one",
                km.key_text(crate::keymap::Context::Policy, crate::action::Action::ApplyPolicy)
            )
        };
        head.push(Line::styled(format!("{} secrets with a mode · {state}", p.secrets), theme.title()));
        head.push(Line::styled(
            "Attach the policy to the non-admin users' group, role or auth method — never to admins.",
            theme.dim(),
        ));
        for (path, why) in &p.skipped {
            head.push(Line::styled(format!("left out: {path}: {why}"), theme.error()));
        }
        if p.incomplete > 0 {
            head.push(Line::styled(
                format!("{} folders or secrets could not be read: their rules are missing", p.incomplete),
                theme.error(),
            ));
        }
    }
    if let Some(e) = &v.error {
        head.push(Line::styled(e.clone(), theme.error()));
    }
    if v.confirm {
        head.push(Line::styled(
            format!("Write policy {} to the server? {yes} applies · any other key cancels", v.name),
            theme.error(),
        ));
    }
    let width = inner.width.max(1) as usize;
    let wrapped: usize = head.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let head_h = (wrapped as u16).min(inner.height);
    frame.render_widget(
        Paragraph::new(head).wrap(Wrap { trim: false }),
        Rect::new(inner.x, inner.y, inner.width, head_h),
    );
    let Some(p) = &v.preview else { return };
    let body = Rect::new(inner.x, inner.y + head_h + 1, inner.width, inner.height.saturating_sub(head_h + 1));
    let text = if v.show_hcl || p.diff.is_empty() { &p.hcl } else { &p.diff };
    let lines: Vec<Line> = text
        .lines()
        .skip(v.scroll)
        .take(body.height as usize)
        .map(|l| {
            let style = if v.show_hcl || p.diff.is_empty() {
                ratatui::style::Style::default()
            } else if l.starts_with('+') && !l.starts_with("+++") {
                theme.fg(Color::Green)
            } else if l.starts_with('-') && !l.starts_with("---") {
                theme.fg(Color::Red)
            } else {
                ratatui::style::Style::default()
            };
            Line::styled(l.to_string(), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}
