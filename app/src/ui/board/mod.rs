//! `/boards/:board_id`: the kanban board — columns and task cards on the
//! left, a side pane with the board's chat and members on the right.
//!
//! The page renders fully on the server. Once hydrated it follows the board
//! live: every change anyone makes arrives as a numbered `board:{id}` event
//! and is applied in order, so every open tab shows what is stored without
//! reloading. The user's own changes are shown at once where that is safe
//! and undone, with a note where they were made, if they fail.
//!
//! - [`feed`]: the board as a feed — what is stored, this tab's changes
//!   under way on top of it, the moves' queue and conflict rules (plain
//!   data, unit-tested).
//! - [`state`]: [`BoardState`], that feed in signals, wired to the server
//!   functions and to the events `Live` routes to it.
//! - The views, holding only view state: the page (here), [`header`],
//!   [`columns`], [`card`], the side [`pane`], [`members`] and the
//!   [`task_dialog`].
//!
//! Layout: the page never scrolls sideways — only the columns area does. The
//! pane is resizable (drag or arrow keys on its edge) and can be hidden; on a
//! phone the columns snap one at a time and the pane opens full screen from
//! the header's Chat button.

mod card;
mod columns;
pub mod feed;
mod header;
mod members;
mod pane;
pub mod state;
mod task_dialog;

use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_params_map;

pub use state::{BoardState, Spot};
pub use task_dialog::TaskDialog;

use super::board_context::BoardContext;
use super::common::{browser, rows_of, ErrorNote, List, Loading, NotFound};
use super::live::{Live, LiveStatus};
use super::RequireUser;
use crate::api::boards::get_board;
use crate::error::{AppError, AppResult};
use crate::model::{BoardDetail, RoomSummary};
use columns::{AddColumn, ColumnView};
use header::BoardHeader;
use pane::{BoardPane, PaneResizer, PANE_DEFAULT, PANE_MIN};

/// The side pane's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneTab {
    Chat,
    Members,
}

const PANE_WIDTH_KEY: &str = "taskflow.pane.width";
const PANE_HIDDEN_KEY: &str = "taskflow.pane.hidden";

/// What the board's views share that is about the screen only: the card
/// being dragged, announcements, and the side pane.
#[derive(Clone, Copy)]
pub struct BoardUi {
    /// Polite announcements for screen readers ("Moved … to Done").
    pub status: RwSignal<String>,
    /// The task being dragged, and where it would land (column, index).
    pub drag: RwSignal<Option<i64>>,
    pub drop_at: RwSignal<Option<(i64, i64)>>,
    pub pane_tab: RwSignal<PaneTab>,
    /// Desktop: the user hid the pane (remembered in this browser).
    pub pane_hidden: RwSignal<bool>,
    /// Phone: the pane is open over the board.
    pub pane_open: RwSignal<bool>,
}

impl BoardUi {
    fn new() -> Self {
        Self {
            status: RwSignal::new(String::new()),
            drag: RwSignal::new(None),
            drop_at: RwSignal::new(None),
            pane_tab: RwSignal::new(PaneTab::Chat),
            pane_hidden: RwSignal::new(false),
            pane_open: RwSignal::new(false),
        }
    }

    /// Moves a card (on screen at once) and announces where it went.
    pub fn move_card(self, state: BoardState, task_id: i64, column_id: i64, position: i64) {
        state.move_task(task_id, column_id, position);
        let said = state.board.with_untracked(|b| {
            let task = b.task(task_id)?;
            let column = b.columns.iter().find(|c| c.id == task.column_id)?;
            Some(format!(
                "Moved “{}” to {}, position {}",
                task.title,
                column.name,
                task.position + 1
            ))
        });
        if let Some(said) = said {
            self.status.set(said);
        }
    }

    /// The user picked up a card (or put it down): others see it, and the
    /// board does not shift under the pointer meanwhile.
    pub fn hold(self, state: BoardState, task_id: Option<i64>) {
        let live = expect_context::<Live>();
        if let Some(held) = task_id.or(self.drag.get_untracked()) {
            live.say_moving(held, task_id.is_some());
        }
        self.drag.set(task_id);
        if task_id.is_none() {
            self.drop_at.set(None);
        }
        state.hold(task_id.is_some());
    }

    /// Shows the pane on `tab` (opening it on a phone, unhiding it on a desktop).
    pub fn show_pane(self, tab: PaneTab) {
        self.pane_tab.set(tab);
        if browser::is_narrow() {
            self.pane_open.set(true);
        } else if self.pane_hidden.get_untracked() {
            self.pane_hidden.set(false);
            browser::store(PANE_HIDDEN_KEY, "");
        }
        browser::focus_soon(pane::tab_id(tab).into());
    }

