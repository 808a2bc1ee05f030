//! Request parameters shared by the JSON routes of several modules (so
//! those modules need not import each other).

use app::error::AppError;
use app::services::stream::{self, Resume};
use serde::Deserialize;

use crate::error::HttpResult;

/// Path ids: anything but a positive integer is a 404, in JSON.
pub(crate) fn parse_id(raw: &str) -> HttpResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::not_found("resource").into())
}

/// A long poll's query: where to resume (`after`, the stream's documented
/// cursor, or `after_seq`, a change number — one of the two) and how long
/// to wait.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PollQuery {
    #[serde(default)]
    pub after: Option<i64>,
    #[serde(default)]
    pub after_seq: Option<i64>,
    /// Seconds to wait for something new (default 25, at most 30).
    #[serde(default)]
    pub timeout: Option<u64>,
}

impl PollQuery {
    pub fn wait(&self) -> std::time::Duration {
        stream::poll_wait(self.timeout)
    }

    /// Where the poll resumes: 400 without `after` or `after_seq`, or with both.
    pub fn resume(&self) -> HttpResult<Resume> {
        Resume::from_parts(self.after, self.after_seq)?
            .ok_or_else(|| AppError::invalid("missing field `after` (or `after_seq`)").into())
    }
}
