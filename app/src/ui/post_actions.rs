//! What a message (or comment) shows only when asked for: the actions'
//! toolbar (quick reactions, the picker, Edit, Delete), the editor, the
//! earlier versions and the emoji picker. A late piece: its code comes with
//! `ui::pane_piece` (one split point for every late piece), fetched once the
//! board page is live; the room's own chunk only draws messages and their
//! reactions.

use leptos::prelude::*;

use crate::api::chat::{delete_message, edit_message, message_revisions};
use crate::api::comments::{comment_revisions, react_to_comment};
use crate::error::Current;
use crate::model::{Message, Reaction, Revisions};
use crate::ui::board_context::use_board_context;
use crate::ui::common::{browser, clock, day, If, Loading, LongText, Modal};
use crate::ui::emoji_picker::EmojiPicker;
use crate::ui::live::Live;
use crate::ui::mention_input::MentionTextarea;
use crate::ui::reactions::{remember, Acknowledged, QuickReactions, ReactionChips};
use crate::validate::MESSAGE_MAX;

/// What the open room shares with its messages.
#[derive(Clone, Copy)]
pub(crate) struct RoomActions {
    /// The message being edited here, if any.
    pub editing: RwSignal<Option<i64>>,
    /// Whether the viewer deletes anyone's messages (the room's creator, a
    /// board owner).
    pub manages: Signal<bool>,
    /// The room's composer's id (focus goes back there).
    pub composer: &'static str,
}

/// A message's actions, as its item hands them over.
#[derive(Clone, Copy)]
pub(crate) struct MessageActions {
    pub id: i64,
    pub mine: bool,
    pub may_delete: Signal<bool>,
    /// The emoji I reacted with already.
    pub mine_emoji: StoredValue<Vec<String>>,
    pub toggle: Callback<(String, bool)>,
    /// Set to open the picker.
    pub picking: RwSignal<bool>,
    /// Set while the keyboard asked for the toolbar (cleared on Edit).
    pub asked: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    /// The root whose replies "Reply" opens: the message's own id, or its
    /// root's when it is a reply itself (replies are one level deep).
    pub reply_root: i64,
}

/// What was edited: a chat message or a task comment, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Edited {
    Message(i64),
    Comment(i64),
}

/// A late piece of a message or comment.
#[derive(Clone, Copy)]
pub(crate) enum PostPiece {
    MessageActions(MessageActions),
    EditMessage(StoredValue<Message>, RwSignal<Option<String>>),
    /// A message's or comment's earlier versions; closed.
    History(Edited, Callback<()>),
    /// The emoji picker: what was picked, or closed.
    Picker(Callback<String>, Callback<()>),
    /// A task comment's reactions: the comment, its reactions, the viewer,
    /// where errors go.
    CommentReactions(
        i64,
        StoredValue<Vec<Reaction>>,
        i64,
        RwSignal<Option<String>>,
    ),
}

/// Shows a late piece (its code fetched now, if the page has not yet).
pub(crate) fn late_post_piece(piece: PostPiece) -> impl IntoView {
    view! { <Loading>{Suspend::new(crate::ui::pane_piece(crate::ui::PanePiece::Post(piece)))}</Loading> }
}

/// Renders `piece` (called from `ui::pane_piece`, whose chunk holds this code).
pub(crate) fn post_piece(piece: PostPiece) -> AnyView {
    match piece {
        PostPiece::MessageActions(actions) => view! { <MessageToolbar actions /> }.into_any(),
        PostPiece::EditMessage(message, error) => {
            view! { <EditMessage message error /> }.into_any()
        }
        PostPiece::History(of, on_close) => view! { <EditHistory of on_close /> }.into_any(),
        PostPiece::Picker(pick, close) => view! { <EmojiPicker pick close /> }.into_any(),
        PostPiece::CommentReactions(id, reactions, viewer, error) => {
            view! { <CommentReactions id reactions=reactions.get_value() viewer error /> }
                .into_any()
        }
    }
}

