//! The `taskflow` binary's commands: --help, migrate, create-user, serve.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

fn taskflow() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskflow"));
    // Start from a clean environment for our own variables.
    for (key, _) in std::env::vars() {
        if key.starts_with("TASKFLOW_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// `taskflow serve` in `dir` on a free port of `ip`; its stderr is piped.
fn serve_in(dir: &std::path::Path, ip: &str) -> (std::process::Child, u16) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = taskflow()
        .current_dir(dir)
        .args(["serve", "--bind", &format!("{ip}:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (child, port)
}

#[test]
fn help_explains_every_flag_and_its_variable() {
    let out = taskflow().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "serve",
        "migrate",
        "create-user",
        "TASKFLOW_BIND",
        "TASKFLOW_DATABASE_URL",
        "TASKFLOW_PUBLIC_URL",
        "RUST_LOG",
        "TASKFLOW_ALLOW_SIGNUP",
        "TASKFLOW_SESSION_DAYS",
    ] {
        assert!(
            help.contains(needle),
            "--help does not mention {needle}:\n{help}"
        );
    }
    let out = taskflow().args(["create-user", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("--admin") && help.contains("--username"),
        "{help}"
    );
}

#[test]
fn bad_configuration_is_refused_clearly() {
    let out = taskflow()
        .args(["migrate", "--database-url", "mysql://nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
    let out = taskflow()
        .args(["--bind", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn migrate_then_create_user_then_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = if common::on_postgres() {
        common::fresh_database(dir.path()).await
    } else {
        format!("sqlite://{}/sub/dir/taskflow.db", dir.path().display())
    };
    let out = taskflow()
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if !common::on_postgres() {
        assert!(
            dir.path().join("sub/dir/taskflow.db").exists(),
            "the database file and its folders are created"
        );
    }

    // The password comes from standard input when not given as a flag.
    let mut child = taskflow()
        .args([
            "create-user",
            "--username",
            "Admin",
            "--display-name",
            "The Admin",
            "--admin",
            "--database-url",
            &url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long admin password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user @admin"));

    // Same username again: refused.
    let out = taskflow()
        .args([
            "create-user",
            "--username",
            "admin",
            "--password",
            "another password",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));

    // An online backup (SQLite) is a database TaskFlow runs on.
    let url = if common::on_postgres() {
        url
    } else {
        let copy = dir.path().join("backup.db");
        let out = taskflow()
            .args([
                "backup",
                "--to",
                copy.to_str().unwrap(),
                "--database-url",
                &url,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let again = taskflow()
            .args([
                "backup",
                "--to",
                copy.to_str().unwrap(),
                "--database-url",
                &url,
            ])
            .output()
            .unwrap();
        assert!(
            !again.status.success(),
            "an existing file is never overwritten"
        );
        format!("sqlite://{}", copy.display())
    };
    let srv = TestServer::start_on(dir, url).await;
    let c = srv.client();
    let (status, user) = c
        .post(
            "/api/auth/login",
            json!({"username": "admin", "password": "a long admin password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["display_name"], "The Admin");
}

#[test]
fn serve_answers_health_checks_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port) = serve_in(dir.path(), "127.0.0.1");
    let url = format!("http://127.0.0.1:{port}/healthz");
    let mut healthy = false;
    for _ in 0..100 {
        if http_status(&url).is_ok_and(|status| status == 200) {
            healthy = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(healthy, "the server did not answer /healthz");
    assert!(
        dir.path().join("data/taskflow.db").exists(),
        "default database under ./data/"
    );
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let mut stopped = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            stopped = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = stopped.expect("the server did not stop on SIGTERM");
    assert!(status.success(), "graceful stop exits 0, got {status}");
}

/// The status of a plain blocking GET (this test has no async runtime).
fn http_status(url: &str) -> std::io::Result<u16> {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = std::net::TcpStream::connect(host)?;
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)?;
    Ok(buf
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}

/// The maintenance commands never talk to Redis: they run while it is down.
#[test]
fn maintenance_commands_do_not_need_redis() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/taskflow.db", dir.path().display());
    // Nothing listens on port 1: any attempt to use Redis would fail or hang.
    let unreachable = "redis://127.0.0.1:1";
    let run = |args: &[&str]| {
        let out = taskflow()
            .env("TASKFLOW_REDIS_URL", unreachable)
            .env("TASKFLOW_DATABASE_URL", &url)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["migrate"]);
    run(&[
        "create-user",
        "--username",
        "admin",
        "--password",
        "a long admin password",
    ]);
    let copy = dir.path().join("copy.db");
    run(&["backup", "--to", copy.to_str().unwrap()]);
    assert!(copy.exists());
}

#[test]
fn a_bad_public_url_stops_the_server_with_a_clear_error() {
    for bad in [
        "tasks.example.com",
        "ftp://tasks.example.com",
        "https://x.example/sub",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = taskflow()
            .current_dir(dir.path())
            .args(["serve", "--bind", "127.0.0.1:0", "--public-url", bad])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("public-url") || err.contains("public URL"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn serving_beyond_loopback_without_a_public_url_warns_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port) = serve_in(dir.path(), "0.0.0.0");
    // Wait until it answers, then stop it and read what it said.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("WARNING") && err.contains("--public-url"),
        "{err}"
    );
    assert!(err.contains("sign-up is off"), "{err}");
}
