//! TaskFlow's shared crate.
//!
//! - [`model`], [`error`], [`validate`], [`mentions`], [`richtext`]: types
//!   and rules both sides share; [`protocol`]: the real-time wire, typed.
//! - [`api`]: server functions, the UI's calls to the server.
//! - [`services`] (feature `ssr`): the service layer — accounts, boards,
//!   columns, tasks, chat, comments, mentions, notifications — that both the server functions and the JSON API call.
//! - [`ui`]: the Leptos components and routes, rendered on the server and
//!   hydrated in the browser.

#![recursion_limit = "256"]

#[macro_use]
pub mod tagged;
pub mod api;
pub mod error;
pub mod mentions;
pub mod model;
pub mod protocol;
pub mod richtext;
#[cfg(feature = "ssr")]
pub mod services;
pub mod ui;
pub mod validate;

pub use ui::{shell, App};
