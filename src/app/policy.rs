//! The policy view (admins): the `sesame-modes` ACL policy generated from the recorded modes, the diff with
//! the policy on the server, applying it after a confirm, or copying the HCL.

use super::{Action, App, Effect};
use crate::vault::audit::Scope;
use crate::vault::policy::DEFAULT_POLICY_NAME;

/// What was generated and how it differs from the server's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyPreview {
    /// The generated HCL.
    pub hcl: String,
    /// Unified diff against the server's policy (empty: up to date).
    pub diff: String,
    /// Secrets with a rule.
    pub secrets: usize,
    /// Secrets left out and why.
    pub skipped: Vec<(String, String)>,
    /// Folders that could not be listed and metadata that could not be read (their rules would be missing).
    pub incomplete: usize,
    /// True when the server has no policy of that name.
    pub missing_on_server: bool,
}

/// The policy view's state.
#[derive(Debug, Clone)]
pub struct PolicyView {
    /// The policy name.
    pub name: String,
    /// What was crawled.
    pub scopes: Vec<Scope>,
    /// Pending request.
    pub req: u64,
    /// True while generating or applying.
    pub busy: bool,
    /// The preview, once generated.
    pub preview: Option<PolicyPreview>,
    /// Last error.
    pub error: Option<String>,
    /// Scroll offset of the diff/HCL text.
    pub scroll: usize,
    /// Waiting for `y` to apply.
    pub confirm: bool,
    /// Show the whole HCL instead of the diff.
    pub show_hcl: bool,
}

/// Answers of the policy view's work.
#[derive(Debug)]
pub enum PolicyMsg {
    /// The policy was generated and compared.
    Preview { req: u64, result: Result<PolicyPreview, String> },
    /// The policy was written to the server.
    Applied { req: u64, result: Result<(), String> },
}

/// The policy view's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyEffect {
    /// Crawl the scopes, generate the policy and compare it with the server's.
    Preview { req: u64, scopes: Vec<Scope>, name: String },
    /// Write the policy.
    Apply { req: u64, name: String, hcl: String },
}

impl App {
    /// Opens the policy view. The policy is one for the whole server, so every KV mount is crawled: a
    /// policy generated from one mount would drop the rules of the others when applied.
    pub(super) fn open_policy(&mut self, out: &mut Vec<Effect>) {
        let scopes: Vec<Scope> = self.mounts.iter().flatten().cloned().map(Scope::mount).collect();
        if scopes.is_empty() {
            self.error("no KV mount to generate a policy for");
            return;
        }
        let req = self.req();
        let name = DEFAULT_POLICY_NAME.to_string();
        self.policy = Some(PolicyView {
            name: name.clone(),
            scopes: scopes.clone(),
            req,
            busy: true,
            preview: None,
            error: None,
            scroll: 0,
            confirm: false,
            show_hcl: false,
        });
        out.push(Effect::Policy(PolicyEffect::Preview { req, scopes, name }));
    }

    /// Handles an answer of the policy view's work.
    pub(super) fn on_policy_msg(&mut self, msg: PolicyMsg, out: &mut Vec<Effect>) {
        let Some(v) = self.policy.as_mut() else { return };
        match msg {
            PolicyMsg::Preview { req, result } if req == v.req => {
                v.busy = false;
                match result {
                    Ok(p) => {
                        v.preview = Some(p);
                        v.error = None;
                    }
                    Err(e) => v.error = Some(e),
                }
            }
            PolicyMsg::Applied { req, result } if req == v.req => {
                v.busy = false;
                match result {
                    Ok(()) => {
                        let text = format!(
                            "policy {} applied: attach it to the non-admin users' group, role or auth method",
                            v.name
                        );
                        self.open_policy(out);
                        self.info(text);
                    }
                    Err(e) => v.error = Some(format!("not applied: {e}")),
                }
            }
            _ => {}
        }
    }

    /// Handles a key in the policy view; true when the view took it.
    pub(super) fn policy_key(
        &mut self,
        action: Option<Action>,
        key: crossterm::event::KeyEvent,
        out: &mut Vec<Effect>,
    ) {
        let Some(v) = self.policy.as_mut() else { return };
        if v.confirm {
            v.confirm = false;
            let yes =
                self.keymap.lookup_in(crate::keymap::Context::Confirm, crate::keymap::Key::from_event(&key));
            if yes == Some(Action::Yes) {
                if let Some(p) = &v.preview {
                    let req = super::next_id(&mut self.next_req);
                    v.req = req;
                    v.busy = true;
                    out.push(Effect::Policy(PolicyEffect::Apply {
                        req,
                        name: v.name.clone(),
                        hcl: p.hcl.clone(),
                    }));
                }
            } else {
                v.error = Some("not applied".into());
            }
            return;
        }
        match action {
            Some(Action::Down) => v.scroll += 1,
            Some(Action::Up) => v.scroll = v.scroll.saturating_sub(1),
            Some(Action::PageDown) => v.scroll += 10,
            Some(Action::PageUp) => v.scroll = v.scroll.saturating_sub(10),
            Some(Action::Top) => v.scroll = 0,
            Some(Action::JsonView) => {
                v.show_hcl = !v.show_hcl;
                v.scroll = 0;
            }
            Some(Action::ApplyPolicy) => match &v.preview {
                Some(p) if p.diff.is_empty() => {
                    v.error = Some("the server's policy is already up to date".into())
                }
                Some(p) if p.incomplete > 0 => {
                    v.error = Some(format!(
                        "not applied: {} folders or secrets could not be read, so their rules would be dropped \
                         (use a token that may read every metadata, or `sesame policy apply --partial`)",
                        p.incomplete
                    ));
                }
                Some(_) => v.confirm = true,
                None => {}
            },
            Some(Action::CopyValue) => {
                if let Some(p) = &v.preview {
                    let text = super::chooser::CopyText(zeroize::Zeroizing::new(p.hcl.clone()));
                    out.push(Effect::Copy(super::chooser::CopyRequest {
                        text,
                        content: crate::clipboard::Content::Text,
                        what: format!("the HCL of {}", v.name),
                    }));
                }
            }
            Some(Action::Refresh) => self.open_policy(out),
            Some(Action::Back | Action::Quit) => self.policy = None,
            Some(Action::Help) => self.open_help(),
            _ => {}
        }
    }
}
