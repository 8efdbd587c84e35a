//! The secret view: its state, its keys, the JSON view, the secret arriving, and the admin modes that
//! refuse actions on it.

use super::*;

/// The secret view.
#[derive(Debug, Clone)]
pub struct SecretView {
    /// The mount.
    pub mount: Mount,
    /// Path inside the mount.
    pub path: String,
    /// Pending request.
    pub req: u64,
    /// True while loading.
    pub loading: bool,
    /// The secret, once read.
    pub read: Option<SecretRead>,
    /// Error of the last read.
    pub error: Option<String>,
    /// Selected key row.
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    /// Keys revealed one by one.
    pub revealed: HashSet<String>,
    /// All values revealed.
    pub reveal_all: bool,
    /// JSON view scroll offset when open.
    pub json: Option<usize>,
    /// The JSON view's lines, laid out when it opens or its values are revealed or masked.
    pub json_layout: Option<json_view::JsonLayout>,
    /// The version shown when it is not the latest (opened from the history).
    pub version: Option<u64>,
    /// sesame's annotations of the secret, once loaded.
    pub annotations: Option<crate::vault::annotations::Annotations>,
    /// Set for a key-only secret: its recorded key names; the values are never read.
    pub key_only: Option<crate::vault::modes::ModeRecord>,
    /// Whether this token administers the secret's mode (may update its metadata), once known.
    pub admin: Option<bool>,
}

impl SecretView {
    /// A view of `mount/path` waiting for request `req`; `version` is set for an older version.
    pub fn loading(mount: Mount, path: String, req: u64, version: Option<u64>) -> Self {
        Self {
            mount,
            path,
            req,
            loading: true,
            read: None,
            error: None,
            selected: 0,
            offset: 0,
            revealed: HashSet::new(),
            reveal_all: false,
            json: None,
            json_layout: None,
            version,
            annotations: None,
            key_only: None,
            admin: None,
        }
    }

    pub(super) fn rows(&self) -> usize {
        if let Some(r) = &self.key_only {
            return r.keys.len();
        }
        self.read.as_ref().and_then(|r| r.data.as_ref()).map_or(0, |d| d.pairs.len())
    }

    /// Lays the JSON view out again (after it opened, a reveal or a new read); drops it when closed.
    pub fn relayout_json(&mut self) {
        self.json_layout = match (self.json, self.read.as_ref().and_then(|r| r.data.as_ref())) {
            (Some(_), Some(data)) => Some(json_view::JsonLayout::new(data, self.reveal_all)),
            _ => None,
        };
    }

    /// True when a value is shown unmasked.
    pub fn is_revealed(&self, key: &str) -> bool {
        self.reveal_all || self.revealed.contains(key)
    }
}

