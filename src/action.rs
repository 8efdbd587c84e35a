//! What a key can do: the one list of actions that the keymap file names, the help overlay describes and
//! `App::update` carries out. It depends on nothing else in sesame, so the keymap does not depend on the app.

use serde::Deserialize;

/// What a key can do. The keymap file names these in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Leave sesame.
    Quit,
    /// Toggle the help overlay.
    Help,
    /// Reload what is on screen.
    Refresh,
    /// Selection down one row.
    Down,
    /// Selection up one row.
    Up,
    /// One page down.
    PageDown,
    /// One page up.
    PageUp,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Open the selected folder or secret.
    Open,
    /// Go to the parent folder, or close the current view.
    Back,
    /// Start typing a filter for the current folder.
    Filter,
    /// Clear the filter.
    ClearFilter,
    /// Show or hide entries whose name starts with a dot.
    ToggleHidden,
    /// Sort names ascending or descending.
    ToggleSort,
    /// Reveal or mask the selected value.
    Reveal,
    /// Reveal or mask every value.
    RevealAll,
    /// Open the read-only JSON view of the secret.
    JsonView,
    /// Edit the secret (the key/value editor).
    Edit,
    /// Create a secret in the current folder.
    NewSecret,
    /// Create a folder (kept by a `.keep` placeholder).
    NewFolder,
    /// Editor: add a key.
    AddKey,
    /// Editor: edit the selected value.
    EditValue,
    /// Editor: rename the selected key.
    RenameKey,
    /// Editor: load the selected value from a file.
    LoadFile,
    /// Editor: remove the selected key.
    DeleteKey,
    /// Editor: upper-case keys while typing, or not.
    ToggleUppercase,
    /// Editor: review and save the changes.
    Save,
    /// Form: next field.
    NextField,
    /// Form: previous field.
    PrevField,
    /// Docker form: add a registry.
    AddRegistry,
    /// Docker form: remove the focused registry.
    RemoveRegistry,
    /// Open the version history of a secret (KV v2).
    History,
    /// History: mark a version as one side of a diff.
    MarkVersion,
    /// History: compare the selected version with the marked (or current) one.
    DiffVersions,
    /// History: write the selected version's data as a new version.
    Rollback,
    /// History: bring a deleted version back.
    Undelete,
    /// History: soft-delete the selected version.
    DeleteVersion,
    /// History: destroy the selected version for good (typed confirmation).
    DestroyVersion,
    /// Delete the selected secret (a choice of versions on KV v2) or folder (typed confirmation).
    Delete,
    /// Move the selected secret or folder (also to another mount or KV version).
    Move,
    /// Rename the selected secret or folder in its folder.
    Rename,
    /// Copy the selected secret or folder to another path (also another mount or KV version). Named apart
    /// from the clipboard copies; `copy`, its former name, is still accepted in keymap files.
    #[serde(alias = "copy")]
    Duplicate,
    /// Choose what to copy so a service can use the secret or folder (path, snippets, manifests).
    UseInService,
    /// Copy the selected value (asks first; cleared from the clipboard after a delay).
    CopyValue,
    /// Copy the selected key's name.
    CopyKey,
    /// Copy a reference to the selected key (`vault://mount/path#KEY`, for `.env` files and templates).
    CopyReference,
    /// Flag the secret for injection as environment variables (`sesame run --folder`), or unflag it.
    ToggleInject,
    /// Set the admin mode of the secret: readonly, key-only or none (admins only).
    SetMode,
    /// Open the policy view: the generated `sesame-modes` ACL policy and its diff with the server's.
    Policy,
    /// Policy view: write the generated policy to the server (after a confirm).
    ApplyPolicy,
    /// Copy the SSH public key of an ssh-auth secret (never its private key).
    CopyPublicKey,
    /// Copy the SHA256 fingerprint of an ssh-auth secret's key.
    CopyFingerprint,
    /// Open the audit of the modes (admins): this mount, or every KV mount from the list of mounts.
    Audit,
    /// Audit: export the report as JSON.
    ExportJson,
    /// Audit: export the report as CSV.
    ExportCsv,
    /// Menus: take the selected choice.
    Choose,
    /// Questions: yes, do it.
    Yes,
    /// Questions: no (where "no" differs from cancelling, e.g. choose another destination).
    No,
    /// Save conflicts: write over the newer version on the server.
    Overwrite,
    /// Save conflicts: show what the server holds now, beside the draft.
    ShowTheirs,
    /// Text lines: clear the line.
    ClearLine,
    /// Text lines: drop the last path segment.
    DeleteSegment,
    /// Open the finder: every secret path of every KV mount, ranked as you type.
    Find,
    /// Finder: open the selected secret's folder (Enter opens the secret itself).
    OpenFolder,
    /// Finder: switch between fuzzy, exact and regular-expression matching.
    CycleMatch,
    /// Log in again (the profile's method), without leaving the explorer.
    Login,
    /// Places: my secrets, my projects, the mounts and the bookmarks, to jump to.
    Places,
    /// Show or hide the places beside the folder list, as a file manager's sidebar.
    Sidebar,
    /// Share the selected private secret with a project, or make a project's secret private again.
    Share,
    /// Bookmark the current folder (or forget it when it is one), kept in the config directory.
    Bookmark,
    /// Switch to another namespace: the child namespaces of the current one, its parent, the root.
    Namespaces,
    /// Mark a secret or folder as side A of a comparison; on another, compare them.
    MarkCompare,
    /// Comparison: carry the selected secret's (or key's) difference from A to B.
    Promote,
    /// Comparison: hide or show what is equal.
    DiffOnly,
    /// Finder: also match the key names of the secrets (read without values).
    ToggleKeySearch,
    /// Finder: also match the values (read, matched in memory, never shown).
    ToggleValueSearch,
}

#[cfg(test)]
mod tests {
    use super::Action;

    #[derive(serde::Deserialize)]
    struct One {
        action: Action,
    }

    #[test]
    fn keymap_files_written_for_the_former_name_still_load() {
        for name in ["duplicate", "copy"] {
            let one: One = toml::from_str(&format!("action = \"{name}\"")).expect("parses");
            assert_eq!(one.action, Action::Duplicate);
        }
        assert!(toml::from_str::<One>("action = \"copy_to_clipboard\"").is_err());
    }
}
