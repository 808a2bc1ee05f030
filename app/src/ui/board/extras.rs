//! The board's code that showing and hydrating it does not need: the filter
//! bar's controls, a card's details in its dialog (due date, people,
//! labels, checklist), the board's archive and the list of keys. It comes
//! with the board pane's other late pieces (`ui::pane_piece`: one split
//! point for all, since every split point adds small shared chunks to every
//! page), fetched once the page is live; the server renders a placeholder
//! of the same size in their place. The cards themselves are filtered from
//! the first render (the filter is in the address), only its controls wait.

use leptos::prelude::*;

use super::archive_view::ArchiveList;
use super::filter_bar::FilterBar;
use super::task_extras::TaskExtras;
use crate::ui::common::{Loading, Modal};

/// A piece of the board's late code.
#[derive(Clone, Copy)]
pub(crate) enum Extra {
    FilterBar,
    TaskDetails(i64),
    Archive(Callback<()>),
    Keys(Callback<()>),
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
    }
}

/// Shows `piece` once the page is live in the browser; `placeholder` until
/// then (and on the server).
#[component]
pub(super) fn Late(piece: Extra, #[prop(into)] placeholder: ViewFn) -> impl IntoView {
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    move || {
        if live.get() {
            let placeholder = placeholder.clone();
            view! { <Loading fallback=move || placeholder.run()>{Suspend::new(late(piece))}</Loading> }
                .into_any()
        } else {
            placeholder.run()
        }
    }
}

/// Shows a piece that only opens on request (a dialog): its code is
/// fetched then, if the page has not fetched it already.
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