impl App {
    pub(super) fn dispatch_secret(&mut self, action: Action, out: &mut Vec<Effect>) {
        if action == Action::Quit {
            // `q` in the secret view goes back, as the keymap describes; Ctrl-c quits from anywhere.
            self.secret = None;
            self.after_move();
            return;
        }
        if self.dispatch_common(action, out) || self.refuse_on_ssh_key(action) || self.refuse_by_mode(action)
        {
            return;
        }
        if action == Action::SetMode {
            self.push_popup(overlay::Popup::ModeMenu { selected: 0 });
            return;
        }
        if matches!(action, Action::CopyPublicKey | Action::CopyFingerprint) {
            match self.ssh_key_info() {
                Some(Ok(info)) => {
                    let (text, what) = if action == Action::CopyPublicKey {
                        (info.public_key.clone(), "the SSH public key".to_string())
                    } else {
                        (info.fingerprint.clone(), "the SSH key fingerprint".to_string())
                    };
                    out.push(Effect::Copy(chooser::CopyRequest {
                        text: chooser::CopyText(zeroize::Zeroizing::new(text)),
                        content: crate::clipboard::Content::Text,
                        what,
                    }));
                }
                Some(Err(why)) => self.error(format!("no public key to copy: {why}")),
                None => self.error("this is not an SSH key secret"),
            }
            return;
        }
        if action == Action::UseInService
            && let Some(s) = &self.secret
            && s.key_only.is_none()
            && let Some(mut data) = s.read.as_ref().and_then(|r| r.data.clone())
        {
            // An ssh-auth secret's private key never leaves sesame, snippets included.
            crate::snippet::withhold(self.secret_type(s), &mut data);
            let mut target = crate::snippet::Target::secret(
                &self.addr,
                self.namespace.as_deref(),
                &s.mount,
                &s.path,
                data.keys().map(str::to_string).collect::<Vec<_>>(),
            );
            if let Some(a) = &s.annotations {
                target = target.with_annotations(a);
            }
            self.open_chooser(chooser::Chooser::new(target, Some(data)));
            return;
        }
        if action == Action::UseInService
            && let Some(s) = &self.secret
            && let Some(record) = &s.key_only
        {
            // Key-only: path snippets from the recorded key names; nothing that would hold a value.
            let target = crate::snippet::Target::secret(
                &self.addr,
                self.namespace.as_deref(),
                &s.mount,
                &s.path,
                record.keys.clone(),
            );
            self.open_chooser(chooser::Chooser::new(target, None));
            return;
        }
        let page = self.page() as isize;
        let Some(s) = self.secret.as_mut() else { return };
        let rows = s.rows();
        let move_to = |s: &mut SecretView, to: isize| {
            s.selected = to.clamp(0, rows.saturating_sub(1) as isize) as usize;
        };
        match action {
            Action::Down => move_to(s, s.selected as isize + 1),
            Action::Up => move_to(s, s.selected as isize - 1),
            Action::PageDown => move_to(s, s.selected as isize + page),
            Action::PageUp => move_to(s, s.selected as isize - page),
            Action::Top => move_to(s, 0),
            Action::Bottom => move_to(s, rows as isize),
            Action::Reveal => {
                let key = s
                    .read
                    .as_ref()
                    .and_then(|r| r.data.as_ref())
                    .and_then(|d| d.pairs.get(s.selected))
                    .map(|(k, _)| k.clone());
                if let Some(k) = key {
                    if s.reveal_all {
                        // Masking one value while all are revealed: reveal the others one by one.
                        s.reveal_all = false;
                        if let Some(d) = s.read.as_ref().and_then(|r| r.data.as_ref()) {
                            s.revealed = d.keys().filter(|x| *x != k).map(str::to_string).collect();
                        }
                    } else if !s.revealed.remove(&k) {
                        s.revealed.insert(k);
                    }
                }
            }
            Action::RevealAll => {
                s.reveal_all = !s.reveal_all;
                if !s.reveal_all {
                    s.revealed.clear();
                }
            }
            Action::JsonView if s.read.as_ref().is_some_and(|r| r.data.is_some()) => {
                s.json = Some(0);
                s.relayout_json();
            }
            Action::UseInService => {
                self.message = Some((Level::Info, "still loading…".into()));
                return;
            }
            Action::CopyValue | Action::CopyKey => {
                let pair = s
                    .read
                    .as_ref()
                    .and_then(|r| r.data.as_ref())
                    .and_then(|d| d.pairs.get(s.selected))
                    .cloned();
                if let Some((k, v)) = pair {
                    if action == Action::CopyKey {
                        out.push(Effect::Copy(chooser::CopyRequest {
                            text: chooser::CopyText(zeroize::Zeroizing::new(k.clone())),
                            content: crate::clipboard::Content::Text,
                            what: format!("the key name {k}"),
                        }));
                    } else {
                        self.push_popup(overlay::Popup::ConfirmCopy(chooser::CopyRequest {
                            text: chooser::CopyText(v.reveal()),
                            content: crate::clipboard::Content::Secret,
                            what: format!("the value of {k}"),
                        }));
                    }
                }
                return;
            }
            Action::MarkCompare => {
                let full = format!("{}/{}", s.mount.path, s.path);
                self.mark_compare(full, out);
                return;
            }
            Action::CopyReference => {
                // The selected key's name (a key-only secret's recorded names too: `run` injects those).
                let key = match (&s.key_only, s.read.as_ref().and_then(|r| r.data.as_ref())) {
                    (Some(record), _) => record.keys.get(s.selected).cloned(),
                    (None, Some(d)) => d.pairs.get(s.selected).map(|(k, _)| k.clone()),
                    (None, None) => None,
                };
                if let Some(k) = key {
                    let text = crate::reference::Reference::short(&s.mount, &s.path, Some(&k));
                    out.push(Effect::Copy(chooser::CopyRequest {
                        text: chooser::CopyText(zeroize::Zeroizing::new(text)),
                        content: crate::clipboard::Content::Text,
                        what: format!("the reference to {k}"),
                    }));
                }
                return;
            }
            Action::ToggleInject => {
                let (m, p) = (s.mount.clone(), s.path.clone());
                let req = self.req();
                self.annotate_req = req;
                out.push(Effect::ToggleInject { req, mount: m, path: p });
                return;
            }
            Action::History => {
                let (m, p) = (s.mount.clone(), s.path.clone());
                self.secret = None;
                self.open_history(m, p, out);
                return;
            }
            Action::Edit if s.version.is_some() => {
                self.message = Some((
                    Level::Error,
                    "this is an older version: roll back to it from the history (R), or edit the latest"
                        .into(),
                ));
                return;
            }
            Action::Edit => {
                match s.read.as_ref() {
                    Some(r) if r.data.is_some() => {
                        forms::open_editing(&self.types, s, r, self.upper_keys).apply(
                            &mut self.editor,
                            &mut self.form,
                            &mut self.message,
                        );
                    }
                    Some(_) => {
                        self.message = Some((Level::Error, "this version is deleted: nothing to edit".into()))
                    }
                    None => self.message = Some((Level::Info, "still loading…".into())),
                }
                return;
            }
            Action::Back => {
                self.secret = None;
                self.after_move();
            }
            _ => {}
        }
        let height = crate::layout::secret_rows_height(self.size);
        if let Some(s) = self.secret.as_mut() {
            if s.selected < s.offset {
                s.offset = s.selected;
            } else if s.selected >= s.offset + height {
                s.offset = s.selected + 1 - height;
            }
        }
    }

