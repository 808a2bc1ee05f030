//! The board's code that showing and hydrating it does not need: the filter
//! bar's controls, a card's details in its dialog (due date, people,
//! labels, checklist), the board's archive, the list of keys, the Undo
//! toast, a column's menu items and the rename forms. It comes with the
//! board pane's other late pieces (`ui::pane_piece`: one split point for
//! all, since every split point adds small shared chunks to every page),
//! fetched once the page is live. Where a piece shows at once (the filter
//! bar) the server renders an empty box that keeps its place; the others
//! appear when asked for (a menu opened, a dialog, something to undo). The
//! cards themselves are filtered from the first render (the filter is in the
//! address); only the filter's controls wait.

use leptos::prelude::*;

use super::archive_view::ArchiveList;
use super::filter_bar::FilterBar;
use super::menus::{BoardRename, ColumnMenuItems, ColumnRename};
use super::shared::{use_board, use_board_ui, Undo};
use super::state::Spot;
use super::task_extras::TaskExtras;
use crate::ui::common::{Loading, Modal};

/// A piece of the board's late code.
#[derive(Clone, Copy)]
pub(crate) enum Extra {
    FilterBar,
    TaskDetails(i64),
    Archive(Callback<()>),
    Keys(Callback<()>),
    /// The toast offering to undo the last archiving (shown once there is one).
    UndoToast,
    /// A column's menu items (its id, its `<details>`, its "renaming" flag).
    ColumnMenu(i64, NodeRef<leptos::html::Details>, RwSignal<bool>),
    /// A column's rename form.
    ColumnRename(i64, RwSignal<bool>),
    /// The board's rename form.
    BoardRename(RwSignal<bool>),
}

/// Renders `piece` (called from `ui::pane_piece`, whose chunk holds this code).
pub(crate) fn board_extra(piece: Extra) -> AnyView {
    match piece {
        Extra::FilterBar => view! { <FilterBar /> }.into_any(),
        Extra::TaskDetails(id) => view! { <TaskExtras id /> }.into_any(),
        Extra::Archive(on_close) => view! {
            <Modal title="Archive" focus="archive-intro" on_close>
                <ArchiveList />
            </Modal>
        }
        .into_any(),
        Extra::Keys(on_close) => view! { <KeysHelp on_close /> }.into_any(),
        Extra::UndoToast => view! { <UndoToast /> }.into_any(),
        Extra::ColumnMenu(column_id, menu, renaming) => {
            view! { <ColumnMenuItems column_id menu renaming /> }.into_any()
        }
        Extra::ColumnRename(column_id, renaming) => {
            view! { <ColumnRename column_id renaming /> }.into_any()
        }
        Extra::BoardRename(renaming) => view! { <BoardRename renaming /> }.into_any(),
    }
}

/// Shows `piece` once the page is live in the browser, in a box of class
/// `slot` that keeps its place meanwhile (on the server, while hydrating,
/// and while its code loads), so nothing jumps when it arrives.
pub(super) fn late_piece(piece: Extra, slot: &'static str) -> impl IntoView {
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    view! { <div class=slot>{move || live.get().then(|| on_request(piece))}</div> }
}

/// Shows a piece that only opens on request (a dialog, a menu, a form): its
/// code is fetched then, if the page has not fetched it already.
pub(super) fn on_request(piece: Extra) -> impl IntoView {
    view! { <Loading>{Suspend::new(late(piece))}</Loading> }
}

/// The board's keys, shown with `?`.
#[component]
fn KeysHelp(on_close: Callback<()>) -> impl IntoView {
    const KEYS: [(&str, &str); 8] = [
        ("↑ ↓ ← →", "Go from card to card"),
        ("Home / End", "First / last card of the column"),
        ("Enter", "Open the card"),
        ("Alt + arrows", "Move the card"),
        ("Tab", "Next column, then the chat"),
        ("/", "Filter the cards"),
        ("Esc", "Close a dialog"),
        ("?", "These keys"),
    ];
    view! {
        <Modal title="Keyboard shortcuts" focus="keys-list" on_close>
            <dl class="keys" id="keys-list" tabindex="-1">
                {KEYS.into_iter().map(|(key, what)| view! { <dt><kbd>{key}</kbd></dt><dd>{what}</dd> }).collect_view()}
            </dl>
        </Modal>
    }
}

/// Fetches `piece`'s code (if not here yet), then renders it.
async fn late(piece: Extra) -> AnyView {
    crate::ui::pane_piece(crate::ui::PanePiece::Board(piece)).await
}

/// The toast of the last archiving, with its Undo.
#[component]
fn UndoToast() -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let undo = move |_| {
        let Some(offer) = ui.undo.get_untracked() else {
            return;
        };
        ui.undo.set(None);
        match offer.undo {
            Undo::RestoreTask(id) => state.send(
                Spot::Card(id),
                move || crate::api::kanban::restore_task(id),
                move |_| ui.status.set("Card restored".into()),
            ),
            Undo::RestoreColumn(id) => state.send(
                Spot::Board,
                move || crate::api::kanban::restore_column(id),
                move |_| ui.status.set("Column restored".into()),
            ),
        }
    };
    move || {
        ui.undo.get().map(|offer| {
            view! {
                <div class="toast" role="group" aria-label="Undo">
                    <span>{offer.said}</span>
                    <button type="button" class="btn btn-sm" id="undo-button" on:click=undo>"Undo"</button>
                    <button type="button" class="btn btn-ghost btn-sm" aria-label="Dismiss"
                        on:click=move |_| ui.undo.set(None)>"✕"</button>
                </div>
            }
        })
    }
}
