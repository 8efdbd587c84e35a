//! The folder listing model: entries, the filtered view, selection and scrolling. No ratatui in here.

use crate::vault::kv::Entry;

/// A folder's entries and the view the user sees of them.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    /// All entries, folders first then by name (as sorted by the loader).
    pub entries: Vec<Entry>,
    /// Indices into `entries` that pass the filter and the hidden toggle, in display order.
    pub view: Vec<usize>,
    /// Selected position in `view`.
    pub selected: usize,
    /// First visible position in `view`.
    pub offset: usize,
    /// Case-insensitive substring filter.
    pub filter: String,
    /// Show names starting with a dot.
    pub show_hidden: bool,
    /// Reverse the name order (folders still first).
    pub descending: bool,
}

/// True when `e` shows under the hidden toggle and the filter (`needle`: the filter in lower case).
fn passes(e: &Entry, show_hidden: bool, needle: &str) -> bool {
    (show_hidden || !e.is_hidden()) && (needle.is_empty() || e.name.to_lowercase().contains(needle))
}

impl ListState {
    /// Replaces the entries, keeping the selection on the same name where it still exists.
    pub fn set_entries(&mut self, entries: Vec<Entry>) {
        let keep = self.selected_entry().cloned();
        self.entries = entries;
        self.rebuild(keep.as_ref());
    }

    /// Appends a chunk of an incoming listing (already sorted after the previous chunks).
    pub fn append(&mut self, more: Vec<Entry>) {
        let start = self.entries.len();
        self.entries.extend(more);
        if self.descending {
            self.rebuild(None);
            return;
        }
        let needle = self.filter.to_lowercase();
        for i in start..self.entries.len() {
            if passes(&self.entries[i], self.show_hidden, &needle) {
                self.view.push(i);
            }
        }
    }

    /// Lays the view out again after its filter, sort order or hidden toggle changed, keeping the selected
    /// entry selected when it is still visible.
    pub fn relayout(&mut self) {
        let keep = self.selected_entry().cloned();
        self.rebuild(keep.as_ref());
    }

    /// Recomputes the view after a change of filter, sort or hidden toggle; keeps `keep` selected if visible.
    pub fn rebuild(&mut self, keep: Option<&Entry>) {
        let needle = self.filter.to_lowercase();
        let show_hidden = self.show_hidden;
        let mut view: Vec<usize> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| passes(e, show_hidden, &needle))
            .map(|(i, _)| i)
            .collect();
        if self.descending {
            let entries = &self.entries;
            view.sort_by(|&a, &b| {
                let (ea, eb) = (&entries[a], &entries[b]);
                eb.is_folder.cmp(&ea.is_folder).then_with(|| eb.name.cmp(&ea.name))
            });
        }
        self.view = view;
        self.selected = keep
            .and_then(|k| self.view.iter().position(|&i| &self.entries[i] == k))
            .unwrap_or(0)
            .min(self.view.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }

    /// The selected entry, if any.
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.view.get(self.selected).map(|&i| &self.entries[i])
    }

    /// Selects the entry with this name if it is visible.
    pub fn select_name(&mut self, name: &str) -> bool {
        if let Some(pos) = self.view.iter().position(|&i| self.entries[i].name == name) {
            self.selected = pos;
            true
        } else {
            false
        }
    }

    /// Moves the selection by `delta` rows, clamped.
    pub fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            self.selected = 0;
            return;
        }
        let max = self.view.len() - 1;
        let next = (self.selected as isize + delta).clamp(0, max as isize);
        self.selected = next as usize;
    }

    /// Selects the first row.
    pub fn top(&mut self) {
        self.selected = 0;
    }

    /// Selects the last row.
    pub fn bottom(&mut self) {
        self.selected = self.view.len().saturating_sub(1);
    }

    /// Adjusts the scroll offset so the selection is visible in `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let max_offset = self.view.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    /// The visible slice of the view: (position in view, entry).
    pub fn visible(&self, height: usize) -> impl Iterator<Item = (usize, &Entry)> {
        self.view.iter().enumerate().skip(self.offset).take(height).map(|(pos, &i)| (pos, &self.entries[i]))
    }

    /// Number of hidden entries currently not shown.
    pub fn hidden_count(&self) -> usize {
        if self.show_hidden { 0 } else { self.entries.iter().filter(|e| e.is_hidden()).count() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(keys: &[&str]) -> Vec<Entry> {
        let mut v: Vec<Entry> = keys.iter().map(|k| Entry::from_key(k)).collect();
        crate::vault::kv::sort_entries(&mut v);
        v
    }

    #[test]
    fn hidden_entries_are_off_by_default() {
        let mut l = ListState::default();
        l.set_entries(entries(&[".keep", "a", "b/"]));
        assert_eq!(l.view.len(), 2);
        assert_eq!(l.hidden_count(), 1);
        l.show_hidden = true;
        l.rebuild(None);
        assert_eq!(l.view.len(), 3);
    }

    #[test]
    fn filter_keeps_selection_when_possible() {
        let mut l = ListState::default();
        l.set_entries(entries(&["alpha", "beta", "gamma", "alphabet"]));
        l.select_name("beta");
        l.filter = "ALPHA".into();
        let keep = l.selected_entry().cloned();
        l.rebuild(keep.as_ref());
        assert_eq!(l.view.len(), 2);
        assert_eq!(l.selected_entry().unwrap().name, "alpha");
    }

    #[test]
    fn scrolling_keeps_selection_visible() {
        let mut l = ListState::default();
        l.set_entries((0..100).map(|i| Entry { name: format!("s{i:03}"), is_folder: false }).collect());
        l.move_by(50);
        l.scroll_into_view(10);
        assert_eq!(l.offset, 41);
        l.bottom();
        l.scroll_into_view(10);
        assert_eq!(l.offset, 90);
        assert_eq!(l.visible(10).count(), 10);
        l.move_by(-1000);
        l.scroll_into_view(10);
        assert_eq!((l.selected, l.offset), (0, 0));
    }

    #[test]
    fn descending_keeps_folders_first() {
        let mut l = ListState { descending: true, ..Default::default() };
        l.set_entries(entries(&["a", "b", "f/", "g/"]));
        let names: Vec<_> = l.visible(10).map(|(_, e)| e.name.clone()).collect();
        assert_eq!(names, ["g", "f", "b", "a"]);
    }

    #[test]
    fn append_extends_view() {
        let mut l = ListState::default();
        l.set_entries(entries(&["a", "b"]));
        l.append(entries(&["c", ".d"]));
        assert_eq!(l.view.len(), 3);
    }
}
