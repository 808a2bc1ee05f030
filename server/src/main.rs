//! `taskflow`: the self-hosted TaskFlow server. See `taskflow --help`.

use std::io::BufRead;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use app::services::auth;
use server::config::{Cli, Command, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    init_logging(&cli.global.log_filter, cli.global.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("taskflow: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let pool = server::open_database(&cli.global.database_url, cli.global.db_max_connections)
        .await
        .map_err(|e| e.message().to_string())?;
    let command = cli.command.unwrap_or(Command::Serve);
    // Only `serve` needs the real-time side (Redis, when configured).
    let services = match command {
        Command::Serve => server::services(pool, &cli.serve).await?,
        _ => server::offline_services(pool, &cli.serve),
    };
    match command {
        Command::Backup(args) => {
            app::services::storage::backup(&services.pool, &args.to)
                .await
                .map_err(|e| e.message().to_string())?;
            println!("backed up to {}", args.to.display());
            Ok(())
        }
        Command::Migrate => {
            tracing::info!(database = %app::services::storage::redact(&cli.global.database_url), "migrations applied");
            Ok(())
        }
        Command::CreateUser(args) => {
            let password = match args.password {
                Some(p) => p,
                None => {
                    eprintln!("password for {}: ", args.username);
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| format!("cannot read the password: {e}"))?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let user = auth::create_user(
                &services,
                &args.username,
                &password,
                args.display_name.as_deref(),
                args.admin,
            )
            .await
            .map_err(|e| e.message().to_string())?;
            println!(
                "created user @{} (id {}){}",
                user.username,
                user.id,
                if args.admin { " as administrator" } else { "" }
            );
            Ok(())
        }
        Command::Serve => {
            for warning in cli.serve.warnings() {
                tracing::warn!("{warning}");
                eprintln!("taskflow: WARNING: {warning}");
            }
            let running = server::start(services, &cli.serve, shutdown_signal())
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", cli.serve.bind))?;
            tracing::info!(
                address = %running.addr,
                public_url = %cli.serve.public_url(),
                database = %app::services::storage::redact(&cli.global.database_url),
                "TaskFlow is running"
            );
            running
                .task
                .await
                .map_err(|e| format!("server task failed: {e}"))?
                .map_err(|e| format!("server error: {e}"))?;
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// glibc keeps freed memory in per-thread arenas, and after a large free it
/// raises its mmap threshold: Argon2's 19 MiB work areas, hashed on blocking
/// threads, would then stay resident forever. A fixed threshold (large blocks
/// always mmapped, so returned on free) and few arenas keep RSS honest.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn init_logging(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Resolves on Ctrl-C or SIGTERM, starting a graceful shutdown.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
