//! Replies: the pane of one root's replies over the open room (its own
//! composer, "also send to the room", Follow), and the Replies view that
//! lists the roots the user follows with their unread counts. With a
//! room's notification settings they are late code ([`conversation_piece`]
//! through `ui::pane_piece`): fetched once the board page is live, not with
//! the room's code, and no split point of their own (each cuts the code the
//! pages share into smaller chunks, compressed one by one).
//!
//! The pane reads the root's replies page once, then keeps up from the
//! room's live feed: replies are messages of the room's stream, so the open
//! room already receives them (and the root's new counts) in order.

use leptos::prelude::*;

use super::message::MessageItem;
use crate::api::chat::{follow_replies, list_followed_roots, mark_replies_read, reply_page};
use crate::model::{FollowedRoot, Message};
use crate::ui::board_context::use_board_context;
use crate::ui::common::{ago, browser, rows_of, If, List, Modal};
use crate::ui::composer::{typing_line, Composer, Replying, Unsent};
use crate::ui::live::{Live, Target};

/// What the conversation code draws.
#[derive(Clone, Copy)]
pub(crate) enum ConversationPiece {
    /// A root's replies over the room (whether the viewer may post there).
    Replies {
        room_id: i64,
        root_id: i64,
        may_post: bool,
    },
    /// The roots the user follows; closed.
    Followed(Callback<()>),
    /// The notification settings of a room, a board or a card.
    Notifications(crate::model::PrefScope, i64),
}

/// Draws a conversation piece (called from `ui::pane_piece`, whose chunk
/// holds this code).
pub(crate) fn conversation_piece(piece: ConversationPiece) -> AnyView {
    match piece {
        ConversationPiece::Replies {
            room_id,
            root_id,
            may_post,
        } => view! { <RepliesPane room_id root_id may_post /> }.into_any(),
        ConversationPiece::Followed(close) => view! { <RepliesView close /> }.into_any(),
        ConversationPiece::Notifications(scope, id) => {
            super::notify_settings::notify_settings(scope, id)
        }
    }
}

/// "3 replies", "1 reply".
pub(crate) fn replies_label(n: i64) -> String {
    match n {
        1 => "1 reply".to_string(),
        n => format!("{n} replies"),
    }
}

/// Keeps `list` in id order with each message once, a newer state (higher
/// `seq`) replacing an older one.
fn upsert(list: &mut Vec<Message>, message: Message) {
    match list.binary_search_by_key(&message.id, |m| m.id) {
        Ok(at) if list[at].seq < message.seq => list[at] = message,
        Ok(_) => {}
        Err(at) => list.insert(at, message),
    }
}

