//! The board's header: its name (renamed in place by the owner), delete,
//! the members with their presence, and the button that shows the chat.

use leptos::prelude::*;
use leptos_router::components::A;

use super::shared::{use_board, use_board_ui, FailureNote, PaneTab};
use super::state::Spot;
use crate::api::boards::{delete_board, rename_board};
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
    let delete = move |_| {
        let name = state.board.with_untracked(|b| b.name.clone());
        if browser::confirm(&format!(
            "Delete the board “{name}” with all its columns and tasks? This cannot be undone."
        )) {
            let board_id = state.id();
            state.send(Spot::Board, move || delete_board(board_id), |_| {});
        }
    };
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
            <If when=move || state.is_owner() && !renaming.get()>
                <div class="board-actions">
                    <button type="button" class="btn btn-ghost btn-sm" on:click=start_renaming>"Rename"</button>
                    <button type="button" class="btn btn-danger btn-sm" on:click=delete>"Delete board"</button>
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
