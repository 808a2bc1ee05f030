//! The Members tab: who is on the board and whether they are here; the
//! owner adds and removes people, anyone else may leave.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::invites::invites_view;
use super::shared::{clear_if_unchanged, use_board, use_board_ui, FailureNote};
use super::state::Spot;
use crate::api::boards::{add_member, remove_member, set_member_role, suggest_members};
use crate::model::{Member, Role};
use crate::ui::common::{browser, rows_of, Avatar, If, Item, List};
use crate::ui::live::Live;

/// The Members tab: its code comes with the pane's other late pieces
/// (`ui::pane_piece`), fetched when the tab is first shown.
pub fn members_view() -> AnyView {
    view! { <MembersPanel /> }.into_any()
}

#[component]
fn MembersPanel() -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let input = NodeRef::<leptos::html::Input>::new();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = input.get() else { return };
        let username = el.value();
        if username.trim().is_empty() {
            return;
        }
        let board_id = state.id();
        let sent = username.clone();
        state.send(
            Spot::Members,
            move || add_member(board_id, username.clone()),
            move |m| {
                clear_if_unchanged(input, &sent, None);
                ui.status
                    .set(format!("Added {} to the board", m.user.display_name));
            },
        );
    };
    let members = crate::ui::board_context::use_board_context().members;
    // Who to add: people from the owner's other boards, by name.
    let suggestions = RwSignal::new(Vec::<crate::model::User>::new());
    let asked = StoredValue::new(0u32);
    let suggest = move |typed: String| {
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        let board_id = state.id();
        spawn_local(async move {
            let found = suggest_members(board_id, typed).await.unwrap_or_default();
            if asked.get_value() == mine {
                suggestions.set(found);
            }
        });
    };
    let inviting = RwSignal::new(false);
    let navigate = leptos_router::hooks::use_navigate();
    let leave = move |_| {
        if !browser::confirm("Leave this board? You will lose access to it.") {
            return;
        }
        let (board_id, me) = state.board.with_untracked(|b| (b.id, b.viewer_id));
        let navigate = navigate.clone();
        spawn_local(async move {
            match remove_member(board_id, me).await {
                Ok(()) => navigate("/boards", Default::default()),
                Err(e) => state.fail(Spot::Members, &e, None, None),
            }
        });
    };
    view! {
        <aside class="members" aria-labelledby="members-title">
            <h2 id="members-title">"Members " <span class="count">{move || state.board.with(|b| b.members.len())}</span></h2>
            <ul class="member-list">
                <List rows=move || rows_of(members, |m| m.user.id, move |member| view! { <MemberRow member /> }) />
            </ul>
            <If when=move || state.is_owner()>
                <button type="button" class="btn btn-sm" aria-haspopup="dialog" on:click=move |_| inviting.set(true)>
                    "Invite people…"
                </button>
                {move || inviting.get().then(|| invites_view(state.id(), Callback::new(move |()| inviting.set(false))))}
                <form class="stack" on:submit=add aria-label="Add a member">
                    <label for="add-member">"Add a member by username"</label>
                    <small class="muted">"People you share a board with are suggested as you type."</small>
                    <div class="inline-form">
                        <input id="add-member" node_ref=input type="text" placeholder="name or username"
                            autocapitalize="none" spellcheck="false" list="add-member-suggestions" autocomplete="off"
                            on:input=move |ev| suggest(event_target_value(&ev)) />
                        <datalist id="add-member-suggestions">
                            {move || suggestions.get().into_iter().map(|u| view! {
                                <option value=u.username.clone() label=format!("{} (@{})", u.display_name, u.username)></option>
                            }).collect_view()}
                        </datalist>
                        <button type="submit" class="btn btn-sm">"Add"</button>
                    </div>
                </form>
            </If>
            <FailureNote at=Spot::Members />
            <If when=move || !state.is_owner()>
                <button type="button" class="btn btn-ghost btn-sm" on:click=leave.clone()>"Leave board"</button>
            </If>
            // Which of the board's notifications reach me.
            {crate::ui::chat::notify_settings(crate::model::PrefScope::Board, state.id())}
        </aside>
    }
}

/// One member: presence, name, role; the owner may remove anyone else.
#[component]
fn MemberRow(member: Item<Member>) -> impl IntoView {
    let state = use_board();
    let live = expect_context::<Live>();
    let (user_id, name, username) = member.with_untracked(|m| {
        (
            m.user.id,
            m.user.display_name.clone(),
            m.user.username.clone(),
        )
    });
    let is_owner_row = move || member.with(|m| m.role == Role::Owner);
    let remove = {
        let name = name.clone();
        move |_| {
            if browser::confirm(&format!("Remove {name} from this board?")) {
                let board_id = state.id();
                state.send(
                    Spot::Members,
                    move || remove_member(board_id, user_id),
                    |_| {},
                );
            }
        }
    };
    let presence = move || live.presence(state.online, user_id);
    let who = StoredValue::new(name.clone());
    // "Message @bob": the messages page opens (or starts) the conversation.
    let dm_href = format!("/messages?with={username}");
    let dm_label = format!("Message @{username}");
    view! {
        <li class=move || format!("member {}", presence().class())>
            <span class=move || format!("who-item {}", presence().class())>
                <Avatar name=name.clone() />
                <span class="dot" aria-hidden="true"></span>
            </span>
            <span class="sr-only">{move || presence().label()}</span>
            <span class="member-name">
                {name.clone()}
                <span class="muted">" @"{username.clone()}</span>
            </span>
            {move || is_owner_row().then(|| view! { <span class="tag">"owner"</span> })}
            <If when=move || user_id != state.board.with(|b| b.viewer_id)>
                <a class="btn btn-ghost btn-sm" href=dm_href.clone()
                    aria-label=dm_label.clone()>"Message"</a>
            </If>
            <If when=move || state.is_owner() && user_id != state.board.with(|b| b.viewer_id)>
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| {
                    let board_id = state.id();
                    let role = if is_owner_row() { Role::Member } else { Role::Owner };
                    state.send(Spot::Members, move || set_member_role(board_id, user_id, role), |_| {});
                } aria-label=move || who.with_value(|n| if is_owner_row() { format!("Make {n} a member") } else { format!("Make {n} an owner") })>
                    {move || if is_owner_row() { "Make member" } else { "Make owner" }}
                </button>
            </If>
            <If when=move || state.is_owner() && !is_owner_row()>
                <button type="button" class="btn btn-ghost btn-sm" on:click=remove.clone()
                    aria-label=format!("Remove {}", name)>"Remove"</button>
            </If>
        </li>
    }
}
