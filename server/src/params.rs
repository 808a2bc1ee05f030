//! Request parameters shared by the JSON routes of several modules (so
//! those modules need not import each other).

use serde::Deserialize;

use crate::error::HttpResult;

/// Path ids: anything but a positive integer is a 404, in JSON.
pub(crate) fn parse_id(raw: &str) -> HttpResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| app::error::AppError::not_found("resource").into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PollQuery {
    pub after: i64,
    /// Seconds to wait for something new (default 25, at most 30).
    #[serde(default)]
    pub timeout: Option<u64>,
}

impl PollQuery {
    pub fn wait(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout.unwrap_or(25).min(30))
    }
}
