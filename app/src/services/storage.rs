//! The database: connecting, migrating, and the few helpers every service uses.
//!
//! TaskFlow talks to SQLite (the default, embedded) or PostgreSQL through
//! sqlx's `Any` driver, so one set of queries serves both. The rules that make
//! that work: `$1`-style placeholders, `BIGINT`/`INTEGER` ids, timestamps as
//! Unix milliseconds in 64-bit integers, booleans as 0/1 integers, and
//! `RETURNING` instead of driver-specific "last insert id".

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::error::{AppError, AppResult};

/// Migrations for each dialect, embedded in the binary. The two folders hold
/// the same schema; only the column types differ.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> AppResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(AppError::invalid(format!(
                "unsupported database URL {url:?}: use sqlite://path or postgres://…"
            )))
        }
    }
}

/// Opens a pool. For SQLite the file (and its folder) is created when missing,
/// and each connection gets WAL journaling, foreign keys and a busy timeout so
/// concurrent writers queue instead of failing. A PostgreSQL database must
/// exist (its tables are created by the migrations).
pub async fn connect(url: &str, max_connections: u32) -> AppResult<AnyPool> {
    sqlx::any::install_default_drivers();
    if Dialect::of_url(url)? == Dialect::Postgres {
        return AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| AppError::Internal(format!("cannot open database {}: {e}", redact(url))));
    }
    let url = sqlite_url_with_create(url)?;
    let options = AnyConnectOptions::from_str(&url)
        .map_err(|e| AppError::invalid(format!("bad database URL: {e}")))?;
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| AppError::Internal(format!("cannot open database {url}: {e}")))?;
    Ok(pool)
}

/// Makes sure a SQLite URL creates its file (`mode=rwc`) and that the folder exists.
fn sqlite_url_with_create(url: &str) -> AppResult<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_string());
    }
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| {
                AppError::Internal(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
    }
    if url.contains("mode=") {
        Ok(url.to_string())
    } else if url.contains('?') {
        Ok(format!("{url}&mode=rwc"))
    } else {
        Ok(format!("{url}?mode=rwc"))
    }
}

/// A database URL without its password, for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Which engine an open pool talks to.
pub async fn dialect(pool: &AnyPool) -> AppResult<Dialect> {
    let conn = pool.acquire().await?;
    Ok(if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        Dialect::Postgres
    } else {
        Dialect::Sqlite
    })
}

/// Applies every pending migration of the pool's dialect. Safe to run on each start.
pub async fn migrate(pool: &AnyPool) -> AppResult<()> {
    match dialect(pool).await? {
        Dialect::Sqlite => migrate_sqlite(pool).await?,
        Dialect::Postgres => POSTGRES_MIGRATIONS.run(pool).await?,
    }
    Ok(())
}

/// SQLite's migrations run with foreign keys off, on a connection of their
/// own that never goes back to the pool: SQLite changes a table by
/// rebuilding it, and dropping the old table with the checks on deletes
/// every row that refers to it (ON DELETE CASCADE). `PRAGMA foreign_keys`
/// cannot change inside a transaction, which is how each migration runs,
/// so it is set around them; afterwards `foreign_key_check` must find no
/// dangling reference or the start fails (SQLite's documented procedure,
/// https://sqlite.org/lang_altertable.html#otheralter).
async fn migrate_sqlite(pool: &AnyPool) -> AppResult<()> {
    let mut conn = pool.acquire().await?;
    conn.close_on_drop();
    conn.execute("PRAGMA foreign_keys = OFF").await?;
    SQLITE_MIGRATIONS.run(&mut *conn).await?;
    let dangling: Vec<(String, i64)> =
        sqlx::query_as("SELECT \"table\", COALESCE(rowid, 0) FROM pragma_foreign_key_check")
            .fetch_all(&mut *conn)
            .await?;
    if let Some((table, row)) = dangling.first() {
        return Err(AppError::Internal(format!(
            "after the migrations {} rows refer to nothing (first: {table} row {row})",
            dangling.len()
        )));
    }
    Ok(())
}

