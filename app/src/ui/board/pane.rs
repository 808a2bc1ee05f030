//! The side pane: the board's chat and its members as two tabs, beside the
//! columns on a desktop (resizable, and hideable) and over them on a phone.

use leptos::prelude::*;

use super::shared::{tab_id, use_board, use_board_ui, PaneTab};
use super::state::BoardState;
use crate::error::AppError;
use crate::model::RoomSummary;
use crate::ui::chat::ChatPanel;
use crate::ui::common::{browser, Loading};
use crate::ui::live::Live;

/// The pane's width limits (px) and its default.
pub const PANE_MIN: i32 = 360;
pub const PANE_DEFAULT: i32 = 380;
/// Where this browser keeps the pane's width.
pub const PANE_WIDTH_KEY: &str = "taskflow.pane.width";

/// The draggable edge of the pane; arrow keys resize it too.
#[component]
pub fn PaneResizer(width: RwSignal<i32>) -> impl IntoView {
    let handle = NodeRef::<leptos::html::Div>::new();
    let dragging = RwSignal::new(false);
    // The widest the pane may be: the columns keep at least 300 px.
    let max_width = move || {
        #[cfg(feature = "hydrate")]
        {
            let viewport = web_sys::window()
                .and_then(|w| w.inner_width().ok())
                .and_then(|v| v.as_f64())
                .unwrap_or(1366.0) as i32;
            (viewport - 300).clamp(PANE_MIN, 900)
        }
        #[cfg(not(feature = "hydrate"))]
        900
    };
    let set = move |w: i32| width.set(w.clamp(PANE_MIN, max_width()));
    let save = move || browser::store(PANE_WIDTH_KEY, &width.get_untracked().to_string());
    let on_pointerdown = move |ev: leptos::ev::PointerEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = handle.get_untracked() {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        ev.prevent_default();
        dragging.set(true);
    };
    let on_pointermove = move |ev: leptos::ev::PointerEvent| {
        if !dragging.get_untracked() {
            return;
        }
        // The pane's right edge is the window's: its width is what is right of the pointer.
        #[cfg(feature = "hydrate")]
        {
            let viewport = web_sys::window()
                .and_then(|w| w.inner_width().ok())
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0) as i32;
            set(viewport - ev.client_x());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_pointerup = move |_| {
        if dragging.get_untracked() {
            dragging.set(false);
            save();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let step = if ev.shift_key() { 64 } else { 16 };
        let w = width.get_untracked();
        let next = match ev.key().as_str() {
            "ArrowLeft" => w + step,
            "ArrowRight" => w - step,
            "Home" => max_width(),
            "End" => PANE_MIN,
            _ => return,
        };
        ev.prevent_default();
        set(next);
        save();
    };
    view! {
        <div class="pane-resizer" class:dragging=move || dragging.get() node_ref=handle
            role="separator" aria-orientation="vertical" tabindex="0"
            aria-label="Resize the chat pane" aria-controls="board-pane"
            aria-valuemin=PANE_MIN.to_string() aria-valuemax=move || max_width().to_string()
            aria-valuenow=move || width.get().to_string()
            on:pointerdown=on_pointerdown on:pointermove=on_pointermove on:pointerup=on_pointerup
            on:pointercancel=on_pointerup on:keydown=on_keydown></div>
    }
}

/// The side pane: Chat and Members as tabs.
#[component]
pub fn BoardPane(rooms: Result<Vec<RoomSummary>, AppError>) -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let live = expect_context::<Live>();
    let tab = ui.pane_tab;
    // The Members tab's code comes when it is first shown (and stays);
    // until then (and before the page is live, and without JavaScript) it
    // lists who is on the board.
    let members_seen = Memo::new(move |seen: Option<&bool>| {
        seen.copied().unwrap_or(false)
            || (tab.get() == PaneTab::Members && crate::ui::page_hydrated())
    });
    let chat_unread = move || live.rooms.with(|r| r.iter().map(|r| r.unread).sum::<i64>());
    let select = move |t: PaneTab| {
        tab.set(t);
        browser::focus_soon(tab_id(t).into());
    };
    let on_tab_key = move |ev: leptos::ev::KeyboardEvent| {
        if matches!(ev.key().as_str(), "ArrowLeft" | "ArrowRight") {
            ev.prevent_default();
            select(if tab.get_untracked() == PaneTab::Chat {
                PaneTab::Members
            } else {
                PaneTab::Chat
            });
        }
    };
    // On a phone the pane covers the board: Esc closes it.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && !ev.default_prevented() && ui.pane_open.get_untracked() {
            ev.prevent_default();
            ui.hide_pane();
        }
    };
    view! {
        <section id="board-pane" class="pane" aria-label="Board side panel" on:keydown=on_keydown>
            <div class="pane-head">
                <div class="tabs pane-tabs" role="tablist" aria-label="Chat and members" on:keydown=on_tab_key>
                    <button type="button" id="pane-tab-chat" role="tab" class="tab"
                        aria-selected=move || (tab.get() == PaneTab::Chat).to_string()
                        aria-controls="pane-chat" tabindex=move || if tab.get() == PaneTab::Chat { "0" } else { "-1" }
                        on:click=move |_| select(PaneTab::Chat)>
                        "Chat"
                        {move || (chat_unread() > 0).then(|| view! { <span class="badge">{chat_unread()}<span class="sr-only">" unread"</span></span> })}
                    </button>
                    <button type="button" id="pane-tab-members" role="tab" class="tab"
                        aria-selected=move || (tab.get() == PaneTab::Members).to_string()
                        aria-controls="pane-members" tabindex=move || if tab.get() == PaneTab::Members { "0" } else { "-1" }
                        on:click=move |_| select(PaneTab::Members)>
                        "Members " <span class="count">{move || state.board.with(|b| b.members.len())}</span>
                    </button>
                </div>
                <button type="button" class="btn btn-ghost btn-sm" aria-label="Hide chat and members"
                    title="Hide" on:click=move |_| ui.hide_pane()>"✕"</button>
            </div>
            <div id="pane-chat" class="pane-panel" role="tabpanel" aria-labelledby="pane-tab-chat"
                hidden=move || tab.get() != PaneTab::Chat>
                <ChatPanel rooms />
            </div>
            <div id="pane-members" class="pane-panel pane-scroll" role="tabpanel" aria-labelledby="pane-tab-members"
                hidden=move || tab.get() != PaneTab::Members>
                {move || if members_seen.get() {
                    view! {
                        <Loading fallback=move || member_names(state)>{Suspend::new(crate::ui::pane_piece(crate::ui::PanePiece::Members))}</Loading>
                    }.into_any()
                } else {
                    member_names(state).into_any()
                }}
            </div>
        </section>
    }
}

/// Who is on the board, as plain names: the Members tab until its code is
/// here (the server renders this; the live panel replaces it). One line of
/// text: the board page has little room in its budget.
fn member_names(state: BoardState) -> impl IntoView {
    let names = state.board.with_untracked(|b| {
        b.members
            .iter()
            .map(|m| format!("{} (@{})", m.user.display_name, m.user.username))
            .collect::<Vec<_>>()
            .join(", ")
    });
    view! {
        <aside class="members" aria-labelledby="members-title">
            <h2 id="members-title">"Members"</h2>
            <p>{names}</p>
        </aside>
    }
}
