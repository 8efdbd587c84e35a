//! Opening the version history and carrying out what the history view asks for.

use super::*;

impl App {
    pub(super) fn open_history(&mut self, mount: Mount, path: String, out: &mut Vec<Effect>) {
        if mount.version == crate::vault::KvVersion::V1 {
            self.error(format!("{}/ is a KV v1 mount: secrets there have no versions", mount.path));
            return;
        }
        let req = self.req();
        let keep = self.history.take().filter(|h| h.mount == mount && h.path == path);
        let mut h = history::HistoryView::new(mount.clone(), path.clone(), req);
        if let Some(old) = keep {
            h.selected = old.selected;
            h.marked = old.marked;
            h.versions = old.versions;
        }
        self.history = Some(h);
        out.push(Effect::LoadHistory { req, mount, path });
    }

    pub(super) fn on_history_outcome(&mut self, outcome: history::HistoryOutcome, out: &mut Vec<Effect>) {
        let Some(h) = self.history.as_mut() else { return };
        match outcome {
            history::HistoryOutcome::None => {}
            history::HistoryOutcome::Close => self.history = None,
            history::HistoryOutcome::Open(version) => {
                let (mount, path, current) = (h.mount.clone(), h.path.clone(), h.current);
                let req = self.req();
                self.secret = Some(SecretView::loading(
                    mount.clone(),
                    path.clone(),
                    req,
                    (version != current).then_some(version),
                ));
                out.push(Effect::Read { req, mount, path, version: Some(version) });
            }
            history::HistoryOutcome::Diff(a, b) => {
                let req = next_id(&mut self.next_req);
                h.req = req;
                h.busy = true;
                out.push(Effect::DiffVersions { req, mount: h.mount.clone(), path: h.path.clone(), a, b });
            }
            history::HistoryOutcome::Run(op) => {
                let req = next_id(&mut self.next_req);
                h.req = req;
                h.busy = true;
                out.push(Effect::VersionOp {
                    req,
                    mount: h.mount.clone(),
                    path: h.path.clone(),
                    op,
                    current: h.current,
                });
            }
        }
    }
}

impl App {
    /// An answer of the history's work: the versions, a diff, a version operation done.
    pub(super) fn on_history_msg(&mut self, msg: Msg, out: &mut Vec<Effect>) {
        match msg {
            Msg::History { req, result } => {
                if let Some(h) = self.history.as_mut()
                    && h.req == req
                {
                    h.busy = false;
                    match result {
                        Ok((versions, current)) => {
                            let prev = h.selected_version().map(|v| v.version);
                            h.selected = prev
                                .and_then(|p| versions.iter().position(|v| v.version == p))
                                .unwrap_or(h.selected)
                                .min(versions.len().saturating_sub(1));
                            h.versions = Some(versions);
                            h.current = current;
                        }
                        Err(e) => h.error = Some(e.to_string()),
                    }
                }
            }
            Msg::Diff { req, a, b, result, values } => {
                if let Some(h) = self.history.as_mut()
                    && h.req == req
                {
                    h.busy = false;
                    h.diff_values = values;
                    h.diff_revealed = false;
                    match result {
                        Ok(d) => h.diff = Some((a, b, d)),
                        Err(e) => h.error = Some(e.to_string()),
                    }
                }
            }
            Msg::VersionDone { req, result } => {
                if let Some(h) = self.history.as_ref()
                    && h.req == req
                {
                    let (mount, path) = (h.mount.clone(), h.path.clone());
                    match result {
                        Ok(text) => {
                            self.info(text);
                            self.open_history(mount, path, out);
                        }
                        Err(e) => {
                            if let Some(h) = self.history.as_mut() {
                                h.busy = false;
                                h.error = Some(e.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
