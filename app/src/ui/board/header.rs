//! The board's header: its name (renamed in place by the owner), its
//! archive (and, for owners, archiving the board itself; an archived board
//! is read-only, restored or deleted for good from here), the members with
//! their presence, and the button that shows the chat.

use leptos::prelude::*;
use leptos_router::components::A;

use super::extras::{on_request, Extra};
use super::shared::{use_board, use_board_ui, FailureNote, PaneTab};
use super::state::Spot;
use crate::api::boards::{delete_board, rename_board};
use crate::api::kanban::set_board_archived;
use crate::ui::common::{browser, char_len, Avatar, CharCount, If};
use crate::ui::live::Live;
use crate::validate::BOARD_NAME_MAX;

#[component]
pub fn BoardHeader() -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let live = expect_context::<Live>();
    let renaming = RwSignal::new(false);
    let name_input = NodeRef::<leptos::html::Input>::new();
    let name_len = RwSignal::new(0usize);
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = name_input.get() else {
            return;
        };
        let name = input.value();
        if char_len(name.trim()) > BOARD_NAME_MAX {
            return;
        }
        renaming.set(false);
        let board_id = state.id();
        state.send(
            Spot::Board,
            move || rename_board(board_id, name.clone()),
            |_| {},
        );
    };
    let start_renaming = move |_| {
        name_len.set(state.board.with_untracked(|b| char_len(&b.name)));
        renaming.set(true);
    };
    let archived = move || state.board.with(|b| b.archived_at.is_some());
    let set_archived = move |on: bool| {
        let board_id = state.id();
        state.change(
            Spot::Board,
            Some(move |b: &mut crate::model::BoardDetail| {
                b.archived_at = on.then(|| crate::ui::common::now_and_offset().0);
            }),
            move || set_board_archived(board_id, on),
            move |_| {
                ui.status.set(
                    if on {
                        "Board archived: it is read-only until restored"
                    } else {
                        "Board restored"
                    }
                    .into(),
                )
            },
        );
    };
    // Deleting for good: only an archived board, after asking here.
    let asking = RwSignal::new(false);
    let delete = move |_| {
        asking.set(false);
        let board_id = state.id();
        state.send(Spot::Board, move || delete_board(board_id), |_| {});
    };
    let showing_archive = RwSignal::new(false);
    let chat_unread = move || live.rooms.with(|r| r.iter().map(|r| r.unread).sum::<i64>());
    view! {
        <div class="board-head">
            <A href="/boards" attr:class="back-link">"← Boards"</A>
            <If
                when=move || renaming.get()
                fallback=move || view! {
                    <h1 class="board-title" dir="auto" title=move || state.board.with(|b| b.name.clone())>
                        {move || state.board.with(|b| b.name.clone())}
                    </h1>
                }
            >
                <form class="inline-form" on:submit=rename aria-label="Rename board">
                    <label for="board-name" class="sr-only">"Board name"</label>
                    <input id="board-name" node_ref=name_input type="text" required aria-describedby="board-name-count"
                        prop:value=move || state.board.with_untracked(|b| b.name.clone()) autofocus
                        on:input=move |ev| name_len.set(char_len(&event_target_value(&ev))) />
                    <CharCount len=name_len.into() max=BOARD_NAME_MAX id="board-name" />
                    <button type="submit" class="btn btn-primary btn-sm">"Save"</button>
                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| renaming.set(false)>"Cancel"</button>
                </form>
            </If>
            <If when=move || !renaming.get()>
                <div class="board-actions">
                    <If when=move || state.is_owner() && !archived()>
                        <button type="button" class="btn btn-ghost btn-sm" on:click=start_renaming>"Rename"</button>
                    </If>
                    <button type="button" class="btn btn-ghost btn-sm" id="open-archive" aria-haspopup="dialog"
                        on:click=move |_| showing_archive.set(true)>"Archive"</button>
                    <If when=move || state.is_owner() && !archived()>
                        <button type="button" class="btn btn-ghost btn-sm" id="archive-board"
                            on:click=move |_| set_archived(true)>"Archive board"</button>
                    </If>
                </div>
            </If>
            <span class="spacer"></span>
            <MemberStack />
            <button type="button" id="pane-toggle" class="btn btn-sm pane-toggle" aria-controls="board-pane"
                aria-expanded=move || ui.pane_visible().to_string()
                on:click=move |_| if ui.pane_visible() { ui.hide_pane() } else { ui.show_pane(PaneTab::Chat) }>
                "Chat"
                {move || (chat_unread() > 0).then(|| view! {
                    <span class="badge">{chat_unread()}<span class="sr-only">" unread"</span></span>
                })}
            </button>
            <FailureNote at=Spot::Board />
            <If when=archived>
                <div class="archived-banner" role="status">
                    <span>"This board is archived: it is read-only."</span>
                    <If when=move || state.is_owner()>
                        <button type="button" class="btn btn-sm" id="restore-board" on:click=move |_| set_archived(false)>"Restore board"</button>
                        <If when=move || asking.get()
                            fallback=move || view! {
                                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| {
                                    asking.set(true);
                                    browser::focus_soon("delete-board-confirm".into());
                                }>"Delete for good…"</button>
                            }>
                            <span class="confirm-inline" role="group" aria-label="Delete this board for good?">
                                <span class="small">"Its columns, cards, comments and chat go too. This cannot be undone."</span>
                                <button type="button" class="btn btn-danger btn-sm" id="delete-board-confirm" on:click=delete>"Delete board forever"</button>
                                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| asking.set(false)>"Cancel"</button>
                            </span>
                        </If>
                    </If>
                </div>
            </If>
            {move || showing_archive.get().then(|| view! {
                {on_request(Extra::Archive(Callback::new(move |()| showing_archive.set(false))))}
            })}
        </div>
    }
}

/// The board's people in the header (a few avatars with presence); a click
/// opens the Members tab.
#[component]
fn MemberStack() -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let live = expect_context::<Live>();
    const SHOWN: usize = 5;
    let members = move || state.board.with(|b| b.members.clone());
    let count = move || state.board.with(|b| b.members.len());
    view! {
        <button type="button" class="member-stack" on:click=move |_| ui.show_pane(PaneTab::Members)
            aria-label=move || format!("Members: {}", count())>
            <ul class="stack-list" aria-label="Board members">
                {move || members().into_iter().take(SHOWN).map(|m| {
                    let id = m.user.id;
                    let presence = move || live.presence(state.online, id);
                    view! {
                        <li class=move || format!("who-item {}", presence().class())>
                            <Avatar name=m.user.display_name.clone() small=true />
                            <span class="dot" aria-hidden="true"></span>
                            <span class="sr-only">{format!("{} (@{})", m.user.display_name, m.user.username)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || (count() > SHOWN).then(|| view! { <span class="stack-more">{format!("+{}", count() - SHOWN)}</span> })}
        </button>
    }
}