#[component]
fn RepliesPane(room_id: i64, root_id: i64, may_post: bool) -> impl IntoView {
    let live = expect_context::<Live>();
    let board_id = use_board_context().id;
    let root = RwSignal::new(None::<Message>);
    let replies = RwSignal::new(Vec::<Message>::new());
    let has_older = RwSignal::new(false);
    let following = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let also = RwSignal::new(false);
    let me = Signal::derive(move || live.me.with(|m| m.as_ref().map(|u| u.id)));
    let close = move || {
        live.replies_open.set(None);
        // Back to where the room is written in (or nothing, for a reader).
        browser::focus_soon("composer".into());
    };
    let load = move |before: Option<i64>| {
        leptos::task::spawn_local(async move {
            match reply_page(root_id, before, None).await {
                Ok(page) if page.root.room_id != room_id => live.replies_open.set(None),
                Ok(page) => {
                    error.set(None);
                    following.set(page.following);
                    has_older.set(page.has_older);
                    replies.update(|list| {
                        for m in page.messages {
                            upsert(list, m);
                        }
                    });
                    root.update(|r| match r {
                        Some(now) if now.seq >= page.root.seq => {}
                        _ => *r = Some(page.root),
                    });
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    load(None);
    // Live: the room's feed brings new replies, their edits and reactions,
    // and the root's own changes.
    Effect::new(move |_| {
        live.room.items.with(|items| {
            for m in items {
                if m.thread_root_id == Some(root_id) {
                    let m = m.clone();
                    replies.update(|list| upsert(list, m));
                } else if m.id == root_id {
                    let m = m.clone();
                    root.update(|r| match r {
                        Some(now) if now.seq >= m.seq => {}
                        _ => *r = Some(m),
                    });
                }
            }
        });
    });
    // Another tab followed, unfollowed or read these replies.
    Effect::new(move |_| {
        if let Some((id, _, now)) = live.replies_read.get() {
            if id == root_id {
                following.set(now);
            }
        }
    });
    // Shown is read: the newest reply of someone else moves the pointer.
    Effect::new(move |marked: Option<i64>| {
        let marked = marked.unwrap_or(0);
        let newest = replies.with(|list| {
            list.iter()
                .rev()
                .find(|m| Some(m.author.id) != me.get_untracked())
                .map(|m| m.id)
        });
        match newest {
            Some(id) if id > marked && !browser::tab_hidden() => {
                leptos::task::spawn_local(async move {
                    let _ = mark_replies_read(root_id, id).await;
                });
                id
            }
            _ => marked,
        }
    });
    // Opened to answer: the composer has the focus.
    if may_post {
        browser::focus_soon("reply-composer".into());
    }
    let toggle_follow = move |_| {
        let want = !following.get_untracked();
        leptos::task::spawn_local(async move {
            match follow_replies(root_id, want).await {
                Ok(now) => following.set(now.following),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let room_name = move || {
        live.rooms.with(|r| {
            r.iter()
                .find(|r| r.room.id == room_id)
                .map(|r| r.room.name.clone())
                .unwrap_or_default()
        })
    };
    // Who is typing a reply here (typing in the room shows in the room).
    let typing = move || {
        let names: Vec<String> = live.room.typing.with(|t| {
            t.iter()
                .filter(|h| h.root == Some(root_id))
                .map(|h| h.user.display_name.clone())
                .collect()
        });
        typing_line(&names)
    };
    let shown: Signal<Vec<Message>> = Memo::new(move |_| replies.get()).into();
    let count = move || root.with(|r| r.as_ref().map_or(0, |r| r.reply_count));
    view! {
        <section class="replies-pane" aria-labelledby="replies-title"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                // Esc closes the pane, unless a suggestion list or an
                // editor inside it takes the key first.
                if ev.key() == "Escape" && !ev.default_prevented() { close(); }
            }>
            <header class="replies-head">
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| close()
                    title="Back to the room (Esc)">
                    <span aria-hidden="true">"← "</span>{move || format!("#{}", room_name())}
                </button>
                <h3 id="replies-title">"Replies"</h3>
                <button type="button" class="btn btn-sm follow-toggle" aria-pressed=move || following.get().to_string()
                    title=move || if following.get() { "You hear about new replies — click to stop" } else { "Hear about new replies" }
                    on:click=toggle_follow>
                    {move || if following.get() { "Following" } else { "Follow" }}
                </button>
            </header>
            <div class="messages replies-scroll" role="log" tabindex="0" aria-label="Replies">
                <ol class="message-list">
                    {move || root.get().map(|message| view! { <MessageItem message continued=false me in_pane=true /> })}
                    <li class="replies-divider" aria-live="polite">{move || replies_label(count())}</li>
                    <If when=move || has_older.get()>
                        <li class="older">
                            <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| {
                                load(replies.with_untracked(|l| l.first().map(|m| m.id)));
                            }>"Load earlier replies"</button>
                        </li>
                    </If>
                    <List rows=move || rows_of(shown, |m| m.id, move |row| {
                        let message = Memo::new(move |_| row.get());
                        view! { {move || message.get().map(|message| view! { <MessageItem message continued=false me in_pane=true /> })} }
                    }) />
                    <Unsent target=Target::Room(room_id) root_id=root_id />
                </ol>
            </div>
            {move || error.get().map(|e| view! { <p class="field-error pad" role="alert">{e}</p> })}
            <p class="typing-line" aria-live="polite">{typing}</p>
            {may_post.then(|| view! {
                <label class="check also-to-room">
                    <input type="checkbox" prop:checked=move || also.get()
                        on:change=move |ev| also.set(event_target_checked(&ev)) />
                    {move || format!("Also send to #{}", room_name())}
                </label>
                <Composer target=Target::Room(room_id) board_id id="reply-composer" button="Reply"
                    label=Signal::derive(|| "Reply".to_string())
                    placeholder=Signal::derive(|| "Reply…".to_string())
                    replying=Replying { root_id, also_to_room: also } />
            })}
        </section>
    }
}

/// The roots I follow, newest replies first, with their unread counts; one
/// opens its room with the pane.
#[component]
fn RepliesView(close: Callback<()>) -> impl IntoView {
    let roots = RwSignal::new(None::<Result<Vec<FollowedRoot>, String>>);
    let more = RwSignal::new(false);
    let load = move |before: Option<i64>| {
        leptos::task::spawn_local(async move {
            match list_followed_roots(before).await {
                Ok(page) => {
                    more.set(page.has_more);
                    roots.update(|r| match r {
                        Some(Ok(list)) if before.is_some() => list.extend(page.roots),
                        _ => *r = Some(Ok(page.roots)),
                    });
                }
                Err(e) => roots.set(Some(Err(e.message()))),
            }
        });
    };
    load(None);
    view! {
        <Modal title="Replies".to_string() focus="replies-list" on_close=close>
            <p class="muted" id="replies-list" tabindex="-1">"Messages you follow, newest replies first."</p>
            {move || match roots.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="field-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted">"Nothing yet. You follow a message when you write it and someone replies, when you reply, or when a reply mentions you."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="followed-list">
                        {list.into_iter().map(|item| {
                            // The board page opens the room and the pane
                            // from these (on this board or another).
                            let href = format!("/boards/{}?room={}&replies={}", item.board_id, item.root.room_id, item.root.id);
                            let deleted = item.root.deleted_at.is_some();
                            let text = one_line(&item.root.content);
                            let label = format!("#{} · {} · {}", item.room_name, item.root.author.display_name,
                                replies_label(item.root.reply_count));
                            let last = item.root.last_reply_at.map(ago).unwrap_or_default();
                            let unread = item.unread;
                            view! {
                                <li>
                                    <a class="followed" href=href on:click=move |_| close.run(())>
                                        <span class="followed-where muted small">{label}</span>
                                        {if deleted {
                                            view! { <em class="muted">"message deleted"</em> }.into_any()
                                        } else {
                                            view! { <span class="followed-text" dir="auto">{text}</span> }.into_any()
                                        }}
                                        <span class="followed-when muted small">{format!("last reply {}", last.to_lowercase())}</span>
                                        {(unread > 0).then(|| view! {
                                            <span class="badge" title=format!("{unread} unread")>{unread}<span class="sr-only">" unread"</span></span>
                                        })}
                                    </a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <If when=move || more.get()>
                        <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| {
                            let last = roots.with_untracked(|r| match r {
                                Some(Ok(list)) => list.last().map(|i| i.root.id),
                                _ => None,
                            });
                            load(last);
                        }>"Show more"</button>
                    </If>
                }.into_any(),
            }}
        </Modal>
    }
}

/// The start of a text on one line (the list shows the source, like the
/// bell's snippets: no HTML of it is built here).
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= 140 {
        flat
    } else {
        let cut: String = flat.chars().take(139).collect();
        format!("{}…", cut.trim_end())
    }
}
