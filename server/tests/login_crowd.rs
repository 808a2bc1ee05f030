//! Password hashing under a crowd of bad logins: the server's memory stays
//! bounded. In its own test binary because it measures the memory of the whole
//! process: tests running beside it (with servers of their own, hashing
//! passwords too) made the figure depend on what else ran at that moment.

mod common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The peak resident memory of this process, from /proc.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_hashing_is_bounded_under_a_crowd_of_bad_logins() {
    let srv = TestServer::start().await;
    let before = peak_rss_kib();
    let logins = (0..200).map(|i| {
        let c = srv.client();
        async move {
            let res = c
                .request(Method::POST, "/api/auth/login")
                .json(&json!({"username": format!("crowd{i}"), "password": "wrong"}))
                .send()
                .await
                .unwrap();
            let status = res.status();
            let retry_after = res.headers().get("retry-after").cloned();
            let body: Value = res.json().await.unwrap();
            (status, retry_after, body)
        }
    });
    let answers = futures_util::future::join_all(logins).await;
    let grown_mib = peak_rss_kib().saturating_sub(before) / 1024;
    let count = |s: StatusCode| answers.iter().filter(|a| a.0 == s).count();
    let busy = count(StatusCode::SERVICE_UNAVAILABLE);
    let checked = count(StatusCode::UNAUTHORIZED);
    let throttled = count(StatusCode::TOO_MANY_REQUESTS);
    println!(
        "200 concurrent bad logins: {checked} checked (401), {busy} told to retry (503), \
         {throttled} throttled (429); peak memory grew {grown_mib} MiB"
    );
    assert_eq!(busy + checked + throttled, 200, "only 401, 429 and 503");
    assert!(busy > 0, "beyond the queue, logins are turned away");
    assert!(checked >= 2, "the hashing slots still work");
    for (status, retry_after, body) in &answers {
        if *status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(body["error"]["code"], "unavailable", "{body}");
            assert!(retry_after.is_some(), "503 says when to retry");
            assert!(body["error"]["retry_after_ms"].as_u64().unwrap() > 0);
        }
    }
    // Each Argon2 hash holds ~19 MiB: 200 at once would be ~3.8 GiB, and even
    // one at a time on fresh threads each allocator arena kept its 19 MiB
    // (~300 MiB here). Bounded: one working buffer per core, plus the clients.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let bound = cores * 20 + 100;
    assert!(
        grown_mib < bound,
        "memory grew {grown_mib} MiB (bound {bound})"
    );
}
