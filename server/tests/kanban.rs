//! The kanban's depth: due dates and done, several assignees, labels,
//! checklists, "My tasks" and due reminders (with the clock chosen by the
//! test) — every rule through the JSON routes, live on the board's topic.

mod common;

use common::ws::{next_skipping, open_subscribed, Socket};
use common::{assert_error, Client, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const HOUR: i64 = 3600 * 1000;

async fn patch_task(c: &Client, task: i64, body: Value) -> Value {
    let (status, body) = c.patch(&format!("/api/tasks/{task}"), body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The next board change on a board socket.
async fn change(s: &mut Socket) -> Value {
    next_skipping(s, "board_event", &["board_presence", "moving"]).await["change"].clone()
}

#[tokio::test]
async fn due_dates_and_done_are_set_cleared_and_reach_the_board_live() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob"]).await;
    let task = ada.task(board, columns[0], "Ship").await;
    let (mut live, _, _) = open_subscribed(&bob, &format!("board:{board}"), None).await;

    let due = 1_800_000_000_000i64;
    let t = patch_task(&ada, task, json!({"due_at": due})).await;
    assert_eq!(t["due_at"], due);
    assert_eq!(t["done_at"], Value::Null);
    let c = change(&mut live).await;
    assert_eq!(c["kind"], "task_edited");
    assert_eq!(c["task"]["due_at"], due, "{c}");

    let t = patch_task(&ada, task, json!({"done": true})).await;
    let done_at = t["done_at"].as_i64().expect("done_at set");
    assert!(done_at > 1_700_000_000_000);
    assert_eq!(change(&mut live).await["task"]["done_at"], done_at);
    // Done again: still the first time it was done.
    let t = patch_task(&ada, task, json!({"done": true})).await;
    assert_eq!(t["done_at"], done_at);
    let t = patch_task(&ada, task, json!({"done": false, "due_at": null})).await;
    assert_eq!(t["done_at"], Value::Null);
    assert_eq!(t["due_at"], Value::Null);

    for bad in [
        json!({"due_at": -1}),
        json!({"due_at": "tomorrow"}),
        json!({"done": null}),
        json!({"due_at": 300_000_000_000_000i64}),
    ] {
        let got = ada.patch(&format!("/api/tasks/{task}"), bad.clone()).await;
        assert_eq!(got.0, StatusCode::BAD_REQUEST, "{bad}: {}", got.1);
    }
    let (_, now) = ada.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(
        now["due_at"],
        Value::Null,
        "a refused patch changes nothing"
    );
}

#[tokio::test]
async fn several_people_share_a_card_and_the_one_assignee_api_keeps_working() {
    let srv = TestServer::start().await;
    let (ada, ada_id) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (_carol, carol_id) = srv.user("carol").await;
    let (_dan, dan_id) = srv.user("dan").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob", "carol"]).await;
    let task = ada.task(board, columns[0], "Ship").await;

    let t = patch_task(
        &ada,
        task,
        json!({"assignee_ids": [bob_id, carol_id, bob_id]}),
    )
    .await;
    assert_eq!(
        t["assignee_ids"],
        json!([bob_id, carol_id]),
        "each once, in order"
    );
    assert_eq!(
        t["assignee_id"], bob_id,
        "the first, for one-assignee clients"
    );
    // Both hear of it; neither twice.
    for (c, kind) in [(&bob, "assigned")] {
        let (_, page) = c.get("/messaging/notifications/").await;
        let kinds: Vec<&Value> = page["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == kind)
            .collect();
        assert_eq!(kinds.len(), 1, "{page}");
    }
    // Adding Ada keeps the others first.
    let t = patch_task(
        &ada,
        task,
        json!({"assignee_ids": [carol_id, ada_id, bob_id]}),
    )
    .await;
    assert_eq!(t["assignee_ids"], json!([bob_id, carol_id, ada_id]));
    // The one-assignee API: an id makes them the only one, null nobody.
    let t = patch_task(&bob, task, json!({"assignee_id": carol_id})).await;
    assert_eq!(t["assignee_ids"], json!([carol_id]));
    assert_eq!(t["assignee_id"], carol_id);
    let t = patch_task(&bob, task, json!({"assignee_id": null})).await;
    assert_eq!(t["assignee_ids"], json!([]));
    assert_eq!(t["assignee_id"], Value::Null);

    let both = ada
        .patch(
            &format!("/api/tasks/{task}"),
            json!({"assignee_id": bob_id, "assignee_ids": [bob_id]}),
        )
        .await;
    assert_error(&both, StatusCode::BAD_REQUEST, "invalid_input");
    let stranger = ada
        .patch(
            &format!("/api/tasks/{task}"),
            json!({"assignee_ids": [bob_id, dan_id]}),
        )
        .await;
    assert_error(&stranger, StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(
        ada.get(&format!("/api/tasks/{task}")).await.1["assignee_ids"],
        json!([]),
        "a refused patch changes nothing"
    );

    // Leaving the board takes someone off its cards, and only them.
    patch_task(&ada, task, json!({"assignee_ids": [bob_id, carol_id]})).await;
    let (mut live, _, _) = open_subscribed(&ada, &format!("board:{board}"), None).await;
    let (status, _) = bob
        .delete(&format!("/api/boards/{board}/members/{bob_id}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let c = change(&mut live).await;
    assert_eq!(c["kind"], "member_removed");
    assert_eq!(c["unassigned"], json!([task]));
    let (_, t) = ada.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(t["assignee_ids"], json!([carol_id]));
    assert_eq!(t["assignee_id"], carol_id);
}

async fn label(c: &Client, board: i64, name: &str, color: &str) -> Value {
    let (status, body) = c
        .post(
            &format!("/api/boards/{board}/labels"),
            json!({"name": name, "color": color}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn labels_are_made_by_members_put_on_cards_and_deleted_from_every_card() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (eve, _) = srv.user("eve").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob"]).await;
    let task = ada.task(board, columns[0], "Ship").await;
    let (mut live, _, _) = open_subscribed(&ada, &format!("board:{board}"), None).await;

    let bug = label(&bob, board, "Bug", "red").await;
    assert_eq!(bug["name"], "Bug");
    assert_eq!(bug["color"], "red");
    assert_eq!(bug["board_id"], board);
    let bug_id = bug["id"].as_i64().unwrap();
    let c = change(&mut live).await;
    assert_eq!(c["kind"], "label_saved");
    assert_eq!(c["label"], bug);
    let ux = label(&ada, board, "UX", "teal").await;
    let ux_id = ux["id"].as_i64().unwrap();
    change(&mut live).await;

    // Names are unique per board whatever the case; colours are the ten.
    let twice = bob
        .post(
            &format!("/api/boards/{board}/labels"),
            json!({"name": "bug", "color": "blue"}),
        )
        .await;
    assert_error(&twice, StatusCode::CONFLICT, "conflict");
    for bad in [
        json!({"name": "x", "color": "magenta"}),
        json!({"name": "", "color": "red"}),
        json!({"name": "x"}),
        json!({"name": "x".repeat(41), "color": "red"}),
    ] {
        let got = bob
            .post(&format!("/api/boards/{board}/labels"), bad.clone())
            .await;
        assert_eq!(got.0, StatusCode::BAD_REQUEST, "{bad}: {}", got.1);
    }
    // Outsiders see nothing.
    assert_error(
        &eve.get(&format!("/api/boards/{board}/labels")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &eve.patch(&format!("/api/labels/{bug_id}"), json!({"name": "mine"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // On a card (idempotent), live, in the board's answer.
    for _ in 0..2 {
        let (status, t) = bob
            .send(
                Method::PUT,
                &format!("/api/tasks/{task}/labels/{ux_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{t}");
        assert_eq!(t["labels"], json!([ux_id]));
    }
    let c = change(&mut live).await;
    assert_eq!(c["kind"], "task_edited");
    assert_eq!(c["task"]["labels"], json!([ux_id]));
    let t = patch_task(&ada, task, json!({"labels": [bug_id, ux_id]})).await;
    assert_eq!(t["labels"], json!([bug_id, ux_id]));
    change(&mut live).await;
    let (_, detail) = ada.get(&format!("/api/boards/{board}")).await;
    assert_eq!(detail["labels"], json!([bug, ux]));
    assert_eq!(detail["tasks"][0]["labels"], json!([bug_id, ux_id]));

    // A label of another board cannot go on this card.
    let (other, _) = ada.board("Other").await;
    let foreign = label(&ada, other, "Foreign", "gray").await["id"]
        .as_i64()
        .unwrap();
    let got = ada
        .send(
            Method::PUT,
            &format!("/api/tasks/{task}/labels/{foreign}"),
            None,
        )
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    let got = ada
        .patch(&format!("/api/tasks/{task}"), json!({"labels": [foreign]}))
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");

    // Renamed and recoloured, then deleted: every card loses it.
    let (status, renamed) = bob
        .patch(
            &format!("/api/labels/{bug_id}"),
            json!({"name": "Defect", "color": "orange"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "Defect");
    assert_eq!(renamed["color"], "orange");
    assert_eq!(change(&mut live).await["label"], renamed);
    let (status, _) = bob.delete(&format!("/api/labels/{bug_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let c = change(&mut live).await;
    assert_eq!(c, json!({"kind": "label_deleted", "label_id": bug_id}));
    let (_, t) = ada.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(t["labels"], json!([ux_id]));
    let (status, t) = ada
        .send(
            Method::DELETE,
            &format!("/api/tasks/{task}/labels/{ux_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t["labels"], json!([]));
}

async fn add_item(c: &Client, task: i64, text: &str) -> i64 {
    let (status, item) = c
        .post(
            &format!("/api/tasks/{task}/checklist"),
            json!({"text": text}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    item["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_checklist_is_added_to_ticked_reordered_and_counted_on_the_card() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (eve, eve_id) = srv.user("eve").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob"]).await;
    let task = ada.task(board, columns[0], "Ship").await;
    let (mut live, _, _) = open_subscribed(&bob, &format!("board:{board}"), None).await;

    let first = add_item(&ada, task, "Write notes").await;
    let c = change(&mut live).await;
    assert_eq!(c["kind"], "checklist_changed");
    assert_eq!(c["task"]["checklist"], json!({"done": 0, "total": 1}));
    assert_eq!(c["items"][0]["text"], "Write notes");
    let second = add_item(&bob, task, "Tag release").await;
    let third = add_item(&bob, task, "Announce").await;
    change(&mut live).await;
    change(&mut live).await;

    // Tick, edit, assign, date.
    let (status, item) = bob
        .patch(
            &format!("/api/checklist/{second}"),
            json!({"done": true, "text": "Tag v1.0", "assignee_id": bob_id, "due_at": 1_800_000_000_000i64}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["done"], true);
    assert_eq!(item["text"], "Tag v1.0");
    assert_eq!(item["assignee_id"], bob_id);
    assert_eq!(item["due_at"], 1_800_000_000_000i64);
    let c = change(&mut live).await;
    assert_eq!(c["task"]["checklist"], json!({"done": 1, "total": 3}));

    // Reorder: the last goes first.
    let (status, _) = ada
        .patch(&format!("/api/checklist/{third}"), json!({"position": 0}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let c = change(&mut live).await;
    let order: Vec<i64> = c["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [third, first, second]);
    let (_, items) = ada.get(&format!("/api/tasks/{task}/checklist")).await;
    assert_eq!(items, c["items"]);
    let positions: Vec<i64> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2]);

    // Refusals change nothing.
    let got = ada
        .patch(
            &format!("/api/checklist/{first}"),
            json!({"assignee_id": eve_id}),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    let got = ada
        .patch(&format!("/api/checklist/{first}"), json!({"text": "  "}))
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    let got = ada
        .patch(&format!("/api/checklist/{first}"), json!({}))
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    assert_error(
        &eve.get(&format!("/api/tasks/{task}/checklist")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &eve.patch(&format!("/api/checklist/{first}"), json!({"done": true}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Deleting closes the gap and recounts.
    let (status, _) = bob.delete(&format!("/api/checklist/{third}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let c = change(&mut live).await;
    assert_eq!(c["task"]["checklist"], json!({"done": 1, "total": 2}));
    assert_eq!(c["items"][0]["id"], first);
    assert_eq!(c["items"][0]["position"], 0);
    let (_, detail) = ada.get(&format!("/api/boards/{board}")).await;
    assert_eq!(
        detail["tasks"][0]["checklist"],
        json!({"done": 1, "total": 2})
    );
}

#[tokio::test]
async fn my_tasks_lists_what_is_mine_across_boards_soonest_first() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (one, c1) = ada.board("One").await;
    let (two, c2) = ada.board("Two").await;
    ada.add_to_board(one, &["bob"]).await;
    ada.add_to_board(two, &["bob"]).await;
    let later = ada.task(one, c1[0], "Later").await;
    let soon = ada.task(two, c2[1], "Soon").await;
    let undated = ada.task(one, c1[0], "Whenever").await;
    let archived = ada.task(one, c1[0], "Archived").await;
    let not_mine = ada.task(one, c1[0], "Not mine").await;
    for t in [later, soon, undated, archived] {
        patch_task(&ada, t, json!({"assignee_ids": [bob_id]})).await;
    }
    patch_task(&ada, later, json!({"due_at": 2_000_000_000_000i64})).await;
    patch_task(&ada, soon, json!({"due_at": 1_900_000_000_000i64})).await;
    let (status, _) = ada
        .post(&format!("/api/tasks/{archived}/archive"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, mine) = bob.get("/api/me/tasks").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let ids: Vec<i64> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["task"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [soon, later, undated]);
    assert!(!ids.contains(&not_mine));
    assert_eq!(mine[0]["board_name"], "Two");
    assert_eq!(mine[0]["column_name"], "Doing");
    assert_eq!(mine[1]["column_name"], "To do");
    // Nothing for Ada; a board Bob left is not his any more.
    assert_eq!(ada.get("/api/me/tasks").await.1, json!([]));
    let (status, _) = bob
        .delete(&format!("/api/boards/{two}/members/{bob_id}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, mine) = bob.get("/api/me/tasks").await;
    assert_eq!(mine.as_array().unwrap().len(), 2);
}

/// Due reminders, with the clock set by the test: one "due soon" within a
/// day, one "overdue" after, to every assignee, never twice (also when two
/// sweeps race); done stops them, a new date starts them again.
#[tokio::test]
async fn due_reminders_go_to_assignees_once_and_stop_when_done() {
    use app::services::due_reminders::send_due;
    let srv = TestServer::start().await;
    let (ada, ada_id) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (carol, _) = srv.user("carol").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob", "carol"]).await;
    let task = ada.task(board, columns[0], "Ship").await;
    let other = ada.task(board, columns[0], "Unassigned").await;
    let due = 1_900_000_000_000i64;
    patch_task(
        &ada,
        task,
        json!({"due_at": due, "assignee_ids": [ada_id, bob_id]}),
    )
    .await;
    patch_task(&ada, other, json!({"due_at": due})).await;
    let svc = &srv.services;
    let (mut bell, _, _) = open_subscribed(&bob, &format!("user:{bob_id}"), None).await;

    // Two days before: nothing yet.
    assert_eq!(send_due(svc, due - 48 * HOUR).await.unwrap(), 0);
    // 23 hours before: Ada and Bob, once, even with two sweeps at once.
    let (a, b) = tokio::join!(
        send_due(svc, due - 23 * HOUR),
        send_due(svc, due - 23 * HOUR)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(send_due(svc, due - 22 * HOUR).await.unwrap(), 0);
    let f = next_skipping(&mut bell, "notification", &["access_changed"]).await;
    assert_eq!(f["notification"]["kind"], "due_soon", "{f}");
    assert_eq!(f["notification"]["task_id"], task);
    assert_eq!(f["notification"]["context"], "Ship");
    assert_eq!(
        f["notification"]["link"],
        format!("/boards/{board}/tasks/{task}")
    );
    let (_, page) = carol.get("/messaging/notifications/").await;
    assert!(
        page["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "due_soon"),
        "not assigned, not reminded: {page}"
    );

    // Past due: one "overdue" each.
    assert_eq!(send_due(svc, due + HOUR).await.unwrap(), 2);
    assert_eq!(send_due(svc, due + 2 * HOUR).await.unwrap(), 0);
    let f = next_skipping(&mut bell, "notification", &["access_changed"]).await;
    assert_eq!(f["notification"]["kind"], "overdue", "{f}");

    // A new date withdraws the unread reminders of the old one (every tab's
    // count drops) and starts them again; done stops and withdraws them.
    let later = due + 10 * 24 * HOUR;
    patch_task(&ada, task, json!({"due_at": later})).await;
    let f = next_skipping(&mut bell, "notifications_updated", &["access_changed"]).await;
    assert_eq!(f["removed"].as_array().unwrap().len(), 2, "{f}");
    assert_eq!(send_due(svc, later - HOUR).await.unwrap(), 2);
    let f = next_skipping(&mut bell, "notification", &["access_changed"]).await;
    assert_eq!(f["notification"]["kind"], "due_soon", "{f}");
    let unread = f["unread"].as_i64().unwrap();
    patch_task(&bob, task, json!({"done": true})).await;
    let f = next_skipping(&mut bell, "notifications_updated", &["access_changed"]).await;
    assert_eq!(f["removed"].as_array().unwrap().len(), 1, "{f}");
    assert_eq!(f["unread"].as_i64().unwrap(), unread - 1, "{f}");
    assert_eq!(send_due(svc, later + HOUR).await.unwrap(), 0);
    let (_, page) = ada.get("/messaging/notifications/").await;
    assert!(
        page["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "due_soon" && n["kind"] != "overdue"),
        "no reminder left for a done card: {page}"
    );
    // A card with no one on it reminds nobody, and says so by making nothing.
    assert_eq!(send_due(svc, due + 30 * 24 * HOUR).await.unwrap(), 0);
}
