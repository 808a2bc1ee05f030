//! One chat message and what can be done to it: its text (the server's
//! HTML), "(edited)" with its earlier versions, the "message deleted"
//! placeholder, reactions, and — on hover, or from its "Actions" button by
//! keyboard — the quick reactions, the picker, Edit (your own) and Delete
//! (yours; anyone's for the room's creator and board owners).
//!
//! Editing is in place: Enter saves, Esc cancels (and ↑ in the room's empty
//! composer edits your last message). An edit made on a version someone
//! changed meanwhile is refused: the newer text shows, what was typed stays.
//!
//! What only shows when asked for — the actions' toolbar, the editor, the
//! earlier versions, the picker — is a late piece (`ui::post_actions`): its
//! code is fetched once the board page is live, not with the room's.

use leptos::prelude::*;

use crate::api::chat::react_to_message;
use crate::model::Message;
use crate::ui::common::{ago, browser, clock, day, Avatar, If, LongText};
use crate::ui::live::Live;
use crate::ui::post_actions::{late_post_piece, Edited, MessageActions, PostPiece, RoomActions};
use crate::ui::reactions::{remember, ReactionChips};

/// One message. A message that continues its author's group shows no
/// avatar or name (screen readers still hear the name), only its time.
#[component]
pub(super) fn MessageItem(
    message: Message,
    continued: bool,
    me: Signal<Option<i64>>,
    /// Drawn in a replies pane: no "N replies" or "a reply" line (the pane
    /// is that conversation).
    #[prop(optional)]
    in_pane: bool,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let actions = expect_context::<RoomActions>();
    let me = me.get_untracked();
    let me_id = me.unwrap_or_default();
    let id = message.id;
    let mine = message.author.id == me_id;
    let deleted = message.deleted_at.is_some();
    let mentions_me = me.is_some_and(|me| message.mentions.iter().any(|u| u.id == me));
    let name = message.author.display_name.clone();
    let error = RwSignal::new(None::<String>);
    // The actions show on hover, or once asked for from the keyboard.
    let hovered = RwSignal::new(false);
    let asked = RwSignal::new(false);
    let picking = RwSignal::new(false);
    let history = RwSignal::new(false);
    let editing = move || actions.editing.get() == Some(id);
    let toggle = Callback::new(move |(emoji, add): (String, bool)| {
        leptos::task::spawn_local(async move {
            match react_to_message(id, emoji.clone(), add).await {
                Ok(now) => {
                    error.set(None);
                    if add {
                        remember(&emoji);
                    }
                    live.receive_message(now);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    });
    let my_reactions = StoredValue::new(
        message
            .reactions
            .iter()
            .filter(|r| r.user_ids.contains(&me_id))
            .map(|r| r.emoji.clone())
            .collect::<Vec<String>>(),
    );
    let edited = message.edited_at.filter(|_| !deleted);
    let show_actions = move || !deleted && !editing() && (hovered.get() || asked.get());
    let may_delete = Signal::derive(move || !deleted && (mine || actions.manages.get()));
    let time = clock(message.created_at);
    let for_edit = StoredValue::new(message.clone());
    // A message drawn anew (a reaction, an edit) under a pointer that has
    // not moved keeps its toolbar: no `mouseenter` comes for it.
    let item = NodeRef::<leptos::html::Li>::new();
    Effect::new(move |_| {
        if let Some(el) = item.get() {
            if el.matches(":hover").unwrap_or(false) {
                hovered.set(true);
            }
        }
    });
    view! {
        <li class="msg" class:msg-cont=continued class:msg-mentions-me=mentions_me class:deleted=deleted
            id=format!("message-{id}") data-id=id.to_string() node_ref=item
            on:mouseenter=move |_| hovered.set(true)
            on:mouseleave=move |_| { hovered.set(false); }
            on:focusout=move |ev: leptos::ev::FocusEvent| {
                // Leaving the message by keyboard hides what was asked for.
                if !browser::focus_stays_within(&ev) { asked.set(false); }
            }>
            {if continued {
                view! { <time class="msg-side-time muted" aria-hidden="true">{time.clone()}</time> }.into_any()
            } else {
                view! { <Avatar name=name.clone() /> }.into_any()
            }}
            <div class="msg-body">
                {if continued {
                    view! { <span class="sr-only">{format!("{name}, {time}:")}</span> }.into_any()
                } else {
                    view! {
                        <p class="msg-meta">
                            <strong dir="auto">{name.clone()}</strong>
                            <time class="muted">{time.clone()}</time>
                        </p>
                    }.into_any()
                }}
                {if deleted {
                    view! { <p class="msg-text muted"><em>"message deleted"</em></p> }.into_any()
                } else {
                    let html = message.html.clone();
                    let content = message.content.clone();
                    let reactions = message.reactions.clone();
                    view! {
                        <If when=editing fallback={
                            let (html, content) = (html.clone(), content.clone());
                            move || view! { <LongText html=html.clone() text=content.clone() me=me /> }
                        }>
                            {late_post_piece(PostPiece::EditMessage(for_edit, error))}
                        </If>
                        {edited.map(|at| view! {
                            <button type="button" class="edited-mark" title=format!("Edited {} {} — see earlier versions", day(at), clock(at))
                                aria-haspopup="dialog" on:click=move |_| history.set(true)>"(edited)"</button>
                        })}
                        <ReactionChips reactions=reactions me=me_id toggle />
                    }.into_any()
                }}
                {(!in_pane).then(|| replies_line(&message, live))}
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </div>
            <If when=move || !deleted && !editing()>
                <button type="button" class="msg-actions-toggle btn btn-ghost btn-xs" aria-expanded=move || show_actions().to_string()
                    title="Message actions" on:click=move |_| asked.update(|a| *a = !*a)>
                    <span aria-hidden="true">"⋯"</span><span class="sr-only">{format!("Actions for the message of {name} at {time}")}</span>
                </button>
            </If>
            <If when=show_actions>
                {late_post_piece(PostPiece::MessageActions(MessageActions {
                    id, mine, may_delete, mine_emoji: my_reactions, toggle, picking, asked, error,
                    reply_root: message.thread_root_id.unwrap_or(id),
                }))}
            </If>
            <If when=move || picking.get()>
                {late_post_piece(PostPiece::Picker(
                    Callback::new(move |emoji: String| { picking.set(false); toggle.run((emoji, true)); }),
                    Callback::new(move |()| picking.set(false)),
                ))}
            </If>
            <If when=move || history.get()>
                {late_post_piece(PostPiece::History(Edited::Message(id), Callback::new(move |()| history.set(false))))}
            </If>
        </li>
    }
}

/// Under a root: "N replies · last reply 5 min ago" with the latest
/// repliers, opening its pane; under a reply also sent to the room, the way
/// to the conversation it belongs to.
fn replies_line(message: &Message, live: Live) -> Option<AnyView> {
    if let Some(root) = message.thread_root_id {
        return Some(
            view! {
                <button type="button" class="reply-of" on:click=move |_| live.replies_open.set(Some(root))>
                    "↳ a reply — see the conversation"
                </button>
            }
            .into_any(),
        );
    }
    if message.reply_count == 0 {
        return None;
    }
    let id = message.id;
    let count = match message.reply_count {
        1 => "1 reply".to_string(),
        n => format!("{n} replies"),
    };
    let last = message
        .last_reply_at
        .map(|at| format!(" · last reply {}", ago(at).to_lowercase()))
        .unwrap_or_default();
    let avatars = message
        .repliers
        .iter()
        .map(|u| view! { <Avatar name=u.display_name.clone() small=true /> })
        .collect_view();
    Some(
        view! {
            <button type="button" class="replies-summary" aria-haspopup="dialog"
                on:click=move |_| live.replies_open.set(Some(id))>
                <span class="replies-avatars">{avatars}</span>
                <strong>{count}</strong>
                <span class="muted">{last}</span>
            </button>
        }
        .into_any(),
    )
}
