//! Drawing of the comparison: the two sides, per-secret and per-key verdicts, differences first; values
//! masked with the fixed-width mask unless one differing pair is revealed. Names come from the server and
//! go through the sanitizer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, key, shown, spinner};
use crate::action::Action;
use crate::app::App;
use crate::app::compare_view::{CompareView, Row};
use crate::compare::State;
use crate::keymap::Context;
use crate::secret::MASK;

fn mark(state: Option<State>) -> &'static str {
    match state {
        Some(State::OnlyA) => "-",
        Some(State::OnlyB) => "+",
        Some(State::Different) => "~",
        Some(State::Equal) => "=",
        None => "!",
    }
}

pub(super) fn draw(frame: &mut Frame, app: &App, v: &CompareView, theme: &Theme, area: Rect) {
    frame.render_widget(Clear, area);
    let hints = format!(
        " {} reveal · {} promote · {} equal · {} close ",
        key(app, Context::Compare, Action::Reveal),
        key(app, Context::Compare, Action::Promote),
        key(app, Context::Compare, Action::DiffOnly),
        key(app, Context::Compare, Action::Back)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Compare A and B · values never shown unless revealed ")
        .title_bottom(Line::from(hints).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let fit = |s: String| -> String { s.chars().take(width).collect() };

    let mut head: Vec<Line> = Vec::new();
    match &v.comparison {
        Some(c) => {
            head.push(Line::from(vec![
                Span::styled("A ", theme.key()),
                Span::raw(fit(format!("{} ({})", shown(&c.a.display()), c.a.mount.version.label()))),
            ]));
            head.push(Line::from(vec![
                Span::styled("B ", theme.key()),
                Span::raw(fit(format!("{} ({})", shown(&c.b.display()), c.b.mount.version.label()))),
            ]));
            let n = c.counts();
            let get = |s: State| n.get(&s).copied().unwrap_or(0);
            let unreadable = c.secrets.iter().filter(|s| s.unreadable.is_some()).count();
            let mut summary = format!(
                "{} different · {} only in A · {} only in B · {} equal{}",
                get(State::Different),
                get(State::OnlyA),
                get(State::OnlyB),
                get(State::Equal),
                if v.only_diff { " (hidden)" } else { "" }
            );
            if unreadable > 0 || !c.denied.is_empty() {
                summary.push_str(&format!(" · {} not readable", unreadable + c.denied.len()));
            }
            if v.busy {
                summary = format!("{} {summary}", spinner(app));
            }
            head.push(Line::styled(fit(summary), theme.dim()));
        }
        None => {
            head.push(Line::from(fit(format!("A {}", shown(&v.a)))));
            head.push(Line::from(fit(format!("B {}", shown(&v.b)))));
            head.push(Line::styled(
                if v.busy { format!("{} comparing…", spinner(app)) } else { String::new() },
                theme.dim(),
            ));
        }
    }
    if let Some(e) = &v.error {
        head.push(Line::styled(fit(shown(e).into_owned()), theme.error()));
    }
    let head_h = head.len() as u16;
    frame.render_widget(Paragraph::new(head), Rect { height: head_h.min(inner.height), ..inner });

    // The question or the report take the last lines.
    let mut foot: Vec<Line> = Vec::new();
    if let Some(steps) = &v.confirm {
        for s in steps {
            let what = if s.rel.is_empty() { "the secret".to_string() } else { shown(&s.rel).into_owned() };
            foot.push(Line::from(fit(format!(
                "{} {what} in B: {}",
                if s.create { "create" } else { "update" },
                shown(&s.keys.join(", "))
            ))));
        }
        foot.push(Line::styled(
            fit(format!(
                "Promote from A to B (check-and-set, verified)? {} yes · any other key no",
                key(app, Context::Confirm, Action::Yes)
            )),
            theme.error(),
        ));
    } else {
        foot.extend(v.report.iter().map(|r| Line::styled(fit(shown(r).into_owned()), theme.dim())));
    }
    let foot_h = (foot.len() as u16).min(inner.height.saturating_sub(head_h));
    if foot_h > 0 {
        frame.render_widget(
            Paragraph::new(foot),
            Rect { y: inner.y + inner.height - foot_h, height: foot_h, ..inner },
        );
    }

    let Some(c) = &v.comparison else { return };
    let top = inner.y + head_h;
    let rows = inner.height.saturating_sub(head_h + foot_h) as usize;
    if v.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("A and B are equal", theme.fg_ok())),
            Rect { y: top, height: 1, ..inner },
        );
        return;
    }
    let name_w = 28.min(width / 2);
    for (i, row) in v.rows.iter().enumerate().skip(v.offset).take(rows) {
        let selected = i == v.selected;
        let text = match row {
            Row::Secret(si) => {
                let s = &c.secrets[*si];
                let verdict = match (&s.unreadable, s.state) {
                    (Some((side, why)), _) => format!("not readable in {side}: {}", shown(why)),
                    (None, Some(st)) => st.word().to_string(),
                    (None, None) => String::new(),
                };
                format!("{} {:<name_w$} {verdict}", mark(s.state), shown(&s.rel))
            }
            Row::Key(si, ki) => {
                let s = &c.secrets[*si];
                let k = &s.keys[*ki];
                let indent = if s.rel.is_empty() { "" } else { "    " };
                let values = match (&v.revealed, k.state) {
                    (Some(p), State::Different) if selected && p.rel == s.rel && p.key == k.key => {
                        format!("  A {}  ≠  B {}", shown(&p.a), shown(&p.b))
                    }
                    (_, State::Different) => format!("  A {MASK}  ≠  B {MASK}"),
                    _ => String::new(),
                };
                let twin = k
                    .case_twin
                    .as_ref()
                    .map(|t| format!("  (differs only by case from {})", shown(t)))
                    .unwrap_or_default();
                format!(
                    "{indent}{} {:<name_w$} {}{values}{twin}",
                    mark(Some(k.state)),
                    shown(&k.key),
                    k.state.word()
                )
            }
        };
        let mut line = Line::from(format!("{}{}", if selected { "› " } else { "  " }, fit(text)));
        if selected {
            line = line.style(theme.selected());
        }
        frame
            .render_widget(Paragraph::new(line), Rect { y: top + (i - v.offset) as u16, height: 1, ..inner });
    }
}
