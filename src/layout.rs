//! The geometry of the screen: where the title, the list, the preview, the message and the status bar go
//! for a terminal size. Drawing (`ui`) and mouse hit-testing and paging (`app`) both use it, so `app` never
//! depends on `ui` and the two never disagree about where a row is.

use ratatui::layout::{Constraint, Layout, Rect};

/// The areas of the screen, shared by drawing and mouse hit-testing.
pub struct Areas {
    pub title: Rect,
    /// The places beside the folder list, when shown.
    pub sidebar: Option<Rect>,
    pub list: Rect,
    pub preview: Option<Rect>,
    pub message: Rect,
    pub status: Rect,
}

/// The sidebar's width: shown when asked for and the terminal is wide enough for it and the list.
pub const SIDEBAR_WIDTH: u16 = 26;

/// Columns the sidebar takes at this size when `on` (0 when hidden or the terminal is narrower than 80).
pub fn sidebar_width(size: (u16, u16), on: bool) -> u16 {
    if on && size.0 >= 80 { SIDEBAR_WIDTH } else { 0 }
}

pub fn areas(size: (u16, u16)) -> Areas {
    areas_beside(size, 0)
}

/// The areas with a sidebar of `left` columns (0: none) beside the folder list and its preview.
pub fn areas_beside(size: (u16, u16), left: u16) -> Areas {
    let full = Rect::new(0, 0, size.0, size.1);
    let [title, main, message, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(full);
    let (sidebar, main) = if left > 0 && left < main.width {
        let [side, rest] = Layout::horizontal([Constraint::Length(left), Constraint::Min(0)]).areas(main);
        (Some(side), rest)
    } else {
        (None, main)
    };
    if size.0 >= 60 {
        let [list, preview] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
        Areas { title, sidebar, list, preview: Some(preview), message, status }
    } else {
        Areas { title, sidebar, list: main, preview: None, message, status }
    }
}

/// The sidebar row (an index of the places) under a mouse position, if any.
pub fn sidebar_row_at(size: (u16, u16), left: u16, col: u16, row: u16) -> Option<usize> {
    let a = areas_beside(size, left).sidebar?;
    let inner = Rect::new(a.x + 1, a.y + 1, a.width.saturating_sub(2), a.height.saturating_sub(2));
    (col >= inner.x && col < inner.x + inner.width && row >= inner.y && row < inner.y + inner.height)
        .then(|| (row - inner.y) as usize)
}

/// Rows of the folder list that fit in a terminal of this size.
pub fn list_height(size: (u16, u16)) -> usize {
    areas(size).list.height.saturating_sub(2) as usize
}

/// Rows of the secret table that fit (the table has a header row).
pub fn secret_rows_height(size: (u16, u16)) -> usize {
    (areas(size).list.height.saturating_sub(3) as usize).max(1)
}

/// The visible list row under a mouse position, if any.
pub fn list_row_at(size: (u16, u16), left: u16, col: u16, row: u16) -> Option<usize> {
    let a = areas_beside(size, left).list;
    let inner = Rect::new(a.x + 1, a.y + 1, a.width.saturating_sub(2), a.height.saturating_sub(2));
    (col >= inner.x && col < inner.x + inner.width && row >= inner.y && row < inner.y + inner.height)
        .then(|| (row - inner.y) as usize)
}

/// The visible secret-table row under a mouse position, if any.
pub fn secret_row_at(size: (u16, u16), col: u16, row: u16) -> Option<usize> {
    let a = main_area(size);
    let first = a.y + 2;
    (col > a.x && col + 1 < a.x + a.width && row >= first && row + 1 < a.y + a.height)
        .then(|| (row - first) as usize)
}

pub fn main_area(size: (u16, u16)) -> Rect {
    let a = areas(size);
    match a.preview {
        Some(p) => Rect::new(a.list.x, a.list.y, a.list.width + p.width, a.list.height),
        None => a.list,
    }
}

/// The parts of the view inside its border.
pub struct AuditParts {
    pub header: Rect,
    pub rows: Rect,
    pub detail: Rect,
    pub notes: Rect,
}

pub fn audit_parts(area: Rect) -> AuditParts {
    let inner =
        Rect::new(area.x + 1, area.y + 1, area.width.saturating_sub(2), area.height.saturating_sub(2));
    let detail_h: u16 = match inner.height {
        h if h >= 16 => 5,
        h if h >= 10 => 3,
        _ => 0,
    };
    let notes_h: u16 = if inner.height >= 8 { 2 } else { 0 };
    let rows_h = inner.height.saturating_sub(1 + detail_h + notes_h);
    let at = |dy: u16, h: u16| Rect::new(inner.x, inner.y + dy, inner.width, h);
    AuditParts {
        header: at(0, 1.min(inner.height)),
        rows: at(1, rows_h),
        detail: at(1 + rows_h, detail_h),
        notes: at(1 + rows_h + detail_h, notes_h),
    }
}

/// Rows of the table that fit in a terminal of this size (for paging and scrolling).
pub fn audit_rows_height(size: (u16, u16)) -> usize {
    (audit_parts(main_area(size)).rows.height as usize).max(1)
}

/// The finder popup: most of the main area, at most 110 columns wide.
pub fn finder_area(size: (u16, u16)) -> Rect {
    let m = main_area(size);
    let w = m.width.saturating_sub(4).clamp(m.width.min(20), 110);
    Rect::new(m.x + (m.width.saturating_sub(w)) / 2, m.y, w, m.height)
}

/// Result rows that fit in the finder (inside its border, under the query and the progress line).
pub fn finder_rows(size: (u16, u16)) -> usize {
    finder_area(size).height.saturating_sub(4) as usize
}
