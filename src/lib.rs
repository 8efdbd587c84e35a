//! sesame: a terminal file explorer for HashiCorp Vault and OpenBao KV secrets.
//!
//! The binary (`src/main.rs`) is a thin shell over this library so that the integration tests, the
//! benchmarks and the TUI share one code path.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod action;
pub mod app;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod compare;
pub mod config;
pub mod find;
pub mod fsutil;
pub mod keymap;
pub mod layout;
pub mod logging;
pub mod mask;
pub mod reference;
pub mod sanitize;
pub mod scopes;
pub mod secret;
pub mod snippet;
pub mod tui;
pub mod ui;
pub mod vault;
