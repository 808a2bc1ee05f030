//! Command line and environment: one typed configuration for the whole binary.
//! Every flag can also be set with the environment variable shown in `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "taskflow",
    version,
    about = "TaskFlow — a self-hosted team kanban with real-time chat, comments and @mentions.",
    long_about = "TaskFlow — a self-hosted team kanban with real-time chat, comments and @mentions.\n\n\
                  With no command, `taskflow` runs `serve`: it opens (and creates) the database, \
                  applies migrations and serves the web app and the JSON API."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the API (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Create a user account (e.g. the first administrator when sign-up is disabled).
    CreateUser(CreateUserArgs),
    /// Copy the SQLite database to a file while TaskFlow keeps running
    /// (a consistent snapshot). For PostgreSQL use pg_dump.
    Backup(BackupArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist yet).
    #[arg(long)]
    pub to: PathBuf,
}

/// Settings every command uses.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Database URL: `sqlite://path/to/file.db` (created if missing).
    #[arg(
        long,
        env = "TASKFLOW_DATABASE_URL",
        default_value = "sqlite://data/taskflow.db",
        global = true
    )]
    pub database_url: String,

    /// Maximum number of pooled database connections.
    #[arg(
        long,
        env = "TASKFLOW_DB_MAX_CONNECTIONS",
        default_value_t = 8,
        global = true
    )]
    pub db_max_connections: u32,

    /// Log filter, in `tracing` syntax (e.g. `info`, `taskflow=debug,tower_http=debug`).
    #[arg(long = "log", env = "RUST_LOG", default_value = "info", global = true)]
    pub log_filter: String,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "TASKFLOW_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Settings of `taskflow serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "TASKFLOW_BIND",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub bind: SocketAddr,

    /// The URL people use to reach TaskFlow (behind a proxy: the proxy's URL).
    /// Requests that change data must come from this origin (or the request's own host);
    /// an https URL also marks the session cookie `Secure`. Default: http://<bind>.
    #[arg(long, env = "TASKFLOW_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// How long a login lasts, in days.
    #[arg(long, env = "TASKFLOW_SESSION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650), global = true)]
    pub session_days: u64,

    /// Let anyone create an account from the sign-up page (`false`: only `taskflow create-user`).
    #[arg(long, env = "TASKFLOW_ALLOW_SIGNUP", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub allow_signup: bool,

    /// Largest request body accepted, in bytes (larger ones get 413).
    #[arg(long, env = "TASKFLOW_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Chat messages a user may send per second, on average (0 turns the limit off).
    #[arg(
        long,
        env = "TASKFLOW_MESSAGE_RATE",
        default_value_t = 10.0,
        global = true
    )]
    pub message_rate: f64,

    /// Chat messages a user may send in a quick burst before the rate applies.
    #[arg(
        long,
        env = "TASKFLOW_MESSAGE_BURST",
        default_value_t = 20.0,
        global = true
    )]
    pub message_burst: f64,

    /// Outgoing queue of each real-time connection, in events. A client that
    /// lets it fill up with messages is disconnected (and resumes on reconnect).
    #[arg(long, env = "TASKFLOW_WS_QUEUE", default_value_t = 256, value_parser = clap::value_parser!(u64).range(8..=65536), global = true)]
    pub ws_queue: u64,

    /// Redis, to run several instances as one (real-time events reach the
    /// clients of every instance). Unset: one instance, events in process.
    #[arg(long, env = "TASKFLOW_REDIS_URL", global = true)]
    pub redis_url: Option<String>,

    /// Serve the browser bundle from this folder instead of the copy embedded in the
    /// binary (for development; normally unset).
    #[arg(long, env = "TASKFLOW_SITE_DIR", global = true)]
    pub site_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct CreateUserArgs {
    /// Username: 3–32 characters of a–z, 0–9, '_', '.', '-'.
    #[arg(long)]
    pub username: String,
    /// Password (at least 8 characters). If omitted it is read from TASKFLOW_PASSWORD
    /// or, failing that, from the first line of standard input.
    #[arg(long, env = "TASKFLOW_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Name shown to others (defaults to the username).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Make the account an administrator.
    #[arg(long)]
    pub admin: bool,
}

impl ServeArgs {
    /// The public URL, without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_string()
    }

    /// A configuration for tests and embedding: defaults, with this bind address.
    pub fn for_address(bind: SocketAddr) -> Self {
        let cli = Cli::parse_from(["taskflow", "--bind", &bind.to_string()]);
        cli.serve
    }
}