    /// Hides the pane (closes it on a phone).
    pub fn hide_pane(self) {
        if browser::is_narrow() {
            self.pane_open.set(false);
        } else {
            self.pane_hidden.set(true);
            browser::store(PANE_HIDDEN_KEY, "1");
        }
        browser::focus_soon("pane-toggle".into());
    }

    /// Whether the pane is on screen now.
    pub fn pane_visible(self) -> bool {
        if browser::is_narrow() {
            self.pane_open.get()
        } else {
            !self.pane_hidden.get()
        }
    }
}

/// The board page's state (for the views rendered on the board page).
pub fn use_board() -> BoardState {
    expect_context::<BoardState>()
}

/// The board page's view state.
pub fn use_board_ui() -> BoardUi {
    expect_context::<BoardUi>()
}

/// Routes the board's events to its state and shows its rooms in the chat
/// panel, goes live once in the browser (board presence, rooms, the room a
/// link asked for or the one last open), and stops following the board when
/// the page goes away.
fn follow_board(state: BoardState, rooms: &[RoomSummary]) {
    let live = expect_context::<Live>();
    let board_id = state.id();
    live.show_board(Arc::new(state), rooms.to_vec());
    let query = leptos_router::hooks::use_query_map();
    let linked = move || {
        let q = query.read();
        let id = |key: &str| q.get(key).and_then(|s| s.parse::<i64>().ok());
        (id("room"), id("message"))
    };
    // Effects run only in the browser: SSR renders the room list, no room.
    // Once the live connection has started, which waits for the page to have
    // hydrated (opening the room changes the chat panel) and knows who is
    // here (the room last open is remembered per user).
    Effect::new(move |entered: Option<bool>| {
        if live.me.with(Option::is_none) {
            return false;
        }
        let (room, message) = linked();
        if message.is_some() {
            live.room.focus.set(message);
        }
        if entered != Some(true) {
            live.room.open.set(room);
            live.enter_board();
        } else if let Some(room) = room {
            // A notification link while already on this board.
            live.open_room(room);
        }
        true
    });
    // Back online after a drop: what is stored now, within moments. (The
    // value is whether the connection dropped since it was last live.)
    Effect::new(move |dropped: Option<bool>| match live.status.get() {
        LiveStatus::Reconnecting(_) => true,
        LiveStatus::Live if dropped == Some(true) => {
            state.refresh_after_reconnect();
            false
        }
        LiveStatus::Live => false,
        _ => dropped.unwrap_or(false),
    });
    on_cleanup(move || live.leave_board(board_id));
}

/// What the board page loads: the board and its chat rooms, together (one
/// wait, and no nested suspense boundaries to hydrate).
type BoardData = super::json::JsonResource<(AppResult<BoardDetail>, AppResult<Vec<RoomSummary>>)>;

/// Loads the board of the route's `:board_id`.
fn load_board() -> BoardData {
    let params = use_params_map();
    // A memo: opening a task changes the route's params, and the board must
    // not reload for it (that remounted the page and lost the chat's scroll).
    let board_id = Memo::new(move |_| {
        params
            .read()
            .get("board_id")
            .and_then(|s| s.parse::<i64>().ok())
    });
    super::json::resource(
        move || board_id.get(),
        |id| async move {
            let Some(id) = id else {
                return (Err(AppError::not_found("board")), Ok(Vec::new()));
            };
            let board = get_board(id).await;
            let rooms = match &board {
                Ok(_) => crate::api::chat::list_rooms(id).await,
                Err(_) => Ok(Vec::new()),
            };
            (board, rooms)
        },
    )
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let data = load_board();
    view! {
        <RequireUser>
            <Loading fallback=|| view! { <p class="muted pad">"Loading board…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        (Ok(board), rooms) => view! { <BoardView board rooms /> }.into_any(),
                        (Err(AppError::NotFound(_)), _) => view! { <NotFound /> }.into_any(),
                        (Err(e), _) => view! { <section class="page"><ErrorNote error=e /></section> }.into_any(),
                    }
                })}
            </Loading>
        </RequireUser>
    }
}

