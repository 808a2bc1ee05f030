//! The page itself: loads the board and its rooms, provides the board's
//! state and context to everything on it, follows it live while shown, and
//! lays out header, columns, pane and the task dialog's outlet.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_params_map;

use super::columns::{AddColumn, ColumnView};
use super::extras::{late_piece, on_request, Extra};
use super::header::BoardHeader;
use super::pane::{BoardPane, PaneResizer, PANE_DEFAULT, PANE_MIN, PANE_WIDTH_KEY};
use super::shared::{BoardUi, PANE_HIDDEN_KEY};
use super::state::BoardState;
use crate::api::boards::get_board;
use crate::error::{AppError, AppResult};
use crate::model::{BoardDetail, RoomSummary};
use crate::ui::board_context::BoardContext;
use crate::ui::common::{browser, rows_of, ErrorNote, List, Loading, NotFound};
use crate::ui::live::{BoardRoute, Live, LiveStatus};
use crate::ui::RequireUser;

/// Routes the board's events to its state and shows its rooms in the chat
/// panel, goes live once in the browser (board presence, rooms, the room a
/// link asked for or the one last open), and stops following the board when
/// the page goes away.
fn follow_board(state: BoardState, rooms: &[RoomSummary]) {
    let live = expect_context::<Live>();
    let board_id = state.id();
    let route = BoardRoute::new(board_id, state.board.with_untracked(|b| b.seq));
    live.show_board(route, rooms.to_vec());
    // What Live routes to the board, as it arrives (several may come
    // between two renders).
    Effect::new(move |_| {
        if route.inbox.with(|q| !q.is_empty()) {
            state.take_arrived(route);
        }
    });
    let query = leptos_router::hooks::use_query_map();
    let linked = move || {
        let q = query.read();
        let id = |key: &str| q.get(key).and_then(|s| s.parse::<i64>().ok());
        (id("room"), id("message"), id("replies"))
    };
    // Effects run only in the browser: SSR renders the room list, no room.
    // Once the live connection has started, which waits for the page to have
    // hydrated (opening the room changes the chat panel) and knows who is
    // here (the room last open is remembered per user).
    Effect::new(move |entered: Option<bool>| {
        if live.me.with(Option::is_none) {
            return false;
        }
        let (room, message, replies) = linked();
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
        // A reply's link: its root's pane over the room.
        if replies.is_some() {
            live.replies_open.set(replies);
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
type BoardData =
    crate::ui::json::JsonResource<(AppResult<BoardDetail>, AppResult<Vec<RoomSummary>>)>;

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
    crate::ui::json::resource(
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
    // `#123` in messages and comments: a card of this board (live or
    // archived) shows its title and column; anything else stays `#123`.
    provide_context(crate::ui::common::TaskRefs(Callback::new(
        move |task_id: i64| {
            state.board.with(|b| {
                let task = b.task(task_id)?;
                let column = b
                    .column(task.column_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                Some((
                    task.title.clone(),
                    column,
                    format!("/boards/{}/tasks/{task_id}", b.id),
                ))
            })
        },
    )));
    ui.start_clock();
    let members = Memo::new(move |_| state.board.with(|b| b.members.clone()));
    provide_context(BoardContext::new(
        id,
        viewer_id,
        Signal::derive(move || state.is_owner()),
        members.into(),
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
        // Not chosen yet: below 1100 px the columns get the room.
        ui.pane_hidden
            .set(match browser::stored(PANE_HIDDEN_KEY).as_deref() {
                Some("1") => true,
                Some("0") => false,
                _ => browser::is_laptop_or_narrower() && !browser::is_narrow(),
            });
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
    let columns: Signal<Vec<_>> =
        Memo::new(move |_| state.board.with(|b| b.columns.clone())).into();
    // The column in view on a phone (the columns snap one at a time).
    let scroller = NodeRef::<leptos::html::Div>::new();
    let in_view = RwSignal::new(0usize);
    let on_columns_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            let index = browser::snapped_child(&el);
            if in_view.get_untracked() != index {
                in_view.set(index);
            }
        }
    };
    let column_pos = move || {
        let i = in_view.get();
        columns.with(|c| match c.get(i) {
            Some(col) => format!("{} · column {} of {}", col.name, i + 1, c.len()),
            None => format!("New column · after the {} columns", c.len()),
        })
    };
    // The Undo toast's code comes when there is something to undo.
    let undo_shown = Memo::new(move |_| ui.undo.with(Option::is_some));
    // `?` shows the keys; `/` goes to the filter (not while typing).
    let showing_keys = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.default_prevented()
                || ev.ctrl_key()
                || ev.meta_key()
                || ev.alt_key()
                || browser::typing_in_field()
            {
                return;
            }
            match ev.key().as_str() {
                "?" => {
                    ev.prevent_default();
                    showing_keys.set(true);
                }
                "/" => {
                    ev.prevent_default();
                    browser::focus_soon("filter-text".into());
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }
    let skip = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let first = ui.current_card.get_untracked().or_else(|| {
            state
                .board
                .with_untracked(|b| b.tasks.iter().find(|t| ui.shows(state, t)).map(|t| t.id))
        });
        browser::focus_soon(
            first.map_or_else(|| "new-column-name".to_string(), |id| format!("task-{id}")),
        );
    };
    view! {
        <Title text=title />
        <a href="#board-columns" class="skip-link" on:click=skip>"Skip to the cards"</a>
        <div class="board-page" class:pane-hidden=move || ui.pane_hidden.get()
            class:read-only=move || state.board.with(|b| b.archived_at.is_some())
            class:pane-open=move || ui.pane_open.get()>
            <BoardHeader />
            {late_piece(Extra::FilterBar, "filter-bar-slot")}
            <p class="sr-only" role="status" aria-live="polite">{move || ui.status.get()}</p>
            <div class="board-main" node_ref=board_main>
                <div class="board-columns" id="board-columns">
                    // On a phone one column shows at a time: which of how many.
                    <p class="column-pos muted small" aria-live="polite">{column_pos}</p>
                    <div class="columns" role="region" aria-label="Columns" node_ref=scroller on:scroll=on_columns_scroll>
                        <List rows=move || rows_of(columns, |c| c.id, move |column| view! { <ColumnView column /> }) />
                        <AddColumn />
                    </div>
                    <p class="hint muted">
                        "Tip: drag cards between columns, or focus a card and press Alt + arrow keys to move it. "
                        <button type="button" class="link-button" on:click=move |_| showing_keys.set(true)>"Keyboard shortcuts (?)"</button>
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
            {move || undo_shown.get().then(|| on_request(Extra::UndoToast))}
            {move || showing_keys.get().then(|| on_request(Extra::Keys(Callback::new(move |()| showing_keys.set(false)))))}
        </div>
    }
}
