//! `/messages` and `/messages/:room_id`: the user's direct messages, the
//! most recently active first with unread counts, a form to open one with
//! people they share a board with, and the open conversation — the same
//! room view a board's rooms use (live, resumable, with replies, edits and
//! reactions). `?with=alice,bob` opens (or creates) the conversation with
//! them: the "Message" links on member lists and task assignees.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use super::board_context::BoardContext;
use super::common::{ErrorNote, Loading};
use super::live::Live;
use super::{use_auth, RequireUser};
use crate::api::chat::{list_direct, open_direct};
use crate::model::{Member, Role, RoomSummary};

#[component]
pub fn MessagesPage() -> impl IntoView {
    view! {
        <Title text="Messages" />
        <RequireUser>
            <Conversations />
        </RequireUser>
    }
}

#[component]
fn Conversations() -> impl IntoView {
    // (The page's data crosses from the server as JSON, read by the one
    // decoder every page uses.)
    let list = super::json::resource(|| (), |_| list_direct());
    view! {
        <Loading fallback=|| view! { <p class="muted pad">"Loading your messages…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(rooms) => view! { <MessagesView rooms /> }.into_any(),
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                }
            })}
        </Loading>
    }
}

/// The usernames a `with` parameter names (comma-separated).
fn names_in(with: &str) -> Vec<String> {
    with.split([',', ' '])
        .map(|n| n.trim().trim_start_matches('@').to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

#[component]
fn MessagesView(rooms: Vec<RoomSummary>) -> impl IntoView {
    let live = expect_context::<Live>();
    let auth = use_auth();
    let me = auth
        .user
        .get_untracked()
        .and_then(|u| u.ok().flatten())
        .map_or(0, |u| u.id);
    live.show_direct(rooms);
    // What the views inside (the conversation, its composer) know as "the
    // board": here, the open conversation's people.
    let people = Memo::new(move |_| {
        let open = live.room.open.get();
        live.rooms.with(|rooms| {
            rooms
                .iter()
                .find(|r| Some(r.room.id) == open)
                .map(|r| {
                    r.people
                        .iter()
                        .map(|u| Member {
                            user: u.clone(),
                            role: Role::Member,
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    provide_context(BoardContext::new(
        0,
        me,
        Signal::derive(|| false),
        people.into(),
    ));
    let params = use_params_map();
    let query = use_query_map();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    // `?with=`: open that conversation, then show it at its own address.
    let open_with = move |names: Vec<String>| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match open_direct(names).await {
                Ok(summary) => {
                    error.set(None);
                    let id = summary.room.id;
                    live.rooms.update(|r| {
                        if !r.iter().any(|r| r.room.id == id) {
                            r.insert(0, summary);
                        }
                    });
                    navigate(&format!("/messages/{id}"), NavigateOptions::default());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let open_with = StoredValue::new(open_with);
    // (Effects run in the browser only, once the live connection knows who
    // is here, as on a board page.)
    Effect::new(move |entered: Option<bool>| {
        if live.me.with(Option::is_none) {
            return false;
        }
        let (room, message, replies, with) = {
            let p = params.read();
            let q = query.read();
            let id = |v: Option<String>| v.and_then(|s| s.parse::<i64>().ok());
            (
                id(p.get("room_id")),
                id(q.get("message")),
                id(q.get("replies")),
                q.get("with"),
            )
        };
        if message.is_some() {
            live.room.focus.set(message);
        }
        if entered != Some(true) {
            live.room.open.set(room);
            live.enter_board();
        } else if let Some(room) = room {
            live.open_room(room);
        }
        if replies.is_some() {
            live.replies_open.set(replies);
        }
        if let Some(with) = with.filter(|w| !w.trim().is_empty()) {
            open_with.with_value(|open| open(names_in(&with)));
        }
        true
    });
    // Someone opened a conversation with me: the list again.
    Effect::new(move |seen: Option<u32>| {
        let now = live.direct_stale.get();
        if seen.is_some_and(|seen| seen != now) {
            leptos::task::spawn_local(async move {
                if let Ok(rooms) = list_direct().await {
                    if live.showing_direct() {
                        live.use_rooms(rooms);
                    }
                }
            });
        }
        now
    });
    on_cleanup(move || live.leave_direct());
    let draft = RwSignal::new(String::new());
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let names = names_in(&draft.get_untracked());
        if names.is_empty() {
            error.set(Some("Name someone to write to (their username).".into()));
            return;
        }
        draft.set(String::new());
        open_with.with_value(|open| open(names));
    };
    view! {
        <div class="messages-page">
            <aside class="dm-side" aria-label="Direct messages">
                <h1>"Messages"</h1>
                <form class="dm-new" on:submit=start>
                    <label for="dm-with">"New message to"</label>
                    <div class="dm-new-row">
                        <input id="dm-with" type="text" autocomplete="off" placeholder="username, or several"
                            aria-describedby="dm-with-hint"
                            prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) />
                        <button type="submit" class="btn btn-primary btn-sm">"Open"</button>
                    </div>
                    <p id="dm-with-hint" class="muted small">"Up to 7 people you share a board with, separated by commas."</p>
                    {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </form>
                <DirectList />
            </aside>
            <section class="chat dm-chat" aria-label="Conversation">
                {move || super::chat::open_room_view(live, "No conversations yet: start one with someone you share a board with.")}
                <p class="muted pad" hidden=move || live.room.open.get().is_some() || live.rooms.with(Vec::is_empty)>
                    "Pick a conversation on the left, or start one."
                </p>
            </section>
        </div>
    }
}

/// The conversations, the most recently active first. (Drawn as a plain
/// list, not the keyed `List` the board's room list uses: sharing that
/// code with the board page would move it into chunks both fetch, which
/// costs the board page more than this page saves.)
#[component]
fn DirectList() -> impl IntoView {
    let live = expect_context::<Live>();
    // The one that spoke last first, as new messages arrive (the server's
    // order otherwise: an empty conversation by when it was opened).
    let shown = Memo::new(move |_| {
        let mut rooms = live.rooms.get();
        rooms.sort_by_key(|r| std::cmp::Reverse(r.last_message_id.unwrap_or(0)));
        rooms
    });
    view! {
        <nav class="dm-list" aria-label="Conversations">
            {move || live.rooms.with(Vec::is_empty).then(|| view! {
                <p class="muted small">"No conversations yet."</p>
            })}
            <ul>
                {move || shown.get().into_iter().map(|s| {
                    let id = s.room.id;
                    let unread = if s.muted { 0 } else { s.unread };
                    let label = match unread {
                        0 => s.room.name.clone(),
                        n => format!("{}, {n} unread", s.room.name),
                    };
                    view! {
                        <li>
                            <a href=format!("/messages/{id}") class="room-link dm-link"
                                class:active=move || live.room.open.get() == Some(id)
                                aria-current=move || (live.room.open.get() == Some(id)).then_some("page")
                                aria-label=label>
                                <span class="room-name">{s.room.name}</span>
                                {s.read_only.then(|| view! { <span class="tag">"read-only"</span> })}
                                {(unread > 0).then(|| view! { <span class="badge" aria-hidden="true">{unread}</span> })}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}
