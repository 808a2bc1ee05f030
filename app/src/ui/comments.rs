//! A task's comment thread (the Comments tab of the task dialog): history,
//! live updates, edit/delete, typing hints and a composer with @mention
//! autocomplete. Live state comes from [`Live`]'s thread section.

use leptos::prelude::*;

use super::common::{browser, clock, day, rows_of, Avatar, If, List, LongText};
use super::composer::{typing_line, Composer, Unsent};
use super::live::{Live, Target};
use super::mention_input::MentionTextarea;
use super::post_actions::{late_post_piece, Edited, PostPiece};
use crate::api::comments::{delete_comment, edit_comment};
use crate::model::Comment;
use crate::validate::MESSAGE_MAX;

#[component]
pub fn CommentThread(
    task_id: i64,
    board_id: i64,
    viewer_id: i64,
    /// The viewer owns the board (may delete any comment).
    is_owner: Signal<bool>,
) -> impl IntoView {
    let live = expect_context::<Live>();
    // Follow the thread while it is shown (effects run only in the browser).
    Effect::new(move |opened: Option<()>| {
        if opened.is_none() {
            live.open_thread(task_id);
        }
    });
    on_cleanup(move || live.close_thread(task_id));
    // A notification's link: scroll to its comment once it is shown.
    Effect::new(move |_| {
        let Some(target) = live.thread.focus.get() else {
            return;
        };
        if live.thread.items.with(|c| c.iter().any(|c| c.id == target)) {
            live.thread.focus.set(None);
            browser::reveal_when_ready(format!("comment-{target}"), || {});
        }
    });
    let error = RwSignal::new(None::<String>);
    let typing = move || {
        let names: Vec<String> = live
            .thread
            .typing
            .with(|t| t.iter().map(|h| h.user.display_name.clone()).collect());
        typing_line(&names)
    };
    let empty = move || live.thread.items.with(Vec::is_empty) && !live.thread.has_older.get();
    // Made once: a signal made inside the list's closure would be disposed
    // when the list is computed again, while its rows still read it.
    let comments: Signal<Vec<_>> = live.thread.items.into();
    view! {
        <section class="thread" aria-label="Comments">
            <If when=move || live.thread.has_older.get()>
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| live.load_older_comments()>
                    "Load older comments"
                </button>
            </If>
            <div class="comments" role="log" tabindex="0" aria-label="Comments on this task">
                <ol class="comment-list">
                    <List rows=move || rows_of(comments, |c| c.id, move |comment| {
                        // Drawn again for each new state of the comment (edited, deleted).
                        let current = Memo::new(move |_| comment.get());
                        move || current.get().map(|comment| view! { <CommentItem comment viewer_id is_owner board_id error /> })
                    }) />
                    <Unsent target=Target::Task(task_id) />
                </ol>
            </div>
            <If when=empty>
                <p class="muted">"No comments yet. Start the discussion — type @ to mention someone."</p>
            </If>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <p class="typing-line" aria-live="polite">{typing}</p>
            <Composer target=Target::Task(task_id) board_id id="comment-composer" button="Comment"
                label="Write a comment".to_string()
                placeholder="Write a comment… (@ to mention)".to_string() />
        </section>
    }
    .into_any()
}

#[component]
fn CommentItem(
    comment: Comment,
    viewer_id: i64,
    is_owner: Signal<bool>,
    board_id: i64,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let editing = RwSignal::new(false);
    let history = RwSignal::new(false);
    let id = comment.id;
    let mine = comment.author.id == viewer_id;
    let deleted = comment.deleted_at.is_some();
    let mentions_me = comment.mentions.iter().any(|u| u.id == viewer_id);
    let may_delete = move || !deleted && (mine || is_owner.get());
    let version = comment.version;
    let reactions = comment.reactions.clone();
    let edit_ref = NodeRef::<leptos::html::Textarea>::new();
    let save = move || {
        let Some(el) = edit_ref.get_untracked() else {
            return;
        };
        let content = el.value();
        leptos::task::spawn_local(async move {
            match edit_comment(id, content, Some(version)).await {
                Ok(updated) => {
                    error.set(None);
                    editing.set(false);
                    live.receive_comment(updated);
                }
                Err(e) => {
                    // Changed meanwhile: the newer text shows, the editor
                    // keeps what was typed.
                    if let Some(crate::error::Current::Comment(now)) = e.current() {
                        live.receive_comment(now.clone());
                    }
                    error.set(Some(e.message()));
                }
            }
        });
    };
    let delete = move |_| {
        if !browser::confirm("Delete this comment?") {
            return;
        }
        leptos::task::spawn_local(async move {
            match delete_comment(id).await {
                Ok(gone) => {
                    error.set(None);
                    live.receive_comment(gone);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let when = format!("{} {}", day(comment.created_at), clock(comment.created_at));
    let content = comment.content.clone();
    let html = comment.html.clone();
    let edit_id = format!("comment-{id}-edit");
    view! {
        <li class="comment msg" class:msg-mentions-me=mentions_me class:deleted=deleted id=format!("comment-{id}")>
            <Avatar name=comment.author.display_name.clone() />
            <div class="msg-body">
                <p class="msg-meta">
                    <strong dir="auto">{comment.author.display_name.clone()}</strong>
                    <time class="muted" title=when>{clock(comment.created_at)}</time>
                    {comment.edited_at.filter(|_| !deleted).map(|at| view! {
                        <button type="button" class="edited-mark" title=format!("Edited {} {} — see earlier versions", day(at), clock(at))
                            aria-haspopup="dialog" on:click=move |_| history.set(true)>"(edited)"</button>
                    })}
                    <span class="spacer"></span>
                    <If when=move || mine && !deleted && !editing.get()>
                        <button type="button" class="btn btn-ghost btn-xs" on:click=move |_| {
                            editing.set(true);
                            browser::focus_soon(format!("comment-{id}-edit"));
                        }>"Edit"</button>
                    </If>
                    <If when=may_delete>
                        <button type="button" class="btn btn-ghost btn-xs" on:click=delete>"Delete"</button>
                    </If>
                </p>
                {if deleted {
                    view! { <p class="msg-text muted"><em>"comment deleted"</em></p> }.into_any()
                } else {
                    let content = content.clone();
                    let edit_id = edit_id.clone();
                    view! {
                        <If when=move || editing.get()
                            fallback={
                                let content = content.clone();
                                let html = html.clone();
                                move || view! { <LongText html=html.clone() text=content.clone() me=Some(viewer_id) /> }
                            }>
                            <form class="stack edit-comment" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(); }>
                                <label for=edit_id.clone() class="sr-only">"Edit comment"</label>
                                <MentionTextarea id=edit_id.clone() board_id node_ref=edit_ref initial=content.clone()
                                    maxlength=MESSAGE_MAX placeholder=Signal::derive(String::new)
                                    on_enter=Callback::new(move |()| save()) />
                                <div class="inline-form">
                                    <button type="submit" class="btn btn-primary btn-sm">"Save"</button>
                                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| editing.set(false)>"Cancel"</button>
                                </div>
                            </form>
                        </If>
                        // Reactions, the quick bar and ✅ as acknowledgement:
                        // a late piece (their code comes after the page is live).
                        {late_post_piece(PostPiece::CommentReactions(id, StoredValue::new(reactions.clone()), viewer_id, error))}
                    }.into_any()
                }}
                <If when=move || history.get()>
                    {late_post_piece(PostPiece::History(Edited::Comment(id), Callback::new(move |()| history.set(false))))}
                </If>
            </div>
        </li>
    }
    .into_any()
}
