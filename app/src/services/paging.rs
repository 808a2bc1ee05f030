//! Keyset pagination, shared by chat history and comment threads: every page
//! is one index range on (scope, id), newest page first, then `before` (older)
//! or `after` (newer) an id, and says whether more lie on either side.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, FromRow};

use crate::error::{AppError, AppResult};

/// Where a page starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Items with ids below this (older), newest of them first taken.
    pub before: Option<i64>,
    /// Items with ids above this (newer), oldest first: resuming after a gap.
    pub after: Option<i64>,
}

impl Cursor {
    /// `before` and `after` together make no page.
    pub fn check(self) -> AppResult<Self> {
        if self.before.is_some() && self.after.is_some() {
            return Err(AppError::invalid("give `before` or `after`, not both"));
        }
        Ok(self)
    }
}

/// How to page one kind of item.
pub struct Keyset {
    /// `SELECT … FROM <table> <alias> … WHERE <alias>.<scope> = $1`, id first.
    pub select: &'static str,
    /// The id column as the select names it (`m.id`).
    pub id: &'static str,
    pub table: &'static str,
    /// The column that scopes the list (`room_id`).
    pub scope: &'static str,
    /// A further condition every listed row meets, without table alias
    /// (`in_room = 1`), or "": `select` ends with it too, so a partial
    /// index with the same condition serves both the page and the probes.
    pub only: &'static str,
}

/// One page, oldest first.
pub struct Page<R> {
    pub rows: Vec<R>,
    pub has_older: bool,
    pub has_newer: bool,
}

impl Keyset {
    pub async fn page<R>(
        &self,
        pool: &AnyPool,
        scope_id: i64,
        cursor: Cursor,
        limit: i64,
        id_of: impl Fn(&R) -> i64,
    ) -> AppResult<Page<R>>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (select, id) = (self.select, self.id);
        let ascending = cursor.after.is_some();
        let sql = if ascending {
            format!("{select} AND {id} > $2 ORDER BY {id} ASC LIMIT $3")
        } else {
            format!("{select} AND {id} < $2 ORDER BY {id} DESC LIMIT $3")
        };
        let bound = cursor.after.or(cursor.before).unwrap_or(i64::MAX);
        let mut rows: Vec<R> = sqlx::query_as(&sql)
            .bind(scope_id)
            .bind(bound)
            .bind(limit + 1)
            .fetch_all(pool)
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        if !ascending {
            rows.reverse();
        }
        let (first, last) = (rows.first().map(&id_of), rows.last().map(&id_of));
        let (has_older, has_newer) = if ascending {
            let older = match first {
                Some(first) => self.exists(pool, scope_id, "<", first).await?,
                None => self.exists(pool, scope_id, "<=", bound).await?,
            };
            (older, more)
        } else {
            let newer = match last {
                Some(last) => self.exists(pool, scope_id, ">", last).await?,
                None => cursor.before.is_some() && self.exists(pool, scope_id, ">=", bound).await?,
            };
            (more, newer)
        };
        Ok(Page {
            rows,
            has_older,
            has_newer,
        })
    }

    async fn exists(&self, pool: &AnyPool, scope_id: i64, op: &str, id: i64) -> AppResult<bool> {
        let only = if self.only.is_empty() {
            String::new()
        } else {
            format!(" AND {}", self.only)
        };
        let found: Option<(i64,)> = sqlx::query_as(&format!(
            "SELECT id FROM {} WHERE {} = $1 AND id {op} $2{only} LIMIT 1",
            self.table, self.scope
        ))
        .bind(scope_id)
        .bind(id)
        .fetch_optional(pool)
        .await?;
        Ok(found.is_some())
    }
}
