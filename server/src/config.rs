//! Command line and environment: one typed configuration for the whole binary.
//! Every flag can also be set with the environment variable shown in `--help`.

use std::net::{IpAddr, SocketAddr};
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

    /// The URL people use to reach TaskFlow (behind a proxy: the proxy's URL),
    /// e.g. `https://tasks.example.com`. Requests must name its host (others
    /// get 421), and requests that change data must come from its origin; an
    /// https URL also marks the session cookie `Secure`. Default: http://<bind>.
    #[arg(long, env = "TASKFLOW_PUBLIC_URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<url::Url>,

    /// More host names this server may be reached by, besides the public
    /// URL's (comma-separated, e.g. `tasks.internal,10.0.0.5`).
    #[arg(
        long,
        env = "TASKFLOW_ALLOWED_HOSTS",
        value_delimiter = ',',
        global = true
    )]
    pub allowed_hosts: Vec<String>,

    /// Reverse proxies whose `X-Forwarded-For` names the real client (comma-
    /// separated addresses or CIDR ranges, e.g. `127.0.0.1,::1,10.0.0.0/8`).
    /// Login throttling counts per client address: without this, the proxy's
    /// address is the client's.
    #[arg(
        long,
        env = "TASKFLOW_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_proxy,
        global = true
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// How long a login lasts, in days.
    #[arg(long, env = "TASKFLOW_SESSION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650), global = true)]
    pub session_days: u64,

    /// Let anyone create an account from the sign-up page (`false`: only
    /// `taskflow create-user`). Default: on when listening on a loopback
    /// address (a personal install), off otherwise — a server reachable by
    /// others opens sign-up only when told to.
    #[arg(long, env = "TASKFLOW_ALLOW_SIGNUP", action = clap::ArgAction::Set, global = true)]
    pub allow_signup: Option<bool>,

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

    /// Emoji reactions a user may add or remove per second, on average
    /// (their own budget, apart from messages; 0 turns the limit off).
    #[arg(
        long,
        env = "TASKFLOW_REACTION_RATE",
        default_value_t = 10.0,
        global = true
    )]
    pub reaction_rate: f64,

    /// Reactions a user may add or remove in a quick burst before the rate applies.
    #[arg(
        long,
        env = "TASKFLOW_REACTION_BURST",
        default_value_t = 30.0,
        global = true
    )]
    pub reaction_burst: f64,

    /// Real-time frames (subscribe, read, typing, ...) a user may send per
    /// second, over all their connections to this instance (0 turns it off).
    #[arg(
        long,
        env = "TASKFLOW_FRAME_RATE",
        default_value_t = 30.0,
        global = true
    )]
    pub frame_rate: f64,

    /// Real-time frames a user may send in a quick burst before the rate applies.
    #[arg(
        long,
        env = "TASKFLOW_FRAME_BURST",
        default_value_t = 120.0,
        global = true
    )]
    pub frame_burst: f64,

    /// Open WebSockets a user may have on this instance (one per tab).
    #[arg(long, env = "TASKFLOW_MAX_USER_SOCKETS", default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=100_000), global = true)]
    pub max_user_sockets: u64,

    /// Open long polls (the HTTP fallback) a user may have on this instance.
    #[arg(long, env = "TASKFLOW_MAX_USER_POLLS", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=100_000), global = true)]
    pub max_user_polls: u64,

    /// Most people one group mention (@room, @board, @here) may notify: a
    /// message calling more is refused (400).
    #[arg(long, env = "TASKFLOW_GROUP_MENTION_MAX", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=100_000), global = true)]
    pub group_mention_max: u64,

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

/// `--public-url`: an absolute http(s) URL with a host and nothing after it
/// but an optional `/`.
fn parse_public_url(raw: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| {
        format!("{raw:?} is not a URL ({e}); expected e.g. https://tasks.example.com")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{raw:?} must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{raw:?} has no host name"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{raw:?} must be just scheme, host and port: TaskFlow is served from the root of its host"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{raw:?} must not contain a user name or password"));
    }
    Ok(url)
}

impl ServeArgs {
    /// The public URL, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Whether sign-up is open: as configured, or by default only on a
    /// loopback address.
    pub fn signup_open(&self) -> bool {
        self.allow_signup.unwrap_or(self.bind.ip().is_loopback())
    }

    /// Things about this configuration a self-hoster must hear at start.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.bind.ip().is_loopback() {
            match &self.public_url {
                None => warnings.push(format!(
                    "listening on {} (reachable from other machines) without --public-url: \
                     set TASKFLOW_PUBLIC_URL to the https:// URL people use. Until then any \
                     IP address or `localhost` is accepted as the host, and cookies are not Secure",
                    self.bind
                )),
                Some(url) if url.scheme() == "http" => warnings.push(format!(
                    "the public URL {url} is plain http: passwords and session cookies cross \
                     the network unencrypted. Put TaskFlow behind TLS (docs/deploy.md) and set \
                     an https:// TASKFLOW_PUBLIC_URL"
                )),
                Some(_) => {}
            }
            if self.allow_signup.is_none() {
                warnings.push(
                    "sign-up is off (the default when listening beyond this machine): create \
                     accounts with `taskflow create-user`, or set TASKFLOW_ALLOW_SIGNUP=true"
                        .into(),
                );
            }
        }
        warnings
    }

    /// A configuration for tests and embedding: defaults, with this bind address.
    pub fn for_address(bind: SocketAddr) -> Self {
        let cli = Cli::parse_from(["taskflow", "--bind", &bind.to_string()]);
        cli.serve
    }
}

/// A trusted proxy: one address (`10.0.0.5`) or a range (`10.0.0.0/8`).
fn parse_proxy(raw: &str) -> Result<ipnet::IpNet, String> {
    let raw = raw.trim();
    raw.parse::<ipnet::IpNet>()
        .or_else(|_| raw.parse::<IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{raw}` is neither an IP address nor a CIDR range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_checked() {
        assert!(parse_public_url("https://tasks.example.com").is_ok());
        assert!(parse_public_url("http://127.0.0.1:3000/").is_ok());
        for bad in [
            "tasks.example.com",
            "ftp://tasks.example.com",
            "https://tasks.example.com/taskflow",
            "https://user:pw@tasks.example.com",
            "https://",
            "not a url",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        assert_eq!(parse_proxy("10.0.0.5").unwrap().to_string(), "10.0.0.5/32");
        assert_eq!(
            parse_proxy(" 10.0.0.0/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(parse_proxy("::1").unwrap().to_string(), "::1/128");
        let err = parse_proxy("proxy.local").unwrap_err();
        assert!(
            err.contains("neither an IP address nor a CIDR range"),
            "{err}"
        );
        assert!(parse_proxy("10.0.0.0/33").is_err());
    }

    #[test]
    fn signup_defaults_to_on_only_for_loopback() {
        assert!(ServeArgs::for_address("127.0.0.1:3000".parse().unwrap()).signup_open());
        let wide = ServeArgs::for_address("0.0.0.0:3000".parse().unwrap());
        assert!(!wide.signup_open());
        assert_eq!(wide.warnings().len(), 2, "{:?}", wide.warnings());
        let mut open = wide.clone();
        open.allow_signup = Some(true);
        open.public_url = Some(url::Url::parse("https://tasks.example.com").unwrap());
        assert!(open.signup_open());
        assert!(open.warnings().is_empty());
    }
}
