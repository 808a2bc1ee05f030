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

/// Starting a server lists the app's routes, and Leptos does that with
/// resource loading switched off process-wide (leptos#4773): a page whose
/// resource started loading meanwhile, on another server of the process,
/// waited forever. Pages keep rendering while other servers start.
#[tokio::test]
async fn pages_render_while_other_servers_of_the_process_start() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    ada.board("Roadmap").await;
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let starter = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            for _ in 0..15 {
                drop(TestServer::start().await);
            }
        });
        let _ = done_tx.send(());
    });
    let mut renders = 0;
    while done_rx.try_recv().is_err() {
        let res = ada
            .request(reqwest::Method::GET, "/boards")
            .header("accept", "text/html")
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .unwrap_or_else(|e| panic!("render {renders} while servers start: {e}"));
        assert_eq!(res.status(), StatusCode::OK);
        let html = tokio::time::timeout(std::time::Duration::from_secs(10), res.text())
            .await
            .unwrap_or_else(|_| panic!("render {renders}: the page never finished"))
            .unwrap();
        assert!(html.contains("Roadmap"), "render {renders} is complete");
        renders += 1;
    }
    starter.join().expect("starter thread");
    assert!(renders > 15, "pages were rendered meanwhile ({renders})");
}
