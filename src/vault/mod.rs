//! Everything that speaks HTTP to Vault or OpenBao. Nothing in here knows about ratatui.

pub mod annotations;
pub mod capabilities;
pub mod connect;
pub mod devserver;
pub mod error;
pub mod kv;
pub mod transfer;
pub mod walk;
pub mod write;

pub use error::VaultError;
pub use kv::{KvVersion, Mount, Vault};
