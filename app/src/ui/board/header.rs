//! The board's header: its name (renamed in place by the owner), the
//! button to its archive (where owners also archive, restore or delete the
//! board itself; an archived board is read-only and says so here), the
//! members with their presence, and the button that shows the chat.

use leptos::prelude::*;
use leptos_router::components::A;

use super::extras::{on_request, Extra};
use super::shared::{use_board, use_board_ui, FailureNote, PaneTab};
use super::state::Spot;
use crate::ui::common::{Avatar, If};
use crate::ui::live::Live;

#[component]
pub fn BoardHeader() -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let live = expect_context::<Live>();
    let renaming = RwSignal::new(false);
    let start_renaming = move |_| renaming.set(true);
    let archived = move || state.board.with(|b| b.archived_at.is_some());
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
                {on_request(Extra::BoardRename(renaming))}
            </If>
            <If when=move || !renaming.get()>
                <div class="board-actions">
                    <If when=move || state.is_owner() && !archived()>
                        <button type="button" class="btn btn-ghost btn-sm" on:click=start_renaming>"Rename"</button>
                    </If>
                    <button type="button" class="btn btn-ghost btn-sm" id="open-archive" aria-haspopup="dialog"
                        on:click=move |_| showing_archive.set(true)>"Archive"</button>
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
                        <button type="button" class="btn btn-sm" id="archived-options" aria-haspopup="dialog"
                            on:click=move |_| showing_archive.set(true)>"Restore or delete…"</button>
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