    pub(super) fn dispatch_json(&mut self, action: Action) {
        if action == Action::Help {
            self.open_help();
            return;
        }
        if self.refuse_on_ssh_key(action) {
            return;
        }
        let Some(s) = self.secret.as_mut() else { return };
        let Some(scroll) = s.json else { return };
        let page = crate::layout::secret_rows_height(self.size);
        match action {
            Action::Down => s.json = Some(scroll + 1),
            Action::Up => s.json = Some(scroll.saturating_sub(1)),
            Action::PageDown => s.json = Some(scroll + page),
            Action::PageUp => s.json = Some(scroll.saturating_sub(page)),
            Action::Top => s.json = Some(0),
            Action::RevealAll => {
                s.reveal_all = !s.reveal_all;
                s.relayout_json();
            }
            Action::Back | Action::Quit | Action::JsonView => {
                s.json = None;
                s.relayout_json();
            }
            _ => {}
        }
    }

    pub(super) fn on_secret(&mut self, req: u64, result: Result<SecretRead, VaultError>) {
        let Some(s) = self.secret.as_mut() else { return };
        if s.req != req {
            return;
        }
        s.loading = false;
        match result {
            Ok(read) => {
                s.error = None;
                if let Some(v) = &read.version
                    && v.state != VersionState::Live
                {
                    s.error = Some(match v.state {
                        VersionState::Deleted => {
                            format!("version {} is deleted (it can be undeleted)", v.version)
                        }
                        _ => format!("version {} is destroyed", v.version),
                    });
                }
                let rows = read.data.as_ref().map_or(0, |d| d.pairs.len());
                s.selected = s.selected.min(rows.saturating_sub(1));
                if self.chooser_when_loaded
                    && let Some(mut data) = read.data.clone()
                {
                    // An ssh-auth secret's private key never leaves sesame, snippets included.
                    crate::snippet::withhold(forms::type_of(&self.types, s, Some(&data)), &mut data);
                    let target = crate::snippet::Target::secret(
                        &self.addr,
                        self.namespace.as_deref(),
                        &s.mount,
                        &s.path,
                        data.keys().map(str::to_string).collect::<Vec<_>>(),
                    );
                    // (The stack by hand: `s` still borrows the secret view.)
                    self.popups.retain(|p| !matches!(p, overlay::Popup::Chooser(_)));
                    self.popups.push(overlay::Popup::Chooser(chooser::Chooser::new(target, Some(data))));
                }
                self.chooser_when_loaded = false;
                if self.edit_when_loaded && read.data.is_some() {
                    forms::open_editing(&self.types, s, &read, self.upper_keys).apply(
                        &mut self.editor,
                        &mut self.form,
                        &mut self.message,
                    );
                }
                self.edit_when_loaded = false;
                s.read = Some(read);
                s.relayout_json();
            }
            Err(e) => {
                s.error = Some(e.to_string());
                self.edit_when_loaded = false;
                let msg = e.to_string();
                self.error(msg);
            }
        }
    }