#[component]
fn BoardView(board: BoardDetail, rooms: Result<Vec<RoomSummary>, AppError>) -> impl IntoView {
    let live = expect_context::<Live>();
    let (id, viewer_id) = (board.id, board.viewer_id);
    let state = BoardState::new(board, live);
    let ui = BoardUi::new();
    provide_context(state);
    provide_context(ui);
    provide_context(BoardContext::new(
        id,
        viewer_id,
        Signal::derive(move || state.board.with(|b| b.role)),
        Signal::derive(move || state.board.with(|b| b.members.clone())),
    ));
    follow_board(state, rooms.as_deref().unwrap_or_default());
    // On the server, leptos_axum renders the head after the body, outside the
    // request's reactive arena: the title must not read a signal there (it
    // panicked under concurrent requests). In the browser it follows renames
    // and leads with what is unread: mentions plus this board's chat.
    let first_name = state.board.with_untracked(|b| b.name.clone());
    let title = move || {
        if cfg!(feature = "ssr") {
            first_name.clone()
        } else {
            // The title's effect belongs to the app, not to this page: it
            // may run once more after the page's state is gone (leaving the
            // board changes the unread counts it reads).
            let Some(name) = state.board.try_with(|b| b.name.clone()) else {
                return first_name.clone();
            };
            let unread = live.notifications.unread.get()
                + live.rooms.with(|r| r.iter().map(|r| r.unread).sum::<i64>());
            if unread > 0 {
                format!("({unread}) {name}")
            } else {
                name
            }
        }
    };
    // The pane's width and whether it is hidden, as this browser last left them.
    let pane_width = RwSignal::new(PANE_DEFAULT);
    Effect::new(move |_| {
        if let Some(w) = browser::stored(PANE_WIDTH_KEY).and_then(|w| w.parse::<i32>().ok()) {
            pane_width.set(w.max(PANE_MIN));
        }
        ui.pane_hidden
            .set(browser::stored(PANE_HIDDEN_KEY).as_deref() == Some("1"));
    });
    // Set through the CSSOM, not a `style` attribute: the page's
    // Content-Security-Policy allows no inline styles.
    let board_main = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let width = pane_width.get();
        #[cfg(feature = "hydrate")]
        if let Some(el) = board_main.get() {
            let _ =
                web_sys::HtmlElement::style(&el).set_property("--pane-w", &format!("{width}px"));
        }
        let _ = width;
    });
    let columns = Memo::new(move |_| state.board.with(|b| b.columns.clone()));
    view! {
        <Title text=title />
        <div class="board-page" class:pane-hidden=move || ui.pane_hidden.get()
            class:pane-open=move || ui.pane_open.get()>
            <BoardHeader />
            <p class="sr-only" role="status" aria-live="polite">{move || ui.status.get()}</p>
            <div class="board-main" node_ref=board_main>
                <div class="board-columns">
                    <div class="columns" role="region" aria-label="Columns">
                        <List rows=move || rows_of(columns.into(), |c| c.id, move |column| view! { <ColumnView column /> }) />
                        <AddColumn />
                    </div>
                    <p class="hint muted">
                        "Tip: drag cards between columns, or focus a card and press Alt + arrow keys to move it."
                    </p>
                </div>
                <PaneResizer width=pane_width />
                <BoardPane rooms />
            </div>
            // Its own boundary: opening or closing a task loads the child
            // route asynchronously, and without this the board's Suspense
            // would take the whole page off screen meanwhile (the chat lost
            // its scroll position, the card its focus).
            <Transition>
                <Outlet />
            </Transition>
        </div>
    }
}

/// After an add went through: empties its field, unless the user has typed
/// something else meanwhile (that stays).
fn clear_if_unchanged(
    input: NodeRef<leptos::html::Input>,
    sent: &str,
    len: Option<RwSignal<usize>>,
) {
    if let Some(el) = input.get_untracked() {
        if el.value() == sent {
            el.set_value("");
            if let Some(len) = len {
                len.set(0);
            }
        }
    }
}

/// A failure note for one spot: the plain message, Retry when it may help.
#[component]
pub fn FailureNote(at: Spot) -> impl IntoView {
    let state = use_board();
    move || {
        state.failure_at(at).map(|f| {
            view! {
                <div class="failure" role="alert">
                    <span>{f.message.clone()}</span>
                    {f.retry.map(|retry| view! {
                        <button type="button" class="btn btn-sm" on:click=move |_| retry.run(())>"Retry"</button>
                    })}
                    <button type="button" class="btn btn-ghost btn-sm" aria-label="Dismiss"
                        on:click=move |_| state.failure.set(None)>"✕"</button>
                </div>
            }
        })
    }
}
