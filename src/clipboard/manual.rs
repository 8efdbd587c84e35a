//! The last resort: nothing could copy, so the caller shows the text for manual selection (the TUI in a
//! popup; the command line prints it when it holds no secret value). The reason lists what each method
//! said, never the text.

/// The reason of a manual outcome from the failures of the methods tried (none: the clipboard is off).
pub(super) fn reason(failures: &[String]) -> String {
    if failures.is_empty() {
        "the clipboard is turned off ([clipboard] method = \"off\")".to_string()
    } else {
        failures.join("; ")
    }
}
