//! Finding a secret from anywhere: an index of every secret path of every KV mount the token can see, ranked
//! as the user types; key names and values searched on request.
//!
//! - [`index`]: the paths, built in the background (SCAN where the token may, else the bounded concurrent
//!   walk of [`crate::vault::walk`]), streamed in batches with progress, bounded, updated by sesame's own
//!   writes without a rebuild, stored compactly.
//! - [`rank`]: fuzzy ranking with `nucleo-matcher` (the matcher of helix and television), `--exact`
//!   substrings and `--regex`; matched character positions for highlighting.
//! - [`contents`]: key names (KV v2 `subkeys`, KV v1 data whose values are dropped at once, key-only
//!   secrets by their recorded names) and values (read, matched in memory, zeroized, never shown).
//!
//! Nothing here draws or prints: `sesame find` ([`crate::commands::find`]) and the TUI both call it.

pub mod contents;
pub mod index;
pub mod rank;

pub use index::{Background, BuildEvent, BuildOptions, BuildProgress, Index, Progress, Root, spawn};
pub use rank::{Hit, MatchMode, Query};
