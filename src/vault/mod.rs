//! Everything that speaks HTTP to Vault or OpenBao. Nothing in here knows about ratatui.

pub mod annotations;
pub mod audit;
pub mod capabilities;
pub mod connect;
pub mod demo_modes;
pub mod devserver;
pub mod error;
pub mod kv;
pub mod login;
pub mod modes;
pub mod path;
pub mod policy;
pub mod save;
pub mod transfer;
pub mod walk;
pub mod write;

pub use error::VaultError;
pub use kv::{KvVersion, Mount, Vault};
pub use path::join;