/// A task comment's reactions: the chips, the quick bar (on hover and by
/// keyboard), the picker, and ✅ read as "acknowledged by 3 of 5 members".
#[component]
fn CommentReactions(
    id: i64,
    reactions: Vec<Reaction>,
    viewer: i64,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let picking = RwSignal::new(false);
    let toggle = Callback::new(move |(emoji, add): (String, bool)| {
        leptos::task::spawn_local(async move {
            match react_to_comment(id, emoji.clone(), add).await {
                Ok(now) => {
                    error.set(None);
                    if add {
                        remember(&emoji);
                    }
                    live.receive_comment(now);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    });
    let mine: Vec<String> = reactions
        .iter()
        .filter(|r| r.user_ids.contains(&viewer))
        .map(|r| r.emoji.clone())
        .collect();
    view! {
        <div class="comment-reactions">
            <ReactionChips reactions=reactions.clone() me=viewer toggle />
            <QuickReactions mine toggle more=Callback::new(move |()| picking.set(true)) />
        </div>
        <Acknowledged reactions />
        <If when=move || picking.get()>
            <EmojiPicker pick=Callback::new(move |emoji: String| { picking.set(false); toggle.run((emoji, true)); })
                close=Callback::new(move |()| picking.set(false)) />
        </If>
    }
}

/// Quick reactions, the picker, Edit (your own), Delete.
#[component]
fn MessageToolbar(actions: MessageActions) -> impl IntoView {
    let live = expect_context::<Live>();
    let room = expect_context::<RoomActions>();
    let MessageActions {
        id,
        mine,
        may_delete,
        mine_emoji,
        toggle,
        picking,
        asked,
        error,
        reply_root,
    } = actions;
    let delete = move |_| {
        if !browser::confirm(
            "Delete this message? It is replaced by “message deleted” for everyone.",
        ) {
            return;
        }
        leptos::task::spawn_local(async move {
            match delete_message(id).await {
                Ok(gone) => {
                    error.set(None);
                    live.receive_message(gone);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <div class="msg-actions" role="toolbar" aria-label="Message actions">
            <QuickReactions mine=mine_emoji.get_value() toggle more=Callback::new(move |()| picking.set(true)) />
            <button type="button" class="btn btn-ghost btn-xs" on:click=move |_| {
                asked.set(false);
                live.replies_open.set(Some(reply_root));
            }>"Reply"</button>
            <If when=move || mine>
                <button type="button" class="btn btn-ghost btn-xs" on:click=move |_| {
                    room.editing.set(Some(id));
                    asked.set(false);
                }>"Edit"</button>
            </If>
            <If when=move || may_delete.get()>
                <button type="button" class="btn btn-ghost btn-xs" on:click=delete>"Delete"</button>
            </If>
        </div>
    }
}

/// Editing a message in place.
#[component]
fn EditMessage(message: StoredValue<Message>, error: RwSignal<Option<String>>) -> impl IntoView {
    let message = message.get_value();
    let live = expect_context::<Live>();
    let actions = expect_context::<RoomActions>();
    let board_id = use_board_context().id;
    let field = NodeRef::<leptos::html::Textarea>::new();
    let (id, version) = (message.id, message.version);
    let field_id = format!("message-{id}-edit");
    browser::focus_soon(field_id.clone());
    let done = move || {
        actions.editing.set(None);
        browser::focus_soon(actions.composer.to_string());
    };
    let save = move || {
        let Some(el) = field.get_untracked() else {
            return;
        };
        let content = el.value();
        leptos::task::spawn_local(async move {
            match edit_message(id, content, Some(version)).await {
                Ok(now) => {
                    error.set(None);
                    live.receive_message(now);
                    done();
                }
                Err(e) => {
                    // Changed meanwhile: the newer text shows above the
                    // editor, which keeps what was typed.
                    if let Some(Current::ChatMessage(now)) = e.current() {
                        live.receive_message(now.clone());
                    }
                    error.set(Some(e.message()));
                }
            }
        });
    };
    view! {
        <form class="stack edit-message" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(); }
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" {
                ev.prevent_default();
                ev.stop_propagation();
                error.set(None);
                done();
            }>
            <label for=field_id.clone() class="sr-only">"Edit message"</label>
            <MentionTextarea id=field_id.clone() board_id node_ref=field initial=message.content.clone()
                maxlength=MESSAGE_MAX placeholder=Signal::derive(String::new)
                on_enter=Callback::new(move |()| save()) />
            <p class="inline-form small muted">
                <button type="submit" class="btn btn-primary btn-sm">"Save"</button>
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| { error.set(None); done(); }>"Cancel"</button>
                "Enter saves · Esc cancels"
            </p>
        </form>
    }
}

/// A message's or comment's earlier versions, oldest first, then the
/// current one.
#[component]
fn EditHistory(of: Edited, on_close: Callback<()>) -> impl IntoView {
    let versions = crate::ui::json::resource(
        move || of,
        |of| async move {
            match of {
                Edited::Message(id) => message_revisions(id).await,
                Edited::Comment(id) => comment_revisions(id).await,
            }
        },
    );
    let anchor = match of {
        Edited::Message(id) => format!("message-{id}-history"),
        Edited::Comment(id) => format!("comment-{id}-history"),
    };
    view! {
        <Modal title="Edit history" focus=anchor.clone() on_close>
            <div id=anchor.clone() tabindex="-1" class="stack">
                <Loading>
                    {move || Suspend::new(async move {
                        versions.await.map(|r: Revisions| {
                            let current = r.current.clone();
                            view! {
                                <ol class="revisions">
                                    {r.revisions.into_iter().map(|v| view! {
                                        <li>
                                            <p class="muted small">{format!("Version {} · {} {}", v.version, day(v.written_at), clock(v.written_at))}</p>
                                            <LongText html=v.html text=v.content />
                                        </li>
                                    }).collect_view()}
                                    <li class="current">
                                        <p class="muted small">{format!("Now (version {}) · {} {}", current.version, day(current.written_at), clock(current.written_at))}</p>
                                        <LongText html=current.html text=current.content />
                                    </li>
                                </ol>
                            }
                        })
                    })}
                </Loading>
            </div>
        </Modal>
    }
}
