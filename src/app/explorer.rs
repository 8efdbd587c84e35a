//! The explorer: moving through mounts and folders, the filter, the preview, listings arriving, and the
//! mouse over the list.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::*;

impl App {
    pub(super) fn on_filter_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => self.filter_editing = false,
            KeyCode::Esc => {
                self.filter_editing = false;
                self.set_filter(String::new());
            }
            KeyCode::Backspace => {
                let mut f = self.list.filter.clone();
                f.pop();
                self.set_filter(f);
            }
            KeyCode::Down => self.list.move_by(1),
            KeyCode::Up => self.list.move_by(-1),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                let mut f = self.list.filter.clone();
                f.push(c);
                self.set_filter(f);
            }
            _ => {}
        }
        self.after_move();
    }

    pub(super) fn set_filter(&mut self, f: String) {
        self.list.filter = f;
        self.list.relayout();
    }

    pub(super) fn dispatch_explorer(&mut self, action: Action, out: &mut Vec<Effect>) {
        if self.dispatch_common(action, out) {
            return;
        }
        let page = self.page() as isize;
        match action {
            Action::Down => self.list.move_by(1),
            Action::Up => self.list.move_by(-1),
            Action::PageDown => self.list.move_by(page),
            Action::PageUp => self.list.move_by(-page),
            Action::Top => self.list.top(),
            Action::Bottom => self.list.bottom(),
            Action::Open => self.open_selected(out),
            Action::Back => self.go_up(out),
            Action::Filter => self.filter_editing = true,
            Action::MarkCompare => {
                let full = if self.mount.is_some() { self.selected_full_path() } else { String::new() };
                self.mark_compare(full, out);
            }
            Action::ClearFilter => {
                if !self.list.filter.is_empty() {
                    self.set_filter(String::new());
                }
            }
            Action::ToggleHidden => {
                self.list.show_hidden = !self.list.show_hidden;
                self.list.relayout();
                self.info(if self.list.show_hidden {
                    "showing hidden entries"
                } else {
                    "hiding hidden entries"
                });
            }
            Action::Edit => {
                if let (Some(m), Some(e)) = (self.mount.clone(), self.list.selected_entry().cloned())
                    && !e.is_folder
                {
                    self.edit_when_loaded = true;
                    self.open_secret(m, join(&self.folder, &e.name), out);
                }
            }
            Action::History => {
                if let (Some(m), Some(e)) = (self.mount.clone(), self.list.selected_entry().cloned())
                    && !e.is_folder
                {
                    let path = join(&self.folder, &e.name);
                    self.open_history(m, path, out);
                }
            }
            Action::UseInService => match (self.mount.clone(), self.list.selected_entry().cloned()) {
                (Some(m), Some(e)) if e.is_folder => {
                    let folder = join(&self.folder, &e.name);
                    let target =
                        crate::snippet::Target::folder(&self.addr, self.namespace.as_deref(), &m, &folder);
                    self.open_chooser(chooser::Chooser::new(target, None));
                }
                (Some(m), Some(e)) => {
                    self.chooser_when_loaded = true;
                    self.open_secret(m, join(&self.folder, &e.name), out);
                }
                (None, Some(e)) => {
                    if let Some(m) = self.mounts.iter().flatten().find(|m| m.path == e.name).cloned() {
                        let target =
                            crate::snippet::Target::folder(&self.addr, self.namespace.as_deref(), &m, "");
                        self.open_chooser(chooser::Chooser::new(target, None));
                    }
                }
                _ => {}
            },
            Action::Policy => self.open_policy(out),
            Action::ToggleInject => {
                if let (Some(m), Some(e)) = (self.mount.clone(), self.list.selected_entry().cloned())
                    && !e.is_folder
                {
                    let req = self.req();
                    self.annotate_req = req;
                    out.push(Effect::ToggleInject { req, mount: m, path: join(&self.folder, &e.name) });
                }
            }
            Action::NewSecret | Action::NewFolder => match self.mount.clone() {
                None => self.error("open a mount first"),
                Some(mount) => {
                    let folder = self.folder.clone();
                    let shown = format!(
                        "{}/{}",
                        mount.path,
                        if folder.is_empty() { String::new() } else { format!("{folder}/") }
                    );
                    self.push_popup(overlay::Popup::Prompt(if action == Action::NewSecret {
                        prompt::Prompt::new(
                            format!(" New secret in {shown} "),
                            prompt::PromptPurpose::NewSecret { mount, folder },
                        )
                    } else {
                        prompt::Prompt::new(
                            format!(" New folder in {shown} "),
                            prompt::PromptPurpose::NewFolder { mount, folder },
                        )
                    }));
                }
            },
            Action::ToggleSort => {
                self.list.descending = !self.list.descending;
                self.list.relayout();
                self.info(if self.list.descending {
                    "sorted by name, Z to A"
                } else {
                    "sorted by name, A to Z"
                });
            }
            _ => return,
        }
        self.after_move();
    }

    pub(super) fn screen_mouse(&mut self, m: MouseEvent, out: &mut Vec<Effect>) {
        if self.secret.is_some() {
            match m.kind {
                MouseEventKind::ScrollDown => self.dispatch(Action::Down, out),
                MouseEventKind::ScrollUp => self.dispatch(Action::Up, out),
                MouseEventKind::Down(MouseButton::Left) => {
                    if let Some(row) = crate::layout::secret_row_at(self.size, m.column, m.row)
                        && let Some(s) = self.secret.as_mut()
                    {
                        let target = s.offset + row;
                        if target < s.rows() {
                            s.selected = target;
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        match m.kind {
            MouseEventKind::ScrollDown => {
                self.list.move_by(3);
                self.after_move();
            }
            MouseEventKind::ScrollUp => {
                self.list.move_by(-3);
                self.after_move();
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let left = self.sidebar_width();
                if let Some(row) = crate::layout::sidebar_row_at(self.size, left, m.column, m.row) {
                    // A place: jump there.
                    if let Some((_, path)) = self.place_choices().get(row) {
                        out.push(Effect::Resolve { path: path.clone() });
                    }
                    return;
                }
                if let Some(row) = crate::layout::list_row_at(self.size, left, m.column, m.row) {
                    let target = self.list.offset + row;
                    if target < self.list.view.len() {
                        if target == self.list.selected {
                            self.open_selected(out);
                        } else {
                            self.list.selected = target;
                        }
                        self.after_move();
                    }
                }
            }
            _ => {}
        }
    }

    /// After the selection moved: keep it on screen and schedule its preview.
    pub(super) fn after_move(&mut self) {
        self.list.scroll_into_view(self.page());
        let target = self.selected_full_path();
        if target != self.preview.target {
            self.preview.target = target;
            match (&self.mount, self.list.selected_entry()) {
                (_, None) => {
                    self.preview.state = PreviewState::Empty;
                    self.preview.due = None;
                }
                (None, Some(e)) => {
                    let m = self.mounts.as_ref().and_then(|ms| ms.iter().find(|m| m.path == e.name)).cloned();
                    self.preview.state = m.map_or(PreviewState::Empty, PreviewState::Mount);
                    self.preview.due = None;
                }
                (Some(_), Some(_)) => {
                    self.preview.state = PreviewState::Loading;
                    self.preview.due = Some(1);
                    self.preview.req = 0;
                }
            }
        }
    }

    pub(super) fn selected_full_path(&self) -> String {
        match (&self.mount, self.list.selected_entry()) {
            (_, None) => String::new(),
            (None, Some(e)) => format!("{}/", e.name),
            (Some(m), Some(e)) => {
                format!("{}/{}{}", m.path, join(&self.folder, &e.name), if e.is_folder { "/" } else { "" })
            }
        }
    }

    pub(super) fn send_preview(&mut self, out: &mut Vec<Effect>) {
        let (Some(mount), Some(e)) = (self.mount.clone(), self.list.selected_entry().cloned()) else {
            return;
        };
        let req = self.req();
        self.preview.req = req;
        self.preview.state = PreviewState::Loading;
        out.push(Effect::Preview { req, mount, path: join(&self.folder, &e.name), is_folder: e.is_folder });
    }

    pub(super) fn cache_key(mount: Option<&Mount>, folder: &str) -> String {
        match mount {
            None => String::from("/"),
            Some(m) => format!("{}/{}", m.path, folder),
        }
    }

    /// Moves to a folder and starts listing it; `select` names the entry to select once it arrives.
    pub(super) fn enter(
        &mut self,
        mount: Option<Mount>,
        folder: String,
        select: Option<String>,
        out: &mut Vec<Effect>,
    ) {
        self.mount = mount;
        self.folder = folder;
        self.list.filter.clear();
        self.filter_editing = false;
        self.list.offset = 0;
        self.list.selected = 0;
        self.list_error = None;
        let key = Self::cache_key(self.mount.as_ref(), &self.folder);
        match self.mount.clone() {
            None => {
                let entries: Vec<Entry> = self
                    .mounts
                    .iter()
                    .flatten()
                    .map(|m| Entry { name: m.path.clone(), is_folder: true })
                    .collect();
                self.list.set_entries(entries);
                self.list_loading = self.mounts.is_none();
                self.incoming = None;
            }
            Some(mount) => {
                match self.cache.get(&key) {
                    Some(cached) => {
                        self.list.set_entries(cached.clone());
                        self.incoming = Some(Vec::new());
                    }
                    None => {
                        self.list.set_entries(Vec::new());
                        self.incoming = None;
                    }
                }
                let req = self.req();
                self.list_req = req;
                self.list_loading = true;
                out.push(Effect::List { req, mount, folder: self.folder.clone() });
            }
        }
        self.pending_select = select;
        if let Some(name) = self.pending_select.clone()
            && self.list.select_name(&name)
        {
            self.pending_select = None;
        }
        self.preview.target = String::from("\0");
        self.after_move();
    }

    pub(super) fn open_selected(&mut self, out: &mut Vec<Effect>) {
        let Some(e) = self.list.selected_entry().cloned() else { return };
        match self.mount.clone() {
            None => {
                let m = self.mounts.as_ref().and_then(|ms| ms.iter().find(|m| m.path == e.name)).cloned();
                if let Some(m) = m {
                    self.enter(Some(m), String::new(), None, out);
                }
            }
            Some(m) if e.is_folder => {
                let folder = join(&self.folder, &e.name);
                self.enter(Some(m), folder, None, out);
            }
            Some(m) => {
                let path = join(&self.folder, &e.name);
                self.open_secret(m, path, out);
            }
        }
    }

    pub(super) fn open_secret(&mut self, mount: Mount, path: String, out: &mut Vec<Effect>) {
        let req = self.req();
        self.secret = Some(SecretView::loading(mount.clone(), path.clone(), req, None));
        out.push(Effect::OpenSecret { req, mount, path, version: None });
    }

    pub(super) fn go_up(&mut self, out: &mut Vec<Effect>) {
        if !self.list.filter.is_empty() {
            self.set_filter(String::new());
            return;
        }
        match self.mount.clone() {
            None => {}
            Some(m) if self.folder.is_empty() => {
                let name = m.path.clone();
                self.enter(None, String::new(), Some(name), out);
            }
            Some(m) => {
                let (p, name) = parent(&self.folder);
                let (p, name) = (p.to_string(), name.to_string());
                self.enter(Some(m), p, Some(name), out);
            }
        }
    }

    pub(super) fn refresh(&mut self, out: &mut Vec<Effect>) {
        out.push(Effect::LoadIdentity);
        if let Some(s) = self.secret.as_mut() {
            let req = next_id(&mut self.next_req);
            s.req = req;
            s.loading = true;
            let version = s.version;
            out.push(Effect::OpenSecret { req, mount: s.mount.clone(), path: s.path.clone(), version });
            return;
        }
        match self.mount.clone() {
            None => {
                self.list_loading = true;
                out.push(Effect::LoadMounts);
            }
            Some(m) => {
                let req = self.req();
                self.list_req = req;
                self.list_loading = true;
                self.incoming = Some(Vec::new());
                self.types.forget(&Self::cache_key(Some(&m), &self.folder));
                out.push(Effect::List { req, mount: m, folder: self.folder.clone() });
            }
        }
        self.preview.target = String::from("\0");
        self.after_move();
        self.info("refreshing…");
    }

    pub(super) fn on_mounts(&mut self, result: Result<Vec<Mount>, VaultError>, out: &mut Vec<Effect>) {
        match result {
            Ok(mounts) => {
                if mounts.is_empty() {
                    self.error(
                        "no KV mount visible to this token: start inside a known path with --mount PATH",
                    );
                }
                self.mounts = Some(mounts);
                if let Some(start) = self.pending_start.take() {
                    out.push(Effect::Resolve { path: start });
                    self.list_loading = true;
                } else if self.mount.is_none() {
                    let keep = self.list.selected_entry().map(|e| e.name.clone());
                    self.enter(None, String::new(), keep, out);
                    // A single mount: open it directly, nothing else to choose from.
                    if let Some([only]) = self.mounts.as_deref()
                        && self.message.is_none()
                    {
                        let only = only.clone();
                        self.enter(Some(only), String::new(), None, out);
                    }
                }
            }
            Err(e) => {
                self.list_loading = false;
                self.list_error = Some(e.to_string());
                self.error(format!("cannot list mounts: {e}"));
                if self.mounts.is_none() {
                    self.mounts = Some(Vec::new());
                }
                if let Some(start) = self.pending_start.take() {
                    out.push(Effect::Resolve { path: start });
                    self.list_loading = true;
                }
            }
        }
    }

    pub(super) fn on_listed(
        &mut self,
        req: u64,
        result: Result<Vec<Entry>, VaultError>,
        done: bool,
        out: &mut Vec<Effect>,
    ) {
        if req != self.list_req {
            return; // An answer for a folder we already left.
        }
        let key = Self::cache_key(self.mount.as_ref(), &self.folder);
        match result {
            Ok(chunk) => {
                match self.incoming.as_mut() {
                    Some(buf) => buf.extend(chunk),
                    None => self.list.append(chunk),
                }
                if done {
                    self.list_loading = false;
                    if let Some(buf) = self.incoming.take() {
                        self.list.set_entries(buf);
                    }
                    self.cache.insert(key, self.list.entries.clone());
                    if self.message.as_ref().is_some_and(|(_, t)| t == "refreshing…") {
                        self.message = None;
                    }
                }
                if let Some(name) = self.pending_select.clone()
                    && self.list.select_name(&name)
                {
                    self.pending_select = None;
                }
                if self.list.entries.is_empty() && done {
                    self.preview.state = PreviewState::Empty;
                }
                self.after_move();
            }
            Err(e) => {
                self.list_loading = false;
                self.incoming = None;
                self.list_error = Some(e.to_string());
                self.error(e.to_string());
                let _ = out;
            }
        }
    }

    pub(super) fn on_resolved(&mut self, result: Result<StartTarget, VaultError>, out: &mut Vec<Effect>) {
        match result {
            Ok(t) => {
                if let Some(ms) = self.mounts.as_mut()
                    && !ms.iter().any(|m| m.path == t.mount.path)
                {
                    ms.push(t.mount.clone());
                    ms.sort_by(|a, b| a.path.cmp(&b.path));
                }
                if t.is_secret {
                    let (folder, name) = parent(&t.path);
                    let (folder, name) = (folder.to_string(), name.to_string());
                    self.enter(Some(t.mount.clone()), folder, Some(name), out);
                    self.open_secret(t.mount, t.path, out);
                } else {
                    self.enter(Some(t.mount), t.path, None, out);
                }
            }
            Err(e) => {
                self.error(format!("cannot open the start path: {e}"));
                self.enter(None, String::new(), None, out);
            }
        }
    }

    /// Re-lists the current folder and selects `name` when it arrives.
    pub(super) fn reload_selecting(&mut self, name: String, out: &mut Vec<Effect>) {
        let Some(m) = self.mount.clone() else { return };
        let req = self.req();
        self.list_req = req;
        self.list_loading = true;
        self.incoming = Some(Vec::new());
        self.pending_select = Some(name);
        out.push(Effect::List { req, mount: m, folder: self.folder.clone() });
    }
}
