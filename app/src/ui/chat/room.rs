//! The open room: its messages (grouped by author, with day separators
//! and the "new messages" line), older history as you scroll up, who is
//! here, typing, and the composer.

use leptos::prelude::*;

use super::message::MessageItem;
use super::replies::ConversationPiece;
use super::rooms::RoomMembers;
use crate::api::chat::{get_room, join_room};
use crate::model::{Message, RoomDetail};
use crate::ui::board_context::use_board_context;
use crate::ui::common::{browser, day, rows_of, Avatar, If, List, Loading, Modal};
use crate::ui::composer::{typing_line, Composer, Unsent};
use crate::ui::live::{Live, Target};
use crate::ui::post_actions::RoomActions;

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
    // Replies not also sent to the room live in their root's pane.
    for m in list.iter().filter(|m| m.in_room()) {
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

/// What the foot of an open room shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoomFoot {
    Archived,
    /// A direct message whose people no longer all share a board.
    ReadOnly,
    Preview,
    Composer,
}

/// The open room's code (messages, composer, settings) is a WASM chunk of its
/// own in a split build: fetched when a room first opens, which is after the
/// board has hydrated (the server renders no open room).
#[lazy]
pub(crate) fn room_view(room_id: i64) -> AnyView {
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
    let detail = crate::ui::json::resource(move || room_id, get_room);
    let managing = RwSignal::new(false);
    let replies_list = RwSignal::new(false);
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
    // The room was drawn while hidden (a closed pane: nothing to scroll),
    // or its box changed size (the pane opened, the window turned): a
    // reader following the newest stays there.
    browser::on_resize(scroller, move || {
        if stick.get_value() {
            to_bottom();
        }
    });
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
                list.iter()
                    .rev()
                    .take_while(|m| m.id > prev)
                    .filter(|m| m.in_room())
                    .fold((0usize, false), |(n, mine), m| {
                        if Some(m.author.id) == me {
                            (n, true)
                        } else {
                            (n + 1, mine)
                        }
                    })
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
    // Who is typing in the room (replies' typing shows in their pane).
    let typing = move || {
        let names: Vec<String> = live.room.typing.with(|t| {
            t.iter()
                .filter(|h| h.root.is_none())
                .map(|h| h.user.display_name.clone())
                .collect()
        });
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
    let summary = move || {
        live.rooms
            .with(|r| r.iter().find(|r| r.room.id == room_id).cloned())
    };
    let description = move || summary().map(|r| r.room.description).unwrap_or_default();
    // A direct message is named by its people, a room with its '#'.
    let direct = move || summary().is_some_and(|r| r.room.is_direct());
    let title = move || {
        if direct() {
            room_name()
        } else {
            format!("#{}", room_name())
        }
    };
    // What the foot of the room shows, as a Memo: the room list changes on
    // every message (unread counts, read pointers), and a plain closure
    // would draw the composer again each time, dropping what is being typed
    // and the focus. Read before joining (a public room): a bar to join.
    let foot = Memo::new(move |_| {
        if archived() {
            RoomFoot::Archived
        } else if summary().is_some_and(|r| r.read_only) {
            RoomFoot::ReadOnly
        } else if summary().is_some_and(|r| !r.member) {
            RoomFoot::Preview
        } else {
            RoomFoot::Composer
        }
    });
    let join_error = RwSignal::new(None::<String>);
    let join = move |_| {
        leptos::task::spawn_local(async move {
            match join_room(room_id).await {
                Ok(joined) => {
                    join_error.set(None);
                    live.rooms.update(|rooms| {
                        if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                            *r = joined;
                        }
                    });
                    detail.refetch();
                    live.mark_read_now();
                }
                Err(e) => join_error.set(Some(e.message())),
            }
        });
    };
    // Mentioning a board member who is not in the room: the composer asks.
    // (Set where the head awaits the room's details, inside a Transition:
    // a read of the resource out here would make the chat's Suspense show
    // its fallback on every refetch, taking the open dialog's focus away.)
    let room_members = RwSignal::new(None::<Vec<i64>>);
    let outside = Callback::new(move |user_id: i64| {
        room_members.with(|m| m.as_ref().is_some_and(|m| !m.contains(&user_id)))
    });
    // Whom @room, @board and @here call here (the composer asks before
    // calling many).
    let board_ctx = use_board_context();
    let group = Callback::new(move |name: &'static str| -> Vec<i64> {
        let in_room = room_members.get_untracked().unwrap_or_default();
        match name {
            "here" => live
                .online
                .get_untracked()
                .into_iter()
                .filter(|id| in_room.contains(id))
                .collect(),
            "board" if !summary().is_some_and(|r| r.room.is_private) => board_ctx
                .members
                .with_untracked(|m| m.iter().map(|m| m.user.id).collect()),
            _ => in_room,
        }
    });
    let shown: Signal<Vec<_>> = Memo::new(move |_| {
        let marker = live.read_marker.get();
        let me = live.me.with(|m| m.as_ref().map(|u| u.id));
        live.room.items.with(|list| rows(list, marker, me))
    })
    .into();
    let me = Signal::derive(move || live.me.with(|m| m.as_ref().map(|u| u.id)));
    let board = use_board_context();
    let actions = RoomActions {
        editing: RwSignal::new(None),
        manages: Signal::derive(move || {
            board.is_owner() || summary().is_some_and(|r| r.room.created_by == board.viewer_id)
        }),
        composer: "composer",
    };
    provide_context(actions);
    // ↑ in the empty composer: edit my last message still there.
    let edit_last = Callback::new(move |()| {
        let last = live.room.items.with_untracked(|list| {
            list.iter()
                .rev()
                .find(|m| m.author.id == board.viewer_id && m.deleted_at.is_none())
                .map(|m| m.id)
        });
        if let Some(id) = last {
            actions.editing.set(Some(id));
            browser::reveal_when_ready(format!("message-{id}"), || {});
        }
    });
    // The replies pane covers the room while open (the panel is narrow);
    // closing it gives the room back as it was.
    let replies = live.replies_open;
    view! {
        <div class="room-box">
        <div class="room" inert=move || replies.get().is_some()>
            <div class="room-head">
                <h3 dir="auto">{title}</h3>
                {move || (!description().is_empty()).then(|| view! {
                    <p class="room-description muted" dir="auto" title=description>{description}</p>
                })}
                <Transition>
                    {move || Suspend::new(async move {
                        detail.await.ok().map(|d: RoomDetail| {
                            room_members.set(Some(d.members.iter().map(|u| u.id).collect()));
                            view! { <WhoIsHere members=d.members /> }
                        })
                    })}
                </Transition>
                <button type="button" class="btn btn-ghost btn-sm" aria-haspopup="dialog"
                    on:click=move |_| managing.set(true)>"Members"</button>
                // The roots I follow, across boards (in the room's head: the
                // chat's own head row is full at the pane's width).
                <button type="button" class="btn btn-ghost btn-sm" aria-haspopup="dialog"
                    title="Messages you follow" on:click=move |_| replies_list.set(true)>"Replies"</button>
            </div>
            <If when=move || replies_list.get()>
                <Loading fallback=|| ()>
                    {Suspend::new(crate::ui::pane_piece(crate::ui::PanePiece::Conversation(
                        ConversationPiece::Followed(Callback::new(move |()| replies_list.set(false))),
                    )))}
                </Loading>
            </If>
            <If when=move || managing.get()>
                <Modal title=format!("{} — members and settings", untrack(title)) focus="room-members"
                    on_close=Callback::new(move |()| managing.set(false))>
                    <RoomMembers room_id detail />
                </Modal>
            </If>
            <div class="messages-wrap">
                <div class="messages" role="log" tabindex="0" aria-label=move || format!("Messages in {}", title())
                    node_ref=scroller on:scroll=on_scroll>
                    <ol class="message-list">
                        <If when=move || !live.room.has_older.get() && live.room.loaded()>
                            <li class="room-start">
                                <p><strong>{move || format!("This is the start of {}", title())}</strong></p>
                                {move || (!description().is_empty()).then(|| view! { <p class="muted" dir="auto">{description}</p> })}
                            </li>
                        </If>
                        <If when=move || live.room.has_older.get()>
                            <li class="older">
                                {move || if live.room.older_loading.get() {
                                    view! { <span class="muted small">"Loading older messages…"</span> }.into_any()
                                } else {
                                    view! { <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| load_older()>"Load older messages"</button> }.into_any()
                                }}
                            </li>
                        </If>
                        <List rows=move || rows_of(shown, |r| r.message.id, move |row| {
                            // Drawn again only when its message or grouping changes.
                            let shown = Memo::new(move |_| row.with(|r| Some((r.message.clone(), r.continued))));
                            view! {
                                {move || row.with(|r| r.day.clone()).map(|d| view! { <li class="day">{d}</li> })}
                                {move || row.with(|r| r.new_marker).then(|| view! { <li class="new-marker">"New messages"</li> })}
                                {move || shown.get().map(|(message, continued)| view! { <MessageItem message continued me /> })}
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
            {move || match foot.get() {
                RoomFoot::Archived => view! { <p class="muted pad">"This room is archived: read-only."</p> }.into_any(),
                RoomFoot::ReadOnly => view! {
                    <p class="muted pad">"You no longer share a board with everyone here: this conversation is read-only."</p>
                }.into_any(),
                RoomFoot::Preview => view! {
                    <div class="preview-bar" role="region" aria-label="Not joined">
                        <p>{move || format!("You are reading #{} without being in it.", room_name())}</p>
                        <button type="button" class="btn btn-primary btn-sm" on:click=join>
                            {move || format!("Join #{}", room_name())}
                        </button>
                        {move || join_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    </div>
                }.into_any(),
                RoomFoot::Composer => view! {
                    <Composer target=Target::Room(room_id) board_id id="composer" button="Send"
                        label=Signal::derive(move || format!("Message {}", title()))
                        placeholder=Signal::derive(move || format!("Message {}", title()))
                        outside group on_up_empty=edit_last
                        on_added=Callback::new(move |()| detail.refetch()) />
                }.into_any(),
            }}
        </div>
        {move || replies.get().map(|root_id| view! {
            <Loading fallback=|| view! { <p class="muted pad replies-pane">"Opening the replies…"</p> }>
                {Suspend::new(crate::ui::pane_piece(crate::ui::PanePiece::Conversation(
                    ConversationPiece::Replies {
                        room_id,
                        root_id,
                        may_post: foot.get_untracked() == RoomFoot::Composer,
                    },
                )))}
            </Loading>
        })}
        </div>
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
            html: String::new(),
            created_at: at,
            edited_at: None,
            deleted_at: None,
            version: 1,
            mentions: vec![],
            reactions: vec![],
            seq: id,
            client_id: None,
            thread_root_id: None,
            also_to_room: false,
            reply_count: 0,
            last_reply_at: None,
            repliers: vec![],
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
