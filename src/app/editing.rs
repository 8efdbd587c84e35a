//! Creating and saving: the name prompt's answer, the editor's outcomes, and writes coming back.

use super::*;

impl App {
    pub(super) fn on_prompt(&mut self, purpose: prompt::PromptPurpose, text: String, out: &mut Vec<Effect>) {
        match purpose {
            prompt::PromptPurpose::NewSecret { mount, folder } => {
                let name = text.trim_end_matches('/').to_string();
                let choices = self.scope_choices(&mount, &folder);
                if choices.len() > 1 {
                    // Outside the scopes: private (the default, as Lepton does) or a project, or here.
                    self.push_popup(super::overlay::Popup::ScopeChoice { name, choices, selected: 0 });
                } else {
                    let path = join(&folder, &name);
                    self.open_type_picker(mount, path);
                }
            }
            prompt::PromptPurpose::NewFolder { mount, folder } => {
                let req = self.req();
                self.edit_req = req;
                out.push(Effect::MakeFolder { req, mount, path: join(&folder, text.trim_end_matches('/')) });
            }
        }
    }

    pub(super) fn on_editor_outcome(&mut self, outcome: EditorOutcome, out: &mut Vec<Effect>) {
        match outcome {
            EditorOutcome::None => {}
            EditorOutcome::Close => {
                self.editor = None;
                if self.quit_after_discard {
                    self.should_quit = true;
                }
            }
            EditorOutcome::Save { data, force } => {
                let req = self.req();
                self.edit_req = req;
                if let Some(e) = self.editor.as_ref() {
                    out.push(Effect::Write {
                        req,
                        mount: e.mount.clone(),
                        path: e.path.clone(),
                        data,
                        base: e.base.clone(),
                        force,
                        encodings: e.encodings(),
                    });
                }
            }
            EditorOutcome::LoadFile { row, path } => {
                let req = self.req();
                self.file_req = req;
                out.push(Effect::LoadFile { req, row, path });
            }
            EditorOutcome::Complete { typed } => {
                let req = self.req();
                self.file_req = req;
                out.push(Effect::CompletePath { req, typed });
            }
            EditorOutcome::FetchTheirs => {
                let req = self.req();
                self.edit_req = req;
                if let Some(e) = self.editor.as_ref() {
                    out.push(Effect::ReadTheirs { req, mount: e.mount.clone(), path: e.path.clone() });
                }
            }
        }
        self.quit_after_discard &= self.editor.is_some();
    }

    pub(super) fn on_written(
        &mut self,
        req: u64,
        result: Result<Option<u64>, VaultError>,
        out: &mut Vec<Effect>,
    ) {
        if req != self.edit_req {
            return;
        }
        if self.form.is_some() {
            self.on_form_written(result, out);
            return;
        }
        let Some(e) = self.editor.as_mut() else { return };
        match result {
            Ok(version) => {
                let (mount, path) = (e.mount.clone(), e.path.clone());
                self.editor = None;
                self.index_created(&mount, &path);
                self.info(match version {
                    Some(v) => format!("saved {}/{path} (version {v})", mount.path),
                    None => format!("saved {}/{path}", mount.path),
                });
                let (folder, name) = parent(&path);
                let (folder, name) = (folder.to_string(), name.to_string());
                if self.mount.as_ref() == Some(&mount) && self.folder == folder {
                    self.reload_selecting(name, out);
                } else {
                    self.enter(Some(mount.clone()), folder, Some(name), out);
                }
                self.open_secret(mount, path, out);
            }
            Err(VaultError::CasMismatch { .. }) if e.is_new => {
                e.save_failed(format!(
                    "{}/{} already exists: leave with Esc and open it, or choose another name",
                    e.mount.path, e.path
                ));
            }
            Err(VaultError::CasMismatch { .. }) => e.conflict(),
            Err(err) if err.may_have_written() => e.save_unknown(err.to_string()),
            Err(err) => e.save_failed(err.to_string()),
        }
    }
}

impl App {
    /// An answer of the editing work: the server's newer version in a conflict, a file read into a value, a folder made.
    pub(super) fn on_editing_msg(&mut self, msg: Msg, out: &mut Vec<Effect>) {
        match msg {
            Msg::Theirs { req, result } => {
                if req == self.edit_req
                    && let Some(e) = self.editor.as_mut()
                {
                    match result {
                        Ok(r) => e.show_theirs(&r.data.unwrap_or_default()),
                        Err(err) => {
                            e.mode = editor::EditMode::Conflict { theirs: None, loading: false };
                            e.error = Some(format!("cannot load their version: {err}"));
                        }
                    }
                }
            }
            Msg::Completed { req, typed, completed, options } => {
                if req == self.file_req
                    && let Some(e) = self.editor.as_mut()
                {
                    e.completed(&typed, completed, options);
                }
            }
            Msg::FileLoaded { req, row, result } => {
                if req == self.file_req
                    && let Some(e) = self.editor.as_mut()
                {
                    e.file_loaded(row, result);
                }
            }
            Msg::FolderMade { req, result } if req == self.edit_req => match result {
                Ok(path) => {
                    self.info(format!("created folder {path}/"));
                    let name = path.rsplit('/').next().unwrap_or("").to_string();
                    self.reload_selecting(name, out);
                }
                Err(e) => self.error(format!("cannot create the folder: {e}")),
            },
            _ => {}
        }
    }
}

impl App {
    /// Where a new secret may go when it is created outside the scopes: the user's personal folder (first:
    /// private by default), each of their projects (from the last look at the places), or here. Empty when
    /// the user's login name is unknown or the folder is already in a scope.
    pub(super) fn scope_choices(&self, mount: &Mount, folder: &str) -> Vec<(String, Mount, String)> {
        use crate::scopes::{Scope, classify};
        let Some(user) = &self.scope_user else { return Vec::new() };
        let here = format!("{}/{folder}", mount.path);
        if classify(&self.scopes, Some(user), &here) != Scope::Other {
            return Vec::new();
        }
        let mounts = self.mounts.clone().unwrap_or_default();
        let place = |full: &str| -> Option<(Mount, String)> {
            let full = full.trim_matches('/');
            mounts
                .iter()
                .filter(|m| full == m.path || full.starts_with(&format!("{}/", m.path)))
                .max_by_key(|m| m.path.len())
                .map(|m| (m.clone(), full[m.path.len()..].trim_matches('/').to_string()))
        };
        let mut out = Vec::new();
        let personal = self.scopes.personal_for(user);
        if let Some((m, f)) = place(&personal) {
            out.push((format!("Private      {personal}  (only you)"), m, f));
        }
        let root = self.scopes.projects.trim_end_matches('/');
        for p in &self.scope_projects {
            if let Some((m, f)) = place(&format!("{root}/{p}/")) {
                out.push((format!("Project {p}  {root}/{p}/  (its members)"), m, f));
            }
        }
        out.push((format!("Here         {}/{folder}", mount.path), mount.clone(), folder.to_string()));
        out
    }
}
