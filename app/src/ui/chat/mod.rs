//! The board's chat panel: the room list with unread counts and the
//! connection badge here; the open room in [`room`], managing rooms in
//! [`rooms`]. Live state comes from
//! [`Live`]; this module only renders it and forwards what the user does.

mod message;
mod notify_settings;
mod replies;

pub(crate) use replies::{conversation_piece, ConversationPiece};
mod room;
pub(crate) mod rooms;

use leptos::prelude::*;

use super::board_context::use_board_context;
use super::common::{rows_of, ErrorNote, If, List, Loading};
use super::live::{Live, LiveStatus};
use crate::error::AppError;
use crate::model::RoomSummary;
pub(crate) use notify_settings::notify_settings;
pub(crate) use room::room_view;
use rooms::RoomsDialog;

/// Fetches the code of an open room ahead of time (see `prefetch_when_idle`).
#[cfg(feature = "hydrate")]
pub async fn prefetch() {
    room::__preload_room_view().await;
}

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
    let dialog = RwSignal::new(None::<RoomsDialog>);
    let board = use_board_context();
    // Rooms to find: public ones not joined (and, for an owner, private ones).
    let joinable = Memo::new(move |_| live.rooms.with(|r| r.iter().filter(|r| !r.member).count()));
    let can_browse = Signal::derive(move || joinable.get() > 0 || board.is_owner());
    view! {
        // One compact row: the rooms, how we are connected, a new room.
        <header class="chat-head">
            <h2 class="sr-only">"Chat"</h2>
            <RoomList />
            <div class="chat-tools">
                <ConnectionBadge />
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| dialog.set(Some(RoomsDialog::New))>
                    <span aria-hidden="true">"+ "</span>"New room"
                </button>
                <If when=can_browse>
                    <button type="button" class="btn btn-ghost btn-sm" aria-haspopup="dialog" on:click=move |_| dialog.set(Some(RoomsDialog::Browse))>
                        "Browse rooms"
                        {move || (joinable.get() > 0).then(|| view! { <span class="count">{move || joinable.get()}</span> })}
                    </button>
                </If>
            </div>
        </header>
        {move || dialog.get().map(|which| view! {
            <Loading fallback=|| ()>
                {Suspend::new(crate::ui::pane_piece(crate::ui::PanePiece::Rooms(which, Callback::new(move |()| dialog.set(None)))))}
            </Loading>
        })}
        {move || open_room_view(live, "No rooms yet. Create one to talk about this board with your team.")}
        {move || live.notice.get().map(|n| view! {
            <p class="field-error" role="alert">{n}
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| live.notice.set(None)>"Dismiss"</button>
            </p>
        })}
    }
}

/// The open room (its code fetched when it first opens), or `empty` when
/// there is nothing to open. The board's chat and the messages page share
/// it (one copy of this code for both).
pub(crate) fn open_room_view(live: Live, empty: &'static str) -> AnyView {
    match live.room.open.get() {
        Some(room_id) => view! {
            <Loading fallback=|| view! { <p class="muted pad">"Opening the conversation…"</p> }>
                {Suspend::new(room_view(room_id))}
            </Loading>
        }
        .into_any(),
        None if live.rooms.with(Vec::is_empty) => {
            view! { <p class="muted pad">{empty}</p> }.into_any()
        }
        None => ().into_any(),
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
    let shown: Signal<Vec<_>> = Memo::new(move |_| {
        let needle = filter.get().trim().to_lowercase();
        let open = live.room.open.get();
        live.rooms.with(|rooms| {
            rooms
                .iter()
                // The rooms one is in, and the one being read before joining.
                .filter(|r| r.member || Some(r.room.id) == open)
                .filter(|r| needle.is_empty() || r.room.name.to_lowercase().contains(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    })
    .into();
    view! {
        <nav class="room-list" aria-label="Rooms">
            <If when=move || live.rooms.with(|r| r.len() >= 4)>
                <label for="room-filter" class="sr-only">"Filter rooms by name"</label>
                <input id="room-filter" class="room-filter" type="search" placeholder="Filter rooms"
                    prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
            </If>
            <ul>
                <List rows=move || rows_of(shown, |r| r.room.id, move |summary| {
                    let id = summary.with_untracked(|s| s.room.id);
                    let name = move || summary.with(|s| s.room.name.clone());
                    // A muted room shows no badge (it is dimmed instead).
                    let muted = move || summary.with(|s| s.muted);
                    let unread = move || summary.with(|s| if s.muted { 0 } else { s.unread });
                    let label = move || match unread() {
                        0 if muted() => format!("{}, muted", name()),
                        0 => name(),
                        n => format!("{}, {n} unread", name()),
                    };
                    view! {
                        <li>
                            <button type="button" class="room-link" class:active=move || live.room.open.get() == Some(id) class:muted=muted
                                aria-current=move || (live.room.open.get() == Some(id)).then_some("true")
                                aria-label=label on:click=move |_| live.open_room(id)>
                                <span class="hash" aria-hidden="true">"#"</span>
                                <span class="room-name">{name}</span>
                                {move || summary.with(|s| s.room.archived_at.is_some()).then(|| view! { <span class="tag">"archived"</span> })}
                                {move || summary.with(|s| !s.member).then(|| view! { <span class="tag">"not joined"</span> })}
                                {move || (unread() > 0).then(|| view! { <span class="badge" aria-hidden="true">{unread}</span> })}
                            </button>
                        </li>
                    }
                }) />
            </ul>
        </nav>
    }
}