/// Writes a consistent copy of a SQLite database to `to` while others keep
/// using it (`VACUUM INTO`: a snapshot, compacted). PostgreSQL has pg_dump.
pub async fn backup(pool: &AnyPool, to: &std::path::Path) -> AppResult<()> {
    if dialect(pool).await? == Dialect::Postgres {
        return Err(AppError::invalid(
            "this database is PostgreSQL: back it up with pg_dump (see docs/deploy.md)",
        ));
    }
    if to.exists() {
        return Err(AppError::invalid(format!(
            "{} exists already: choose a new file",
            to.display()
        )));
    }
    let path = to
        .to_str()
        .ok_or_else(|| AppError::invalid("the backup path must be valid UTF-8"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(pool)
        .await
        .map_err(|e| AppError::Internal(format!("backup to {path} failed: {e}")))?;
    Ok(())
}

/// Is the database answering? (Used by `/healthz`.)
pub async fn ping(pool: &AnyPool) -> AppResult<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

/// The unique keys a write may run into, named once for both dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    Username,
    BoardMember,
    RoomName,
    RoomMember,
    MessageClientId,
    CommentClientId,
    DirectMessage,
}

impl UniqueKey {
    const ALL: [UniqueKey; 7] = [
        Self::Username,
        Self::BoardMember,
        Self::RoomName,
        Self::RoomMember,
        Self::MessageClientId,
        Self::CommentClientId,
        Self::DirectMessage,
    ];

    /// PostgreSQL's name for it (the constraint or unique index).
    fn postgres_name(self) -> &'static str {
        match self {
            Self::Username => "users_username_key",
            Self::BoardMember => "board_members_pkey",
            Self::RoomName => "chat_rooms_board_id_name_key_key",
            Self::RoomMember => "chat_room_members_pkey",
            Self::MessageClientId => "chat_messages_by_client_id",
            Self::CommentClientId => "task_comments_by_client_id",
            Self::DirectMessage => "chat_rooms_dm",
        }
    }

    /// SQLite names no constraint: it lists the key's columns
    /// ("UNIQUE constraint failed: users.username").
    fn sqlite_columns(self) -> &'static str {
        match self {
            Self::Username => "users.username",
            Self::BoardMember => "board_members.board_id, board_members.user_id",
            Self::RoomName => "chat_rooms.board_id, chat_rooms.name_key",
            Self::RoomMember => "chat_room_members.room_id, chat_room_members.user_id",
            Self::MessageClientId => "chat_messages.author_id, chat_messages.client_id",
            Self::CommentClientId => "task_comments.author_id, task_comments.client_id",
            Self::DirectMessage => "chat_rooms.dm_key",
        }
    }
}

/// Which unique key a failed write ran into (`None`: not a unique
/// violation, or one of a key not listed in [`UniqueKey`]). The one place
/// that reads the databases' error details.
pub fn unique_violation(err: &sqlx::Error) -> Option<UniqueKey> {
    let sqlx::Error::Database(db) = err else {
        return None;
    };
    if !db.is_unique_violation() {
        return None;
    }
    match db.constraint() {
        Some(name) => UniqueKey::ALL
            .into_iter()
            .find(|k| k.postgres_name() == name),
        None => {
            let columns = db.message().rsplit(": ").next().unwrap_or_default();
            UniqueKey::ALL
                .into_iter()
                .find(|k| k.sqlite_columns() == columns)
        }
    }
}

/// Milliseconds since the Unix epoch: how every timestamp is stored.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = std::env::temp_dir().join("taskflow-url-test");
        let url = format!("sqlite://{}/x.db", dir.display());
        assert_eq!(
            sqlite_url_with_create(&url).unwrap(),
            format!("{url}?mode=rwc")
        );
        assert!(dir.exists());
        assert_eq!(
            sqlite_url_with_create("sqlite::memory:").unwrap(),
            "sqlite::memory:"
        );
        let ro = format!("sqlite://{}/y.db?mode=ro", dir.display());
        assert_eq!(sqlite_url_with_create(&ro).unwrap(), ro);
    }

    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(
            redact("postgres://tf:s3cret@db:5432/tf"),
            "postgres://tf:***@db:5432/tf"
        );
        assert_eq!(redact("postgres://tf@db/tf"), "postgres://tf@db/tf");
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn dialect_from_url() {
        assert_eq!(Dialect::of_url("sqlite://a.db").unwrap(), Dialect::Sqlite);
        assert_eq!(
            Dialect::of_url("postgres://x/y").unwrap(),
            Dialect::Postgres
        );
        assert!(Dialect::of_url("mysql://x").is_err());
    }
}
