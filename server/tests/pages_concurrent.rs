//! Pages rendered on a multi-threaded runtime, many at once (as in production).
//! In its own test binary: Leptos keeps some process-wide state, and these
//! requests must not share a process with the single-threaded page tests.

mod common;

use common::TestServer;
use reqwest::StatusCode;

/// Pages rendered on a multi-threaded runtime: a page's reactive state may be
/// dropped on another worker thread than the one that created it, which must
/// never panic (a panic shows up as a dropped connection here).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_render_concurrently_on_many_threads() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (board, cols) = ada.board("Busy").await;
    let task = ada.task(board, cols[0], "Write").await;
    let paths = [
        "/boards".to_string(),
        format!("/boards/{board}"),
        format!("/boards/{board}/tasks/{task}?comment=1"),
        "/notifications".to_string(),
    ];
    let mut requests = Vec::new();
    for i in 0..48 {
        let client = ada.http.clone();
        let url = format!("{}{}", ada.base, paths[i % paths.len()]);
        requests.push(tokio::spawn(async move {
            // A page that never finishes is a failure too, not a hung test.
            let res = client
                .get(&url)
                .header("accept", "text/html")
                .timeout(std::time::Duration::from_secs(30))
                .send()
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            let status = res.status();
            let body = res.text().await.map_err(|e| format!("{url}: {e}"))?;
            Ok::<_, String>((url, status, body))
        }));
    }
    for r in requests {
        let (url, status, body) = r.await.unwrap().expect("a complete answer");
        assert_eq!(status, StatusCode::OK, "{url}");
        assert!(body.contains("</html>"), "{url}: complete page");
    }
}