    /// The mode of the secret in the secret view (none until known).
    pub fn secret_mode(&self) -> crate::vault::modes::Mode {
        let Some(s) = &self.secret else { return crate::vault::modes::Mode::None };
        s.key_only
            .as_ref()
            .map(|r| r.mode)
            .or_else(|| s.annotations.as_ref().map(crate::vault::modes::mode_of))
            .unwrap_or(crate::vault::modes::Mode::None)
    }

    /// Refuses an action the secret's admin mode does not allow this token, saying why.
    pub(super) fn refuse_by_mode(&mut self, action: Action) -> bool {
        use crate::vault::modes::ModeAction as M;
        let Some(s) = &self.secret else { return false };
        let what = match action {
            Action::Edit => M::Edit,
            Action::Reveal | Action::RevealAll | Action::JsonView => M::Reveal,
            Action::CopyValue => M::CopyValue,
            Action::Delete => M::Delete,
            Action::Move => M::Move,
            Action::Rename => M::Rename,
            Action::Duplicate => M::Duplicate,
            Action::SetMode => M::SetMode,
            _ => return false,
        };
        let admin = s.admin.unwrap_or(false);
        if s.key_only.is_some() && what == M::Edit && admin {
            self.error(
                "key-only: sesame never reads its values, so it cannot edit them; clear the mode first (M)",
            );
            return true;
        }
        match crate::vault::modes::permission(self.secret_mode(), what, admin) {
            crate::vault::capabilities::Permission::Denied(reason) => {
                self.error(format!("not allowed: {reason}"));
                true
            }
            _ => false,
        }
    }
}

impl App {
    /// An answer about the secret in the secret view: its annotations, its key-only record, whether the token administers it, a mode or the injection flag set.
    pub(super) fn on_secret_msg(&mut self, msg: Msg, out: &mut Vec<Effect>) {
        match msg {
            Msg::Annotations { req, result } => {
                if let Some(s) = self.secret.as_mut()
                    && s.req == req
                {
                    s.annotations = result.ok();
                    if let Some(a) = s.annotations.clone() {
                        let path = s.path.clone();
                        self.chooser_annotations(&path, &a);
                    }
                }
            }
            Msg::KeyOnly { req, record } => {
                if let Some(s) = self.secret.as_mut()
                    && s.req == req
                {
                    s.loading = false;
                    s.error = None;
                    s.key_only = Some(record);
                    self.chooser_when_loaded = false;
                    self.edit_when_loaded = false;
                }
            }
            Msg::Admin { req, admin } => {
                if let Some(s) = self.secret.as_mut()
                    && s.req == req
                {
                    s.admin = Some(admin);
                }
            }
            Msg::ModeSet { req, path, result } => match result {
                Ok(record) => {
                    let what = match record.mode {
                        crate::vault::modes::Mode::None => format!("{path} has no mode any more"),
                        m => format!(
                            "{path} is now {} — run `sesame policy apply` so the server enforces it",
                            m.as_str()
                        ),
                    };
                    self.info(what);
                    // An older request's answer is reported, but the screen belongs to the newer one.
                    if req == self.annotate_req {
                        self.close_mode_menu();
                        if let Some(s) = self.secret.clone() {
                            let mut sink = Vec::new();
                            self.open_secret(s.mount, s.path, &mut sink);
                            out.extend(sink);
                        }
                    }
                }
                Err(e) => {
                    if req == self.annotate_req {
                        self.close_mode_menu();
                    }
                    self.error(format!("cannot set the mode of {path}: {e}"));
                }
            },
            Msg::InjectSet { req, path, result } => match result {
                Ok(on) => {
                    if req == self.annotate_req
                        && let Some(s) = self.secret.as_mut()
                        && format!("{}/{}", s.mount.path, s.path) == path
                        && let Some(a) = s.annotations.as_mut()
                    {
                        if on {
                            a.insert(crate::snippet::INJECT_ANNOTATION.to_string(), "true".to_string());
                        } else {
                            a.remove(crate::snippet::INJECT_ANNOTATION);
                        }
                    }
                    self.info(if on {
                        format!("{path} is now injected as environment variables (sesame run --folder)")
                    } else {
                        format!("{path} is no longer injected as environment variables")
                    });
                }
                Err(e) => self.error(format!("cannot change the injection flag: {e}")),
            },
            _ => {}
        }
    }
}
