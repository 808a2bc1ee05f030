//! The board's chat panel: room list with unread counts, the open room's
//! messages, composer, typing line and who's online. Live state comes from
//! [`Live`]; this module only renders it and forwards what the user does.

use leptos::prelude::*;

use super::board_context::use_board_context;
use super::common::{
    browser, char_len, clock, day, rows_of, Avatar, CharCount, ErrorNote, If, List, Loading,
    LongText, Modal,
};
use super::composer::{typing_line, Composer, Unsent};
use super::live::{Live, LiveStatus, Target};
use crate::api::chat::{
    add_room_member, create_room, delete_room, get_room, list_other_rooms, remove_room_member,
    update_room,
};
use crate::error::AppError;
use crate::model::{Message, RoomDetail, RoomSummary};
use crate::validate::{ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX};

/// The chat panel. The room list is loaded with the board (see `BoardPage`).
#[component]
pub fn ChatPanel(rooms: Result<Vec<RoomSummary>, AppError>) -> impl IntoView {
    view! {
        <section class="chat" aria-label="Chat">
            {match rooms {
                Ok(_) => view! { <ChatBody /> }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ChatBody() -> impl IntoView {
    let live = expect_context::<Live>();
    let creating = RwSignal::new(false);
    let managing = RwSignal::new(false);
    let board = use_board_context();
    view! {
        // One compact row: the rooms, how we are connected, a new room.
        <header class="chat-head">
            <h2 class="sr-only">"Chat"</h2>
            <RoomList />
            <div class="chat-tools">
                <ConnectionBadge />
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| creating.set(true)>
                    <span aria-hidden="true">"+ "</span>"New room"
                </button>
                <If when=move || board.is_owner()>
                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| managing.set(true)>
                        "Other rooms"
                    </button>
                </If>
            </div>
        </header>
        <If when=move || creating.get()>
            <Modal title="New room" focus="new-room-name" on_close=Callback::new(move |()| creating.set(false))>
                <NewRoomForm on_done=Callback::new(move |()| creating.set(false)) />
            </Modal>
        </If>
        <If when=move || managing.get()>
            <Modal title="Rooms you are not in" focus="other-rooms" on_close=Callback::new(move |()| managing.set(false))>
                <OtherRooms on_joined=Callback::new(move |()| managing.set(false)) />
            </Modal>
        </If>
        {move || match live.room.open.get() {
            Some(room_id) => view! {
                <Loading fallback=|| view! { <p class="muted pad">"Opening the room…"</p> }>
                    {Suspend::new(room_view(room_id))}
                </Loading>
            }.into_any(),
            None if live.rooms.with(Vec::is_empty) => view! {
                <p class="muted pad">"No rooms yet. Create one to talk about this board with your team."</p>
            }.into_any(),
            None => ().into_any(),
        }}
        {move || live.notice.get().map(|n| view! {
            <p class="field-error" role="alert">{n}
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| live.notice.set(None)>"Dismiss"</button>
            </p>
        })}
    }
}

/// How the tab is connected. Before the page is live (server-rendered,
/// hydrating) it says "Connecting…" in a neutral colour, not an alarm.
#[component]
fn ConnectionBadge() -> impl IntoView {
    let live = expect_context::<Live>();
    // The countdown to the next attempt ticks while offline.
    let now = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        now.set(js_sys::Date::now() as u64);
        // (Only the offline text reads it: while live nothing re-renders.)
        if let Ok(tick) = set_interval_with_handle(
            move || now.set(js_sys::Date::now() as u64),
            std::time::Duration::from_millis(500),
        ) {
            on_cleanup(move || tick.clear());
        }
    }
    let text = move || match live.status.get() {
        LiveStatus::Connecting => "Connecting…".to_string(),
        LiveStatus::Live => "Live".to_string(),
        LiveStatus::Reconnecting(at) => match at.saturating_sub(now.get()).div_ceil(1000) {
            0 => "Offline — reconnecting…".to_string(),
            s => format!("Offline — retrying in {s} s"),
        },
        LiveStatus::Fallback => "Live over HTTP (WebSocket blocked)".to_string(),
    };
    let class = move || match live.status.get() {
        LiveStatus::Live => "conn conn-live",
        LiveStatus::Fallback => "conn conn-fallback",
        LiveStatus::Connecting => "conn conn-connecting",
        LiveStatus::Reconnecting(_) => "conn conn-off",
    };
    let offline = move || matches!(live.status.get(), LiveStatus::Reconnecting(_));
    view! {
        <span class=class role="status" aria-live="polite">{text}</span>
        <If when=offline>
            <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| live.reconnect_now()>"Reconnect now"</button>
        </If>
    }
}

#[component]
fn RoomList() -> impl IntoView {
    let live = expect_context::<Live>();
    let filter = RwSignal::new(String::new());
    let shown = Memo::new(move |_| {
        let needle = filter.get().trim().to_lowercase();
        live.rooms.with(|rooms| {
            rooms
                .iter()
                .filter(|r| needle.is_empty() || r.room.name.to_lowercase().contains(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        <nav class="room-list" aria-label="Rooms">
            <If when=move || live.rooms.with(|r| r.len() >= 4)>
                <label for="room-filter" class="sr-only">"Filter rooms by name"</label>
                <input id="room-filter" class="room-filter" type="search" placeholder="Filter rooms"
                    prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
            </If>
            <ul>
                <List rows=move || rows_of(shown.into(), |r| r.room.id, move |summary| {
                    let id = summary.with_untracked(|s| s.room.id);
                    let name = move || summary.with(|s| s.room.name.clone());
                    let unread = move || summary.with(|s| s.unread);
                    let label = move || match unread() {
                        0 => name(),
                        n => format!("{}, {n} unread", name()),
                    };
                    view! {
                        <li>
                            <button type="button" class="room-link" class:active=move || live.room.open.get() == Some(id)
                                aria-current=move || (live.room.open.get() == Some(id)).then_some("true")
                                aria-label=label on:click=move |_| live.open_room(id)>
                                <span class="hash" aria-hidden="true">"#"</span>
                                <span class="room-name">{name}</span>
                                {move || summary.with(|s| s.room.archived_at.is_some()).then(|| view! { <span class="tag">"archived"</span> })}
                                {move || (unread() > 0).then(|| view! { <span class="badge" aria-hidden="true">{unread}</span> })}
                            </button>
                        </li>
                    }
                }) />
            </ul>
        </nav>
    }
}

#[component]
fn NewRoomForm(on_done: Callback<()>) -> impl IntoView {
    let live = expect_context::<Live>();
    let board_id = use_board_context().id;
    let name = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let (name_len, description_len) = (RwSignal::new(0), RwSignal::new(0));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(n), Some(d)) = (name.get(), description.get()) else {
            return;
        };
        let (n, d) = (n.value(), d.value());
        leptos::task::spawn_local(async move {
            match create_room(board_id, n, Some(d)).await {
                Ok(room) => {
                    live.enter_room(RoomSummary {
                        room,
                        member: true,
                        member_count: 1,
                        unread: 0,
                        last_message_id: None,
                    });
                    on_done.run(());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <form class="stack new-room" on:submit=submit aria-label="New room">
            <label for="new-room-name">"Room name"</label>
            <input id="new-room-name" node_ref=name type="text" required aria-describedby="new-room-name-count"
                on:input=move |ev| name_len.set(char_len(&event_target_value(&ev))) />
            <CharCount len=name_len.into() max=ROOM_NAME_MAX id="new-room-name" />
            <label for="new-room-description">"Description " <span class="muted">"(optional)"</span></label>
            <input id="new-room-description" node_ref=description type="text" aria-describedby="new-room-description-count"
                on:input=move |ev| description_len.set(char_len(&event_target_value(&ev))) />
            <CharCount len=description_len.into() max=ROOM_DESCRIPTION_MAX id="new-room-description" />
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="inline-form">
                <button type="submit" class="btn btn-primary btn-sm">"Create room"</button>
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

/// The board owner's view of the rooms she is not in: she may rename,
/// archive, delete or join each (reading one means joining it).
#[component]
fn OtherRooms(on_joined: Callback<()>) -> impl IntoView {
    let live = expect_context::<Live>();
    let board = use_board_context();
    let version = RwSignal::new(0u32);
    let rooms = LocalResource::new(move || {
        version.track();
        list_other_rooms(board.id)
    });
    let error = RwSignal::new(None::<String>);
    let done = move |result: Result<(), AppError>| match result {
        Ok(()) => {
            error.set(None);
            version.update(|v| *v += 1);
            // The list is drawn again: keep the keyboard in the dialog.
            browser::focus_soon("other-rooms".to_string());
        }
        Err(e) => error.set(Some(e.message())),
    };
    let join = move |summary: RoomSummary| {
        let me = board.members.with_untracked(|members| {
            members
                .iter()
                .find(|m| m.user.id == board.viewer_id)
                .map(|m| m.user.username.clone())
        });
        let Some(me) = me else { return };
        leptos::task::spawn_local(async move {
            match add_room_member(summary.room.id, me).await {
                Ok(_) => {
                    live.enter_room(RoomSummary {
                        member: true,
                        member_count: summary.member_count + 1,
                        unread: 0,
                        ..summary
                    });
                    on_joined.run(());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <div id="other-rooms" class="stack other-rooms" tabindex="-1">
            <p class="muted">"As the board's owner you may manage every room. Join one to read it."</p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <Loading fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match rooms.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p>"You are in every room of this board."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="other-room-list" aria-label="Rooms you are not in">
                                {list.into_iter().map(|summary| {
                                    let id = summary.room.id;
                                    let name = summary.room.name.clone();
                                    let archived = summary.room.archived_at.is_some();
                                    let input = NodeRef::<leptos::html::Input>::new();
                                    let len = RwSignal::new(char_len(&name));
                                    let field = format!("other-room-{id}");
                                    let rename = move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        let Some(el) = input.get() else { return };
                                        let patch = crate::model::RoomPatch { name: Some(el.value()), ..Default::default() };
                                        leptos::task::spawn_local(async move {
                                            done(update_room(id, patch).await.map(|_| ()));
                                        });
                                    };
                                    let archive = move |_| {
                                        let patch = crate::model::RoomPatch { archived: Some(!archived), ..Default::default() };
                                        leptos::task::spawn_local(async move {
                                            done(update_room(id, patch).await.map(|_| ()));
                                        });
                                    };
                                    let delete = {
                                        let name = name.clone();
                                        move |_| {
                                            if browser::confirm(&format!("Delete #{name} and all its messages? This cannot be undone.")) {
                                                leptos::task::spawn_local(async move { done(delete_room(id).await) });
                                            }
                                        }
                                    };
                                    let members = summary.member_count;
                                    view! {
                                        <li class="other-room">
                                            <p class="other-room-name">
                                                <span aria-hidden="true">"#"</span>{name.clone()}
                                                {archived.then(|| view! { <span class="tag">"archived"</span> })}
                                                <span class="muted">{format!(" · {members} member{}", if members == 1 { "" } else { "s" })}</span>
                                            </p>
                                            <form class="inline-form" on:submit=rename aria-label=format!("Rename #{name}")>
                                                <label for=field.clone() class="sr-only">{format!("New name for #{name}")}</label>
                                                <input id=field.clone() node_ref=input type="text" required prop:value=name.clone()
                                                    aria-describedby=format!("{field}-count")
                                                    on:input=move |ev| len.set(char_len(&event_target_value(&ev))) />
                                                <CharCount len=len.into() max=ROOM_NAME_MAX id=field.clone() />
                                                <button type="submit" class="btn btn-sm" aria-label=format!("Rename #{name}")>"Rename"</button>
                                            </form>
                                            <div class="inline-form">
                                                <button type="button" class="btn btn-primary btn-sm" aria-label=format!("Join #{name}") on:click={
                                                    let summary = summary.clone();
                                                    move |_| join(summary.clone())
                                                }>"Join"</button>
                                                <button type="button" class="btn btn-ghost btn-sm" on:click=archive
                                                    aria-label=format!("{} #{name}", if archived { "Unarchive" } else { "Archive" })>
                                                    {if archived { "Unarchive" } else { "Archive" }}
                                                </button>
                                                <button type="button" class="btn btn-danger btn-sm" aria-label=format!("Delete #{name}") on:click=delete>"Delete"</button>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Loading>
        </div>
    }
}

/// Consecutive messages of one author within this long share one header.
pub const GROUP_WITHIN_MS: i64 = 5 * 60_000;
/// Older history loads when the reader scrolls this close to the top (px).
const LOAD_OLDER_WITHIN_PX: i32 = 300;

/// A message as the list shows it: after a day separator or the "new
/// messages" line, and whether it continues the previous one's group.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub message: Message,
    pub day: Option<String>,
    pub new_marker: bool,
    pub continued: bool,
}

/// The rows of a room's messages (oldest first): day separators, the line
/// before the first unread message of others (`marker` = last read id), and
/// groups of one author's messages within [`GROUP_WITHIN_MS`].
pub fn rows(list: &[Message], marker: i64, me: Option<i64>) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::with_capacity(list.len());
    let mut last_day = String::new();
    let mut marked = false;
    for m in list {
        let this_day = day(m.created_at);
        let separator = (this_day != last_day).then(|| this_day.clone());
        last_day = this_day;
        let new_marker = !marked && m.id > marker && Some(m.author.id) != me;
        marked |= new_marker;
        let continued = separator.is_none()
            && !new_marker
            && out.last().is_some_and(|prev| {
                prev.message.author.id == m.author.id
                    && m.created_at - prev.message.created_at < GROUP_WITHIN_MS
            });
        out.push(Row {
            message: m.clone(),
            day: separator,
            new_marker,
            continued,
        });
    }
    out
}

/// The open room's code (messages, composer, settings) is a WASM chunk of its
/// own in a split build: fetched when a room first opens, which is after the
/// board has hydrated (the server renders no open room).
#[lazy]
fn room_view(room_id: i64) -> AnyView {
    view! { <RoomView room_id /> }.into_any()
}

/// An open room. It scrolls like a chat: it stays at the newest message while
/// you are there (however fast they come), keeps your place while you read
/// older ones (with a "new messages ↓" button for what arrived meanwhile),
/// and loads older history as you scroll up, keeping what you read in place.
#[component]
fn RoomView(room_id: i64) -> impl IntoView {
    let live = expect_context::<Live>();
    let board_id = use_board_context().id;
    let detail = super::json::resource(move || room_id, get_room);
    let managing = RwSignal::new(false);
    // A notification's link: scroll to its message once it is shown.
    Effect::new(move |_| {
        let Some(target) = live.room.focus.get() else {
            return;
        };
        if live.room.items.with(|m| m.iter().any(|m| m.id == target)) {
            live.room.focus.set(None);
            browser::reveal_when_ready(format!("message-{target}"), || {});
        }
    });
    let scroller = NodeRef::<leptos::html::Div>::new();
    // Whether the reader follows the newest message: only their own scrolling
    // up turns it off (new content growing below never does).
    let stick = StoredValue::new(true);
    let last_top = StoredValue::new(0i32);
    let unseen = RwSignal::new(0usize);
    // Before an older page is put above: the first message in view, and how
    // far below the top of the list it was (px).
    let anchor = StoredValue::new(None::<(String, f64)>);
    let to_bottom = move || {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
            last_top.set_value(el.scroll_top());
        }
        stick.set_value(true);
        unseen.set(0);
    };
    let load_older = move || {
        if live.room.older_loading.get_untracked() || !live.room.has_older.get_untracked() {
            return;
        }
        if let Some(el) = scroller.get_untracked() {
            anchor.set_value(Some(browser::first_in_view(&el, "li.msg")));
        }
        live.load_older();
    };
    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let top = el.scroll_top();
        if top + el.client_height() >= el.scroll_height() - 24 {
            stick.set_value(true);
            unseen.set(0);
        } else if top < last_top.get_value() - 1 {
            stick.set_value(false);
        }
        last_top.set_value(top);
        if top < LOAD_OLDER_WITHIN_PX {
            load_older();
        }
    };
    // New messages (or texts of ours being sent): follow them at the bottom,
    // count them for the reader who scrolled up.
    Effect::new(move |before: Option<(Option<i64>, usize)>| {
        let last = live.room.items.with(|m| m.last().map(|m| m.id));
        let pending = live.outbox.with(|o| {
            o.iter()
                .filter(|i| i.target == Target::Room(room_id))
                .count()
        });
        let (last_before, pending_before) = before.unwrap_or((None, 0));
        let me = live.me.with_untracked(|m| m.as_ref().map(|u| u.id));
        let (theirs, mine) = match last_before {
            Some(prev) => live.room.items.with_untracked(|list| {
                list.iter().rev().take_while(|m| m.id > prev).fold(
                    (0usize, false),
                    |(n, mine), m| {
                        if Some(m.author.id) == me {
                            (n, true)
                        } else {
                            (n + 1, mine)
                        }
                    },
                )
            }),
            None => (0, false),
        };
        let sent = pending > pending_before || mine;
        request_animation_frame(move || {
            if anchor.get_value().is_some() {
                return;
            }
            if sent || stick.get_value() {
                to_bottom();
            } else if theirs > 0 {
                unseen.update(|n| *n += theirs);
            }
        });
        (last, pending)
    });
    // An older page arrived: keep the message that was on screen where it was,
    // and keep loading while the reader is still near the top.
    Effect::new(move |was_loading: Option<bool>| {
        let loading = live.room.older_loading.get();
        if was_loading == Some(true) && !loading {
            request_animation_frame(move || {
                let Some(el) = scroller.get_untracked() else {
                    return;
                };
                if let Some((id, offset)) = anchor.get_value() {
                    anchor.set_value(None);
                    browser::keep_in_place(&el, &id, offset);
                    last_top.set_value(el.scroll_top());
                }
                if el.scroll_top() < LOAD_OLDER_WITHIN_PX {
                    load_older();
                }
            });
        }
        loading
    });
    let typing = move || {
        let names: Vec<String> = live
            .room
            .typing
            .with(|t| t.iter().map(|h| h.user.display_name.clone()).collect());
        typing_line(&names)
    };
    let room_name = move || {
        live.rooms.with(|r| {
            r.iter()
                .find(|r| r.room.id == room_id)
                .map(|r| r.room.name.clone())
                .unwrap_or_default()
        })
    };
    let archived = move || {
        live.rooms.with(|r| {
            r.iter()
                .any(|r| r.room.id == room_id && r.room.archived_at.is_some())
        })
    };
    let shown = Memo::new(move |_| {
        let marker = live.read_marker.get();
        let me = live.me.with(|m| m.as_ref().map(|u| u.id));
        live.room.items.with(|list| rows(list, marker, me))
    });
    let me = Signal::derive(move || live.me.with(|m| m.as_ref().map(|u| u.id)));
    view! {
        <div class="room">
            <div class="room-head">
                <h3 dir="auto">"#"{room_name}</h3>
                <Transition>
                    {move || Suspend::new(async move {
                        detail.await.ok().map(|d: RoomDetail| view! { <WhoIsHere members=d.members /> })
                    })}
                </Transition>
                <button type="button" class="btn btn-ghost btn-sm" aria-haspopup="dialog"
                    on:click=move |_| managing.set(true)>"Members"</button>
            </div>
            <If when=move || managing.get()>
                <Modal title=format!("#{} — members and settings", room_name()) focus="room-member"
                    on_close=Callback::new(move |()| managing.set(false))>
                    <RoomMembers room_id detail />
                </Modal>
            </If>
            <div class="messages-wrap">
                <div class="messages" role="log" tabindex="0" aria-label=move || format!("Messages in #{}", room_name())
                    node_ref=scroller on:scroll=on_scroll>
                    <ol class="message-list">
                        <If when=move || live.room.has_older.get()>
                            <li class="older">
                                {move || if live.room.older_loading.get() {
                                    view! { <span class="muted small">"Loading older messages…"</span> }.into_any()
                                } else {
                                    view! { <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| load_older()>"Load older messages"</button> }.into_any()
                                }}
                            </li>
                        </If>
                        <List rows=move || rows_of(shown.into(), |r| r.message.id, move |row| {
                            let message = Memo::new(move |_| row.with(|r| r.message.clone()));
                            let continued = Memo::new(move |_| row.with(|r| r.continued));
                            view! {
                                {move || row.with(|r| r.day.clone()).map(|d| view! { <li class="day">{d}</li> })}
                                {move || row.with(|r| r.new_marker).then(|| view! { <li class="new-marker">"New messages"</li> })}
                                {move || view! { <MessageItem message=message.get() continued=continued.get() me /> }}
                            }
                        }) />
                        <Unsent target=Target::Room(room_id) />
                    </ol>
                </div>
                <If when=move || { unseen.get() > 0 }>
                    <button type="button" class="btn btn-primary btn-sm new-below" on:click=move |_| to_bottom()>
                        {move || match unseen.get() { 1 => "1 new message ↓".to_string(), n => format!("{n} new messages ↓") }}
                    </button>
                </If>
            </div>
            <p class="typing-line" aria-live="polite">{typing}</p>
            <If when=move || !archived() fallback=|| view! { <p class="muted pad">"This room is archived: read-only."</p> }>
                <Composer target=Target::Room(room_id) board_id id="composer" button="Send"
                    label=Signal::derive(move || format!("Message #{}", room_name()))
                    placeholder=Signal::derive(move || format!("Message #{}", room_name())) />
            </If>
        </div>
    }
}

/// One message. A message that continues its author's group shows no
/// avatar or name (screen readers still hear the name), only its time.
#[component]
fn MessageItem(message: Message, continued: bool, me: Signal<Option<i64>>) -> impl IntoView {
    let me = me.get_untracked();
    let mentions_me = me.is_some_and(|me| message.mentions.iter().any(|u| u.id == me));
    let name = message.author.display_name.clone();
    view! {
        <li class="msg" class:msg-cont=continued class:msg-mentions-me=mentions_me
            id=format!("message-{}", message.id) data-id=message.id.to_string()>
            {if continued {
                view! { <time class="msg-side-time muted" aria-hidden="true">{clock(message.created_at)}</time> }.into_any()
            } else {
                view! { <Avatar name=name.clone() /> }.into_any()
            }}
            <div class="msg-body">
                {if continued {
                    view! { <span class="sr-only">{format!("{name}, {}:", clock(message.created_at))}</span> }.into_any()
                } else {
                    view! {
                        <p class="msg-meta">
                            <strong dir="auto">{name.clone()}</strong>
                            <time class="muted">{clock(message.created_at)}</time>
                        </p>
                    }.into_any()
                }}
                <LongText text=message.content.clone() mentions=message.mentions.clone() me=me />
            </div>
        </li>
    }
}

#[component]
fn WhoIsHere(members: Vec<crate::model::User>) -> impl IntoView {
    let live = expect_context::<Live>();
    view! {
        <ul class="who" aria-label="Who's here">
            {members.into_iter().map(|m| {
                let id = m.id;
                let presence = move || live.presence(live.online, id);
                let name = m.display_name.clone();
                view! {
                    <li class=move || format!("who-item {}", presence().class())
                        title=move || format!("{} — {}", name, presence().label())>
                        <Avatar name=m.display_name.clone() small=true />
                        <span class="dot" aria-hidden="true"></span>
                        <span class="sr-only">{move || format!("{} is {}", m.display_name, presence().label())}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn RoomMembers(
    room_id: i64,
    detail: super::json::JsonResource<Result<RoomDetail, crate::error::AppError>>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = input.get() else { return };
        let username = el.value();
        el.set_value("");
        leptos::task::spawn_local(async move {
            match add_room_member(room_id, username).await {
                Ok(_) => {
                    error.set(None);
                    detail.refetch();
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <div class="room-members">
            <Transition>
                {move || Suspend::new(async move {
                    detail.await.ok().map(|d| view! {
                        <ul class="member-list">
                            {d.members.into_iter().map(|m| {
                                let uid = m.id;
                                let remove = move |_| {
                                    leptos::task::spawn_local(async move {
                                        match remove_room_member(room_id, uid).await {
                                            Ok(()) => detail.refetch(),
                                            Err(e) => error.set(Some(e.message())),
                                        }
                                    });
                                };
                                view! {
                                    <li class="member">
                                        <Avatar name=m.display_name.clone() small=true />
                                        <span class="member-name">{m.display_name.clone()}<span class="muted">" @"{m.username.clone()}</span></span>
                                        <button type="button" class="btn btn-ghost btn-sm" on:click=remove
                                            aria-label=format!("Remove {} from the room", m.display_name)>"Remove"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
            <form class="inline-form" on:submit=add aria-label="Add a room member">
                <label for="room-member" class="sr-only">"Add a board member to this room"</label>
                <input id="room-member" node_ref=input type="text" placeholder="username" autocapitalize="none" spellcheck="false" />
                <button type="submit" class="btn btn-sm">"Add"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <RoomSettings room_id error />
        </div>
    }
}

/// Rename, archive and delete: for the room's creator and the board owner.
#[component]
fn RoomSettings(room_id: i64, error: RwSignal<Option<String>>) -> impl IntoView {
    let live = expect_context::<Live>();
    let board = use_board_context();
    let room = move || {
        live.rooms.with(|r| {
            r.iter()
                .find(|r| r.room.id == room_id)
                .map(|r| r.room.clone())
        })
    };
    let may_manage =
        move || board.is_owner() || room().is_some_and(|r| r.created_by == board.viewer_id);
    let name = NodeRef::<leptos::html::Input>::new();
    let rename_len = RwSignal::new(room().map(|r| char_len(&r.name)).unwrap_or(0));
    let apply = move |patch: crate::model::RoomPatch| {
        leptos::task::spawn_local(async move {
            match update_room(room_id, patch).await {
                Ok(updated) => {
                    error.set(None);
                    live.rooms.update(|rooms| {
                        if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                            r.room = updated;
                        }
                    });
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(el) = name.get() {
            apply(crate::model::RoomPatch {
                name: Some(el.value()),
                ..Default::default()
            });
        }
    };
    let toggle_archive = move |_| {
        let archived = room().is_some_and(|r| r.archived_at.is_some());
        apply(crate::model::RoomPatch {
            archived: Some(!archived),
            ..Default::default()
        });
    };
    let delete = move |_| {
        let label = room().map(|r| r.name).unwrap_or_default();
        if !browser::confirm(&format!(
            "Delete #{label} and all its messages? This cannot be undone."
        )) {
            return;
        }
        leptos::task::spawn_local(async move {
            match delete_room(room_id).await {
                Ok(()) => {
                    live.rooms
                        .update(|rooms| rooms.retain(|r| r.room.id != room_id));
                    live.room.open.set(None);
                    if let Some(next) = live.rooms.with_untracked(|r| r.first().map(|r| r.room.id))
                    {
                        live.open_room(next);
                    }
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <If when=may_manage>
            <form class="inline-form" on:submit=rename aria-label="Rename room">
                <label for="room-rename" class="sr-only">"Room name"</label>
                <input id="room-rename" node_ref=name type="text" required aria-describedby="room-rename-count"
                    prop:value=move || room().map(|r| r.name).unwrap_or_default()
                    on:input=move |ev| rename_len.set(char_len(&event_target_value(&ev))) />
                <CharCount len=rename_len.into() max=ROOM_NAME_MAX id="room-rename" />
                <button type="submit" class="btn btn-sm">"Rename"</button>
            </form>
            <div class="inline-form">
                <button type="button" class="btn btn-ghost btn-sm" on:click=toggle_archive>
                    {move || if room().is_some_and(|r| r.archived_at.is_some()) { "Unarchive" } else { "Archive" }}
                </button>
                <button type="button" class="btn btn-danger btn-sm" on:click=delete>"Delete room"</button>
            </div>
        </If>
    }
}

#[cfg(test)]
mod tests {
    use super::{rows, GROUP_WITHIN_MS};
    use crate::model::{Message, User};

    fn msg(id: i64, author: i64, at: i64) -> Message {
        Message {
            id,
            room_id: 1,
            author: User {
                id: author,
                username: format!("u{author}"),
                display_name: format!("U{author}"),
            },
            content: "hi".into(),
            created_at: at,
            mentions: vec![],
            seq: id,
            client_id: None,
        }
    }

    #[test]
    fn one_authors_messages_within_five_minutes_share_a_header() {
        let day = 86_400_000 * 20_000; // a day's start, far from any edge
        let list = [
            msg(1, 7, day + 1_000),
            msg(2, 7, day + 2_000), // same author, soon: continued
            msg(3, 8, day + 3_000), // someone else: new header
            msg(4, 8, day + 3_000 + GROUP_WITHIN_MS), // 5 min later: new header
            msg(5, 8, day + 4_000 + GROUP_WITHIN_MS), // continued
            msg(6, 8, day + 86_400_000 + 10), // next day: separator, new header
            msg(7, 8, day + 86_400_000 + 20), // unread starts here: marker, new header
        ];
        let shown = rows(&list, 6, Some(7));
        let continued: Vec<bool> = shown.iter().map(|r| r.continued).collect();
        assert_eq!(continued, [false, true, false, false, true, false, false]);
        let days: Vec<bool> = shown.iter().map(|r| r.day.is_some()).collect();
        assert_eq!(days, [true, false, false, false, false, true, false]);
        let marker: Vec<bool> = shown.iter().map(|r| r.new_marker).collect();
        assert_eq!(marker, [false, false, false, false, false, false, true]);
        // Nobody else's unread message: no marker (one's own never count).
        assert!(rows(&list, 6, Some(8)).iter().all(|r| !r.new_marker));
    }
}
