//! The board's chat panel: room list with unread counts, the open room's
//! messages, composer, typing line and who's online. Live state comes from
//! [`Live`]; this module only renders it and forwards what the user does.

use leptos::prelude::*;

use super::common::{browser, clock, day, Avatar, ErrorNote, Modal, RichText};
use super::live::{Live, LiveStatus, OutState, Target};
use super::mention_input::MentionTextarea;
use crate::api::chat::{
    add_room_member, create_room, delete_room, get_room, remove_room_member, update_room,
};
use crate::error::AppError;
use crate::model::{Message, RoomDetail, RoomSummary};
use crate::validate::{MESSAGE_MAX, ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX};

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
    view! {
        <header class="chat-head">
            <h2>"Chat"</h2>
            <ConnectionBadge />
            <button type="button" class="btn btn-sm" on:click=move |_| creating.set(true)>"New room"</button>
        </header>
        <RoomList />
        <Show when=move || creating.get()>
            <Modal title="New room" focus="new-room-name" on_close=Callback::new(move |()| creating.set(false))>
                <NewRoomForm on_done=Callback::new(move |()| creating.set(false)) />
            </Modal>
        </Show>
        {move || match live.room.get() {
            Some(room_id) => view! { <RoomView room_id /> }.into_any(),
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

#[component]
fn ConnectionBadge() -> impl IntoView {
    let live = expect_context::<Live>();
    let text = move || match live.status.get() {
        LiveStatus::Connecting => "Connecting…".to_string(),
        LiveStatus::Live => "Live".to_string(),
        LiveStatus::Reconnecting(ms) => format!("Offline — retrying in {} s", ms.div_ceil(1000)),
        LiveStatus::Fallback => "Live over HTTP (WebSocket blocked)".to_string(),
    };
    let class = move || match live.status.get() {
        LiveStatus::Live => "conn conn-live",
        LiveStatus::Fallback => "conn conn-fallback",
        _ => "conn conn-off",
    };
    view! { <span class=class role="status" aria-live="polite">{text}</span> }
}

#[component]
fn RoomList() -> impl IntoView {
    let live = expect_context::<Live>();
    let filter = RwSignal::new(String::new());
    let shown = move || {
        let needle = filter.get().trim().to_lowercase();
        live.rooms.with(|rooms| {
            rooms
                .iter()
                .filter(|r| needle.is_empty() || r.room.name.to_lowercase().contains(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <nav class="room-list" aria-label="Rooms">
            <Show when=move || live.rooms.with(|r| r.len() >= 4)>
                <label for="room-filter" class="sr-only">"Filter rooms by name"</label>
                <input id="room-filter" class="room-filter" type="search" placeholder="Filter rooms"
                    prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
            </Show>
            <ul>
                <For each=shown key=|r| (r.room.id, r.room.name.clone(), r.unread, r.room.archived_at) let:summary>
                    {
                        let id = summary.room.id;
                        let unread = summary.unread;
                        let label = if unread > 0 {
                            format!("{}, {} unread", summary.room.name, unread)
                        } else {
                            summary.room.name.clone()
                        };
                        view! {
                            <li>
                                <button type="button" class="room-link" class:active=move || live.room.get() == Some(id)
                                    aria-current=move || (live.room.get() == Some(id)).then_some("true")
                                    aria-label=label on:click=move |_| live.open_room(id)>
                                    <span class="hash" aria-hidden="true">"#"</span>
                                    <span class="room-name">{summary.room.name.clone()}</span>
                                    {(summary.room.archived_at.is_some()).then(|| view! { <span class="tag">"archived"</span> })}
                                    {(unread > 0).then(|| view! { <span class="badge" aria-hidden="true">{unread}</span> })}
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </nav>
    }
}

#[component]
fn NewRoomForm(on_done: Callback<()>) -> impl IntoView {
    let live = expect_context::<Live>();
    let name = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(n), Some(d)) = (name.get(), description.get()) else {
            return;
        };
        let (n, d) = (n.value(), d.value());
        leptos::task::spawn_local(async move {
            let Some(board_id) = live.board.get_untracked() else {
                return;
            };
            match create_room(board_id, n, Some(d)).await {
                Ok(room) => {
                    let id = room.id;
                    live.rooms.update(|r| {
                        r.push(crate::model::RoomSummary {
                            room,
                            member_count: 1,
                            unread: 0,
                            last_message_id: None,
                        });
                        r.sort_by_key(|r| r.room.name.to_lowercase());
                    });
                    live.watch_room(id);
                    live.open_room(id);
                    on_done.run(());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <form class="stack new-room" on:submit=submit aria-label="New room">
            <label for="new-room-name">"Room name"</label>
            <input id="new-room-name" node_ref=name type="text" required maxlength=ROOM_NAME_MAX />
            <label for="new-room-description">"Description " <span class="muted">"(optional)"</span></label>
            <input id="new-room-description" node_ref=description type="text" maxlength=ROOM_DESCRIPTION_MAX />
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="inline-form">
                <button type="submit" class="btn btn-primary btn-sm">"Create room"</button>
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

/// "Ada is typing…", "Ada and Bob are typing…", "Several people are typing…".
pub fn typing_line(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [a, b] => Some(format!("{a} and {b} are typing…")),
        _ => Some("Several people are typing…".to_string()),
    }
}

#[component]
fn RoomView(room_id: i64) -> impl IntoView {
    let live = expect_context::<Live>();
    let board_id = super::board_page::use_board().id();
    let detail = Resource::new(move || room_id, get_room);
    let managing = RwSignal::new(false);
    // A notification's link: scroll to its message once it is shown.
    Effect::new(move |_| {
        let Some(target) = live.focus_message.get() else {
            return;
        };
        if live.messages.with(|m| m.iter().any(|m| m.id == target)) {
            live.focus_message.set(None);
            browser::reveal_when_ready(format!("message-{target}"), || {});
        }
    });
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    // Follow new messages unless the reader scrolled up.
    let stick = RwSignal::new(true);
    let on_scroll = move |_| {
        if let Some(el) = list_ref.get() {
            stick.set(el.scroll_top() + el.client_height() >= el.scroll_height() - 48);
            if el.scroll_top() == 0 && live.has_older.get_untracked() {
                live.load_older();
            }
        }
    };
    Effect::new(move |_| {
        live.messages.track();
        live.outbox.track();
        if stick.get_untracked() {
            if let Some(el) = list_ref.get() {
                request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
            }
        }
    });
    let typing = move || {
        let names: Vec<String> = live
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
    view! {
        <div class="room">
            <div class="room-head">
                <h3>"#"{room_name}</h3>
                <Transition>
                    {move || Suspend::new(async move {
                        detail.await.ok().map(|d: RoomDetail| view! { <WhoIsHere members=d.members /> })
                    })}
                </Transition>
                <button type="button" class="btn btn-ghost btn-sm" aria-haspopup="dialog"
                    on:click=move |_| managing.set(true)>"Members"</button>
            </div>
            <Show when=move || managing.get()>
                <Modal title=format!("#{} — members and settings", room_name()) focus="room-member"
                    on_close=Callback::new(move |()| managing.set(false))>
                    <RoomMembers room_id detail />
                </Modal>
            </Show>
            <ol class="messages" role="log" aria-label=move || format!("Messages in #{}", room_name()) node_ref=list_ref on:scroll=on_scroll>
                <Show when=move || live.has_older.get()>
                    <li class="older"><button type="button" class="btn btn-ghost btn-sm" on:click=move |_| live.load_older()>"Load older messages"</button></li>
                </Show>
                {move || {
                    let marker = live.read_marker.get();
                    let me = live.me.with(|m| m.as_ref().map(|u| u.id));
                    let mut last_day = String::new();
                    let mut marked = false;
                    live.messages.with(|list| list.iter().map(|m| {
                        let this_day = day(m.created_at);
                        let separator = (this_day != last_day).then(|| this_day.clone());
                        last_day = this_day;
                        let new_line = !marked && m.id > marker && Some(m.author.id) != me;
                        marked |= new_line;
                        view! {
                            {separator.map(|d| view! { <li class="day" role="separator">{d}</li> })}
                            {new_line.then(|| view! { <li class="new-marker" role="separator">"New messages"</li> })}
                            <MessageItem message=m.clone() me />
                        }
                    }).collect_view())
                }}
                <Unsent target=Target::Room(room_id) />
            </ol>
            <p class="typing-line" aria-live="polite">{typing}</p>
            <Show when=move || !archived() fallback=|| view! { <p class="muted pad">"This room is archived: read-only."</p> }>
                <Composer target=Target::Room(room_id) board_id id="composer" button="Send"
                    label=Signal::derive(move || format!("Message #{}", room_name()))
                    placeholder=Signal::derive(move || format!("Message #{}", room_name())) />
            </Show>
        </div>
    }
}

/// The texts of this tab not yet acknowledged for a room or thread: sending,
/// waiting for the connection, or failed (with Retry and Discard).
#[component]
pub fn Unsent(target: Target) -> impl IntoView {
    let live = expect_context::<Live>();
    view! {
        <For each=move || live.outbox.with(|o| o.iter().filter(|i| i.target == target).cloned().collect::<Vec<_>>())
            key=|i| (i.client_id.clone(), format!("{:?}", i.state)) let:item>
            {
                let id_retry = item.client_id.clone();
                let id_discard = item.client_id.clone();
                let (class, note) = match &item.state {
                    OutState::Sending => ("msg pending", "Sending…".to_string()),
                    OutState::Waiting => ("msg pending", "Not sent yet — will send when back online".to_string()),
                    OutState::Failed(why) => ("msg failed", format!("Not sent: {why}")),
                };
                let failed = matches!(item.state, OutState::Failed(_));
                view! {
                    <li class=class>
                        <div class="msg-body">
                            <p class="msg-text"><RichText text=item.content.clone() /></p>
                            <p class="msg-state">{note}
                                {failed.then(|| view! {
                                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| live.retry(id_retry.clone())>"Retry"</button>
                                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| live.discard(id_discard.clone())>"Discard"</button>
                                })}
                            </p>
                        </div>
                    </li>
                }
            }
        </For>
    }
}

#[component]
fn MessageItem(message: Message, me: Option<i64>) -> impl IntoView {
    let mentions_me = me.is_some_and(|me| message.mentions.iter().any(|u| u.id == me));
    view! {
        <li class="msg" class:msg-mentions-me=mentions_me id=format!("message-{}", message.id) data-id=message.id.to_string()>
            <Avatar name=message.author.display_name.clone() />
            <div class="msg-body">
                <p class="msg-meta">
                    <strong>{message.author.display_name.clone()}</strong>
                    <time class="muted">{clock(message.created_at)}</time>
                </p>
                <p class="msg-text"><RichText text=message.content.clone() mentions=message.mentions.clone() me=me /></p>
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
                let online = move || live.online.with(|o| o.contains(&id));
                let name = m.display_name.clone();
                view! {
                    <li class="who-item" class:online=online title=move || format!("{} — {}", name, if online() { "online" } else { "offline" })>
                        <Avatar name=m.display_name.clone() small=true />
                        <span class="dot" aria-hidden="true"></span>
                        <span class="sr-only">{move || format!("{} is {}", m.display_name, if online() { "online" } else { "offline" })}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn RoomMembers(
    room_id: i64,
    detail: Resource<Result<RoomDetail, crate::error::AppError>>,
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
    let board = super::board_page::use_board();
    let room = move || {
        live.rooms.with(|r| {
            r.iter()
                .find(|r| r.room.id == room_id)
                .map(|r| r.room.clone())
        })
    };
    let may_manage = move || {
        let (owner, me) = board
            .board
            .with(|b| (b.role == crate::model::Role::Owner, b.viewer_id));
        owner || room().is_some_and(|r| r.created_by == me)
    };
    let name = NodeRef::<leptos::html::Input>::new();
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
                    live.room.set(None);
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
        <Show when=may_manage>
            <form class="inline-form" on:submit=rename aria-label="Rename room">
                <label for="room-rename" class="sr-only">"Room name"</label>
                <input id="room-rename" node_ref=name type="text" required maxlength=ROOM_NAME_MAX
                    prop:value=move || room().map(|r| r.name).unwrap_or_default() />
                <button type="submit" class="btn btn-sm">"Rename"</button>
            </form>
            <div class="inline-form">
                <button type="button" class="btn btn-ghost btn-sm" on:click=toggle_archive>
                    {move || if room().is_some_and(|r| r.archived_at.is_some()) { "Unarchive" } else { "Archive" }}
                </button>
                <button type="button" class="btn btn-danger btn-sm" on:click=delete>"Delete room"</button>
            </div>
        </Show>
    }
}

/// A composer for a room or a thread: Enter sends (through the outbox),
/// Shift+Enter adds a line, @ suggests people, typing hints go out.
#[component]
pub fn Composer(
    target: Target,
    board_id: i64,
    /// The textarea's id (tests and links find it by its label).
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] placeholder: Signal<String>,
    button: &'static str,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let text = NodeRef::<leptos::html::Textarea>::new();
    let send = move || {
        let Some(el) = text.get_untracked() else {
            return;
        };
        let content = el.value();
        if content.trim().is_empty() {
            return;
        }
        el.set_value("");
        live.send(target, content);
    };
    view! {
        <form class="composer" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(); }>
            <label for=id class="sr-only">{move || label.get()}</label>
            <MentionTextarea id=id board_id node_ref=text maxlength=MESSAGE_MAX above=true placeholder
                on_enter=Callback::new(move |()| send())
                on_change=Callback::new(move |typing: bool| live.typing(target, typing))
                on_blur=Callback::new(move |()| live.typing(target, false)) />
            <button type="submit" class="btn btn-primary">{button}</button>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::typing_line;

    #[test]
    fn typing_lines() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(typing_line(&n(&[])), None);
        assert_eq!(typing_line(&n(&["Ada"])).unwrap(), "Ada is typing…");
        assert_eq!(
            typing_line(&n(&["Ada", "Bob"])).unwrap(),
            "Ada and Bob are typing…"
        );
        assert_eq!(
            typing_line(&n(&["Ada", "Bob", "Cy"])).unwrap(),
            "Several people are typing…"
        );
    }
}
