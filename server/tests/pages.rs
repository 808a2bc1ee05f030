//! Server-rendered pages: complete HTML before any WASM runs, redirects for
//! visitors, and no peeking at other people's boards.

mod common;

use common::TestServer;
use reqwest::StatusCode;

async fn page(c: &common::Client, path: &str) -> (StatusCode, Option<String>, String) {
    let res = c
        .request(reqwest::Method::GET, path)
        .header("accept", "text/html")
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, location, res.text().await.unwrap())
}

#[tokio::test]
async fn visitors_are_sent_to_the_login_page() {
    let srv = TestServer::start().await;
    let c = srv.client();
    for path in ["/", "/boards", "/boards/1", "/boards/1/tasks/1"] {
        let (status, location, _) = page(&c, path).await;
        assert_eq!(status, StatusCode::FOUND, "{path}");
        assert_eq!(location.as_deref(), Some("/login"), "{path}");
    }
    let (status, _, html) = page(&c, "/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"action="/rpc/login""#),
        "the login form posts without JavaScript"
    );
    assert!(html.contains("<title>Log in · TaskFlow</title>"));
}

#[tokio::test]
async fn the_board_page_is_complete_html() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (board, cols) = ada.board("Launch <plan>").await;
    let (evil, _) = ada.board("x</title><script>alert(1)</script>").await;
    let (_, _, html) = page(&ada, &format!("/boards/{evil}")).await;
    assert!(
        !html.contains("<script>alert(1)"),
        "board names never become markup"
    );
    let task = ada.task(board, cols[1], "Write & ship").await;

    let (status, _, html) = page(&ada, &format!("/boards/{board}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Launch &lt;plan&gt;"),
        "names are escaped, never raw HTML"
    );
    assert!(!html.contains("Launch <plan>"), "not even in the <title>");
    for column in ["To do", "Doing", "Done"] {
        assert!(html.contains(column), "column {column} is rendered");
    }
    assert!(html.contains("Write &amp; ship"));
    assert!(
        html.contains(&format!(r#"href="/boards/{board}/tasks/{task}""#)),
        "cards are real links"
    );

    let (status, _, html) = page(&ada, &format!("/boards/{board}/tasks/{task}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"role="dialog""#) && html.contains("Write &amp; ship"));

    let (status, _, html) = page(&ada, "/boards").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Launch &lt;plan&gt;"));
}

#[tokio::test]
async fn other_peoples_boards_are_not_found() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (eve, _) = srv.user("eve").await;
    let (board, _) = ada.board("Secret roadmap").await;
    let (status, _, html) = page(&eve, &format!("/boards/{board}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("Secret roadmap"));
    let (status, _, _) = page(&eve, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
