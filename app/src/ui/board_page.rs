//! `/boards/:board_id`: the kanban board — columns and task cards on the
//! left, a side pane with the board's chat and members on the right.
//!
//! The page renders fully on the server. Once hydrated it follows the board
//! live: every change anyone makes arrives as a numbered `board:{id}` event
//! and is applied in order (`BoardDetail::apply`), so every open tab shows
//! what is stored without reloading. The user's own changes are sent through
//! server functions and shown at once where that is safe (drags and keyboard
//! moves land immediately; moves go one at a time, each saying "after card
//! X" and carrying the card's version). A change that fails is undone on
//! screen and explained next to where it was made — a move someone else
//! overtook snaps back to where the card really is, with a note — with a
//! Retry when the server could not be reached.
//!
//! Layout: the page never scrolls sideways — only the columns area does. The
//! pane is resizable (drag or arrow keys on its edge) and can be hidden; on a
//! phone the columns snap one at a time and the pane opens full screen from
//! the header's Chat button.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_params_map;

use super::chat::ChatPanel;
use super::common::{
    browser, char_len, rows_of, Avatar, CharCount, ErrorNote, If, List, Loading, NotFound,
};
use super::live::{Live, LiveStatus};
use super::RequireUser;
use crate::api::boards::*;
use crate::error::{AppError, AppResult};
use crate::model::{BoardDetail, Column, ColumnPatch, Role, RoomSummary, Task, TaskMove};
use crate::protocol::BoardChange;
use crate::validate::{BOARD_NAME_MAX, COLUMN_NAME_MAX, TASK_TITLE_MAX};

/// Where on the board a change was made: its failure is shown there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot {
    /// The board header (rename, delete).
    Board,
    /// A column's header (rename, move, delete).
    Column(i64),
    /// A column's "Add a task" form.
    NewTask(i64),
    /// A card (moved by drag-and-drop or the keyboard).
    Card(i64),
    /// The "New column" form.
    NewColumn,
    /// The members tab (add, remove, leave).
    Members,
    /// The task dialog of this task.
    Task(i64),
}

/// A change that did not go through.
#[derive(Clone)]
pub struct Failure {
    pub at: Spot,
    /// In plain words, for the person who made the change.
    pub message: String,
    /// The server could not be reached (the change may be retried).
    pub offline: bool,
    pub retry: Option<Callback<()>>,
}

/// A change shown on screen before the server has it.
type LocalChange = Arc<dyn Fn(&mut BoardDetail) + Send + Sync>;
/// Sends a change (again, for Retry); its success gives what is to follow.
type SendChange =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = AppResult<Box<dyn FnOnce()>>>>> + Send + Sync>;

/// What "not saved because the server is away" says.
pub const NOT_SAVED: &str = "Can't reach TaskFlow — not saved.";

/// The side pane's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneTab {
    Chat,
    Members,
}

/// The pane's width limits (px) and its default.
pub const PANE_MIN: i32 = 360;
pub const PANE_DEFAULT: i32 = 380;
const PANE_WIDTH_KEY: &str = "taskflow.pane.width";
const PANE_HIDDEN_KEY: &str = "taskflow.pane.hidden";

/// The board being shown, shared by its columns, cards, pane and task dialog.
#[derive(Clone, Copy)]
pub struct BoardState {
    pub board: RwSignal<BoardDetail>,
    /// The last change that failed, shown at its [`Spot`].
    pub failure: RwSignal<Option<Failure>>,
    /// Polite announcements for screen readers ("Moved … to Done").
    pub status: RwSignal<String>,
    /// The task being dragged, and where it would land (column, index).
    drag: RwSignal<Option<i64>>,
    drop_at: RwSignal<Option<(i64, i64)>>,
    /// Changes sent and not answered yet: a reload answered meanwhile would
    /// show a state older than the screen, so only the last one applies, and
    /// live changes wait until the screen holds no guess of its own.
    in_flight: StoredValue<u32>,
    /// Cards moved on screen whose move is not sent yet, in order; one
    /// move is under way at a time (`sending_move`), so each carries the
    /// version the previous one's answer gave.
    unsent_moves: StoredValue<Vec<i64>>,
    sending_move: StoredValue<bool>,
    /// The board as it was before the first of the moves under way: a move
    /// that fails puts the screen back to it.
    before_moves: StoredValue<Option<BoardDetail>>,
    /// A card whose move was refused only because the card it was to follow
    /// had moved meanwhile, and which was put down again on the board as it
    /// is now (once: a second refusal snaps it back).
    placed_again: StoredValue<Option<i64>>,
    /// Cards that just arrived at a new place through someone else's change
    /// (they are highlighted for a moment).
    pub arrived: RwSignal<Vec<i64>>,
    /// A change of a card was refused as stale: the card as it is now (the
    /// task dialog offers to keep the user's text or take this).
    pub stale_task: RwSignal<Option<Task>>,
    pub pane_tab: RwSignal<PaneTab>,
    /// Desktop: the user hid the pane (remembered in this browser).
    pub pane_hidden: RwSignal<bool>,
    /// Phone: the pane is open over the board.
    pub pane_open: RwSignal<bool>,
}

impl BoardState {
    fn new(board: BoardDetail) -> Self {
        Self {
            board: RwSignal::new(board),
            failure: RwSignal::new(None),
            status: RwSignal::new(String::new()),
            drag: RwSignal::new(None),
            drop_at: RwSignal::new(None),
            in_flight: StoredValue::new(0),
            unsent_moves: StoredValue::new(Vec::new()),
            sending_move: StoredValue::new(false),
            before_moves: StoredValue::new(None),
            placed_again: StoredValue::new(None),
            stale_task: RwSignal::new(None),
            arrived: RwSignal::new(Vec::new()),
            pane_tab: RwSignal::new(PaneTab::Chat),
            pane_hidden: RwSignal::new(false),
            pane_open: RwSignal::new(false),
        }
    }

    pub fn id(self) -> i64 {
        self.board.with_untracked(|b| b.id)
    }

    pub fn is_owner(self) -> bool {
        self.board.with(|b| b.role == Role::Owner)
    }

    /// The failure shown at `at`, if the last failed change was made there.
    pub fn failure_at(self, at: Spot) -> Option<Failure> {
        self.failure
            .with(|f| f.as_ref().filter(|f| f.at == at).cloned())
    }

    /// Sends a change, then reloads the board; `then` runs after a success.
    pub fn send<T, Fut>(
        self,
        at: Spot,
        call: impl Fn() -> Fut + Clone + Send + Sync + 'static,
        then: impl Fn(T) + Clone + Send + Sync + 'static,
    ) where
        T: 'static,
        Fut: Future<Output = AppResult<T>> + 'static,
    {
        self.change(at, None::<fn(&mut BoardDetail)>, call, then);
    }

    /// Applies `local` on screen at once, sends the change, then reloads. A
    /// failure puts the screen back as it was before and says so at `at`;
    /// when the server could not be reached it offers to retry.
    ///
    /// Generic only at its edge: the work is done by [`Self::run_change`],
    /// compiled once rather than once per call site (a page has fifteen, and
    /// each copy of its async body cost the browser bundle about 1.5 KB).
    pub fn change<T, Fut, L>(
        self,
        at: Spot,
        local: Option<L>,
        call: impl Fn() -> Fut + Clone + Send + Sync + 'static,
        then: impl Fn(T) + Clone + Send + Sync + 'static,
    ) where
        T: 'static,
        Fut: Future<Output = AppResult<T>> + 'static,
        L: Fn(&mut BoardDetail) + Clone + Send + Sync + 'static,
    {
        let local = local.map(|apply| Arc::new(apply) as LocalChange);
        let send: SendChange = Arc::new(move || {
            let (request, then) = (call(), then.clone());
            Box::pin(async move {
                let value = request.await?;
                Ok(Box::new(move || then(value)) as Box<dyn FnOnce()>)
            })
        });
        self.run_change(at, local, send);
    }

    fn run_change(self, at: Spot, local: Option<LocalChange>, send: SendChange) {
        let before = local.as_ref().map(|_| self.board.get_untracked());
        if let Some(apply) = &local {
            self.board.update(|b| apply(b));
        }
        self.in_flight.update_value(|n| *n += 1);
        let request = send();
        spawn_local(async move {
            let result = request.await;
            self.in_flight.update_value(|n| *n = n.saturating_sub(1));
            match result {
                Ok(then) => {
                    // It went through: a note about this spot, or about the
                    // server being away, is out of date.
                    self.failure.update(|f| {
                        if f.as_ref().is_some_and(|f| f.at == at || f.offline) {
                            *f = None;
                        }
                    });
                    then();
                    // Its event (and everyone else's) brings what is stored;
                    // without a live connection, ask.
                    if Self::following_live() {
                        self.apply_changes();
                    } else {
                        self.reload().await;
                    }
                }
                Err(error) => {
                    if let Some(before) = before {
                        self.board.set(before);
                    }
                    self.apply_changes();
                    if let AppError::Stale(current) = &error {
                        self.stale_task.set(Some((**current).clone()));
                    }
                    let offline = error.is_network();
                    let retry = offline.then(|| {
                        let (local, send) = (local.clone(), send.clone());
                        Callback::new(move |()| {
                            self.failure.set(None);
                            self.run_change(at, local.clone(), send.clone());
                        })
                    });
                    self.failure.set(Some(Failure {
                        at,
                        message: if offline {
                            NOT_SAVED.to_string()
                        } else {
                            plain(&error)
                        },
                        offline,
                        retry,
                    }));
                    // While the server is away a reload would fail too: the
                    // board reloads itself when the connection is back.
                    if !offline {
                        self.reload().await;
                        // What it was about may be gone now (a column deleted
                        // meanwhile): then the board itself says it.
                        if !self.spot_exists(at) {
                            self.failure.update(|f| {
                                if let Some(f) = f.as_mut().filter(|f| f.at == at) {
                                    f.at = Spot::Board;
                                }
                            });
                        }
                    }
                }
            }
        });
    }

    /// Whether the place a failure would be shown at is on the board.
    fn spot_exists(self, at: Spot) -> bool {
        self.board.with_untracked(|b| match at {
            Spot::Column(id) | Spot::NewTask(id) => b.columns.iter().any(|c| c.id == id),
            Spot::Card(id) | Spot::Task(id) => b.task(id).is_some(),
            Spot::Board | Spot::NewColumn | Spot::Members => true,
        })
    }

    /// Loads the board from the server, unless a change is still on its way
    /// (its own reload will follow).
    pub async fn reload(self) {
        if self.in_flight.get_value() > 0 {
            return;
        }
        match get_board(self.id()).await {
            Ok(board) if self.in_flight.get_value() == 0 => {
                let live = expect_context::<Live>();
                live.board_seq.set_value(Some(board.seq));
                live.board_inbox
                    .update(|q| q.retain(|(seq, _)| *seq > board.seq));
                self.board.set(board);
                self.apply_changes();
            }
            Ok(_) => {}
            Err(e) if e.is_network() => {}
            Err(e) => self.failure.set(Some(Failure {
                at: Spot::Board,
                message: plain(&e),
                offline: false,
                retry: None,
            })),
        }
    }

    /// The connection is back: show what is stored now, and drop the notes
    /// that only said the server was away.
    fn refresh_after_reconnect(self) {
        self.failure.update(|f| {
            if f.as_ref().is_some_and(|f| f.offline) {
                *f = None;
            }
        });
        spawn_local(async move { self.reload().await });
    }

    /// Whether the board's changes arrive by themselves (socket or long poll).
    fn following_live() -> bool {
        matches!(
            expect_context::<Live>().status.get_untracked(),
            LiveStatus::Live | LiveStatus::Fallback
        )
    }

    /// Applies the board changes that arrived, in order, unless a change of
    /// this user's is still on its way (they wait for its answer, so the
    /// screen never mixes a guess with the truth). A gap in the numbers (it
    /// should not happen: the server fills them) reloads the board.
    pub fn apply_changes(self) {
        // Nor while the user holds a card: the board must not shift under
        // their pointer (they apply when it is dropped).
        if self.in_flight.get_value() > 0 || self.drag.get_untracked().is_some() {
            return;
        }
        let live = expect_context::<Live>();
        let arrived = live
            .board_inbox
            .try_update(std::mem::take)
            .unwrap_or_default();
        if arrived.is_empty() {
            return;
        }
        let mut gap = false;
        let mut deleted = false;
        let mut touched = Vec::new();
        self.board.update(|b| {
            for (seq, change) in &arrived {
                if *seq <= b.seq {
                    continue; // had it already (a reload included it)
                }
                if *seq > b.seq + 1 {
                    gap = true;
                    break;
                }
                deleted |= matches!(change, BoardChange::BoardDeleted);
                if let BoardChange::TaskCreated { task } | BoardChange::TaskMoved { task } = change
                {
                    // Someone else's card that really moved: it shows where it went.
                    let was = b.task(task.id).map(|t| (t.column_id, t.position));
                    if was != Some((task.column_id, task.position)) {
                        touched.push(task.id);
                    }
                }
                b.apply(change);
                b.seq = *seq;
            }
        });
        if !touched.is_empty() {
            self.arrived.update(|a| a.extend(touched.iter().copied()));
            // Each highlight ends on its own (a later one keeps its time).
            set_timeout(
                move || {
                    self.arrived
                        .update(|a| a.retain(|id| !touched.contains(id)))
                },
                std::time::Duration::from_millis(1200),
            );
        }
        live.board_seq
            .set_value(Some(self.board.with_untracked(|b| b.seq)));
        if deleted {
            self.failure.set(Some(Failure {
                at: Spot::Board,
                message: "This board was deleted.".into(),
                offline: false,
                retry: None,
            }));
        } else if gap {
            spawn_local(async move { self.reload().await });
        }
    }

    /// Moves a task (on screen at once), announces it and keeps focus on its card.
    pub fn move_task(self, task_id: i64, column_id: i64, position: i64) {
        let mut preview = self.board.get_untracked();
        preview.move_task(task_id, column_id, position);
        let (title, column, pos) = {
            let task = preview.task(task_id);
            (
                task.map(|t| t.title.clone()).unwrap_or_default(),
                preview
                    .columns
                    .iter()
                    .find(|c| c.id == column_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                task.map_or(0, |t| t.position),
            )
        };
        self.status
            .set(format!("Moved “{title}” to {column}, position {}", pos + 1));
        if self.before_moves.with_value(Option::is_none) {
            self.before_moves
                .set_value(Some(self.board.get_untracked()));
        }
        self.board.set(preview);
        self.unsent_moves.update_value(|q| {
            if !q.contains(&task_id) {
                q.push(task_id);
            }
        });
        self.send_next_move();
    }

    /// Sends the next moved card's place — after the card now above it on
    /// screen, from the version this tab knows — once the previous move is
    /// answered.
    fn send_next_move(self) {
        if self.sending_move.get_value() {
            return;
        }
        let Some(task_id) = self
            .unsent_moves
            .try_update_value(|q| (!q.is_empty()).then(|| q.remove(0)))
            .flatten()
        else {
            // Every move is answered: the screen holds no guess any more.
            self.before_moves.set_value(None);
            self.apply_changes();
            return;
        };
        let Some(to) = self.board.with_untracked(|b| {
            let task = b.task(task_id)?;
            let after_id = b
                .tasks_in(task.column_id)
                .take_while(|t| t.id != task_id)
                .last()
                .map(|t| t.id);
            Some(TaskMove {
                column_id: task.column_id,
                after_id,
                version: task.version,
            })
        }) else {
            return self.send_next_move();
        };
        self.sending_move.set_value(true);
        self.in_flight.update_value(|n| *n += 1);
        spawn_local(async move {
            let result = move_task(task_id, to.clone()).await;
            self.in_flight.update_value(|n| *n = n.saturating_sub(1));
            self.sending_move.set_value(false);
            match result {
                Ok(task) => {
                    self.placed_again.set_value(None);
                    self.failure.update(|f| {
                        if f.as_ref()
                            .is_some_and(|f| f.at == Spot::Card(task_id) || f.offline)
                        {
                            *f = None;
                        }
                    });
                    // The next move of this card starts from this version.
                    self.board.update(|b| {
                        if let Some(t) = b.tasks.iter_mut().find(|t| t.id == task_id) {
                            t.version = t.version.max(task.version);
                        }
                    });
                    if !Self::following_live() {
                        self.reload().await;
                    }
                    self.send_next_move();
                }
                // The card is as the user saw it, but the card it was to
                // follow left that column meanwhile (someone moved it at the
                // same time): nobody disagreed with this move, so it goes
                // where it was dropped, on the board as it is now.
                Err(AppError::Stale(current))
                    if current.version == to.version
                        && self.placed_again.get_value() != Some(task_id)
                        && self.unsent_moves.with_value(Vec::is_empty) =>
                {
                    let dropped_at = self
                        .board
                        .with_untracked(|b| b.task(task_id).map(|t| (t.column_id, t.position)));
                    self.placed_again.set_value(Some(task_id));
                    self.before_moves.set_value(None);
                    self.reload().await;
                    if let Some((column_id, position)) = dropped_at {
                        self.move_task(task_id, column_id, position);
                    }
                }
                Err(error) => {
                    self.placed_again.set_value(None);
                    // What is on screen was a guess that did not hold: put
                    // it back, show what is stored, and say why.
                    self.unsent_moves.update_value(Vec::clear);
                    if let Some(before) = self.before_moves.try_update_value(Option::take).flatten()
                    {
                        self.board.set(before);
                    }
                    let offline = error.is_network();
                    let message = match &error {
                        AppError::Stale(_) => "Someone else moved this card meanwhile: \
                                               it is back where they put it."
                            .to_string(),
                        _ if offline => NOT_SAVED.to_string(),
                        other => plain(other),
                    };
                    // Retry: the same move again — after the same card.
                    let retry = offline.then(|| {
                        Callback::new(move |()| {
                            self.failure.set(None);
                            let position = self.board.with_untracked(|b| {
                                to.after_id.map_or(0, |after| {
                                    b.tasks_in(to.column_id)
                                        .filter(|t| t.id != task_id)
                                        .position(|t| t.id == after)
                                        .map_or(0, |i| i as i64 + 1)
                                })
                            });
                            self.move_task(task_id, to.column_id, position);
                        })
                    });
                    if let AppError::Stale(current) = &error {
                        let current = (**current).clone();
                        self.board.update(|b| {
                            b.apply(&BoardChange::TaskMoved { task: current });
                        });
                    }
                    self.failure.set(Some(Failure {
                        at: Spot::Card(task_id),
                        message,
                        offline,
                        retry,
                    }));
                    if !offline {
                        self.reload().await;
                    }
                    self.apply_changes();
                }
            }
        });
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
        browser::focus_soon(match tab {
            PaneTab::Chat => "pane-tab-chat".into(),
            PaneTab::Members => "pane-tab-members".into(),
        });
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

/// A service error in words for the person who made the change: the
/// server's message as a sentence.
pub fn plain(error: &AppError) -> String {
    let message = error.message();
    let mut chars = message.chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Something went wrong.".into(),
    };
    if !text.ends_with(['.', '!', '?', ')']) {
        text.push('.');
    }
    text
}

/// Shows the board's rooms in the chat panel, goes live once in the browser
/// (board presence, rooms, the room a link asked for or the one last open),
/// and stops following the board when the page goes away.
fn follow_board(board_id: i64, seq: i64, rooms: &[RoomSummary]) {
    let live = expect_context::<Live>();
    live.show_board(board_id, seq, rooms.to_vec());
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
    on_cleanup(move || live.leave_board(board_id));
}

/// The board page's state (for components rendered on the board page).
pub fn use_board() -> BoardState {
    expect_context::<BoardState>()
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
    let state = BoardState::new(board);
    provide_context(state);
    let live = expect_context::<Live>();
    follow_board(
        state.id(),
        state.board.with_untracked(|b| b.seq),
        rooms.as_deref().unwrap_or_default(),
    );
    // Everyone's changes, as they arrive (several may come between renders).
    Effect::new(move |_| {
        if live.board_inbox.with(|q| !q.is_empty()) {
            state.apply_changes();
        }
    });
    // Too far behind to replay: load the board once.
    Effect::new(move |seen: Option<u32>| {
        let stale = live.board_stale.get();
        if seen.is_some_and(|s| s != stale) {
            spawn_local(async move { state.reload().await });
        }
        stale
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
    let columns = move || state.board.with(|b| b.columns.clone());
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
        state
            .pane_hidden
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
    view! {
        <Title text=title />
        <div class="board-page" class:pane-hidden=move || state.pane_hidden.get()
            class:pane-open=move || state.pane_open.get()>
            <BoardHeader />
            <p class="sr-only" role="status" aria-live="polite">{move || state.status.get()}</p>
            <div class="board-main" node_ref=board_main>
                <div class="board-columns">
                    <div class="columns" role="region" aria-label="Columns">
                        <List rows=move || rows_of(
                            columns(),
                            |c| format!("{:?}", (c.id, &c.name, c.position)),
                            move |column| view! { <ColumnView column /> },
                        ) />
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

#[component]
fn BoardHeader() -> impl IntoView {
    let state = use_board();
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
                aria-expanded=move || state.pane_visible().to_string()
                on:click=move |_| if state.pane_visible() { state.hide_pane() } else { state.show_pane(PaneTab::Chat) }>
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
    let live = expect_context::<Live>();
    const SHOWN: usize = 5;
    let members = move || state.board.with(|b| b.members.clone());
    let count = move || state.board.with(|b| b.members.len());
    view! {
        <button type="button" class="member-stack" on:click=move |_| state.show_pane(PaneTab::Members)
            aria-label=move || format!("Members: {}", count())>
            <ul class="stack-list" aria-label="Board members">
                {move || members().into_iter().take(SHOWN).map(|m| {
                    let id = m.user.id;
                    let presence = move || live.presence(live.board_online, id);
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

#[component]
fn ColumnView(column: Column) -> impl IntoView {
    let state = use_board();
    let column_id = column.id;
    let heading_id = format!("column-{column_id}-name");
    let renaming = RwSignal::new(false);
    let name_input = NodeRef::<leptos::html::Input>::new();
    let name_len = RwSignal::new(char_len(&column.name));
    let title_input = NodeRef::<leptos::html::Input>::new();
    let title_len = RwSignal::new(0usize);
    let menu = NodeRef::<leptos::html::Details>::new();
    browser::dismissable_menu(menu);
    let close_menu = move || {
        if let Some(d) = menu.get_untracked() {
            browser::close_menu(&d);
        }
    };
    let tasks = move || {
        state
            .board
            .with(|b| b.tasks_in(column_id).cloned().collect::<Vec<_>>())
    };
    let count = move || state.board.with(|b| b.tasks_in(column_id).count());
    let position = column.position;
    let column_name = column.name.clone();
    let is_last = move || position + 1 >= state.board.with(|b| b.columns.len() as i64);

    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = name_input.get() else {
            return;
        };
        let name = input.value();
        if char_len(name.trim()) > COLUMN_NAME_MAX {
            return;
        }
        renaming.set(false);
        let patch = ColumnPatch {
            name: Some(name),
            position: None,
        };
        state.send(
            Spot::Column(column_id),
            move || update_column(column_id, patch.clone()),
            |_| {},
        );
    };
    let shift = move |by: i64| {
        close_menu();
        let patch = ColumnPatch {
            name: None,
            position: Some(position + by),
        };
        state.send(
            Spot::Column(column_id),
            move || update_column(column_id, patch.clone()),
            move |_| browser::focus_soon(format!("column-{column_id}-menu")),
        );
    };
    let name_for_delete = column.name.clone();
    let delete = move |_| {
        close_menu();
        let n = count();
        let msg = if n == 0 {
            format!("Delete the column “{name_for_delete}”?")
        } else {
            format!(
                "Delete the column “{name_for_delete}” and its {n} task(s)? This cannot be undone."
            )
        };
        if browser::confirm(&msg) {
            state.send(
                Spot::Column(column_id),
                move || delete_column(column_id),
                |_| {},
            );
        }
    };
    // The typed title stays in the field until the server has the task.
    let add_task = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = title_input.get() else {
            return;
        };
        let title = input.value();
        if title.trim().is_empty() || char_len(title.trim()) > TASK_TITLE_MAX {
            return;
        }
        let board_id = state.id();
        let sent = title.clone();
        state.send(
            Spot::NewTask(column_id),
            move || create_task(board_id, column_id, title.clone(), None),
            move |_| clear_if_unchanged(title_input, &sent, Some(title_len)),
        );
    };

    // Drag-and-drop: dropping on the list's empty space appends to the column.
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        if state.drag.get_untracked().is_some() {
            ev.prevent_default();
            let end = count() as i64;
            if state.drop_at.get_untracked().map(|(c, _)| c) != Some(column_id) {
                state.drop_at.set(Some((column_id, end)));
            }
        }
    };
    let live = expect_context::<Live>();
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let dragged = state.drag.get_untracked();
        if let (Some(task_id), Some((col, index))) = (dragged, state.drop_at.get_untracked()) {
            state.move_task(task_id, col, index);
        }
        // Put down (the card's own `dragend` may never come: it is drawn
        // anew at its new place).
        if let Some(task_id) = dragged {
            live.say_moving(task_id, false);
        }
        state.drag.set(None);
        state.drop_at.set(None);
    };
    let is_drop_target = move || state.drop_at.get().map(|(c, _)| c) == Some(column_id);
    let new_task_id = format!("new-task-{column_id}");

    view! {
        <section class="column" aria-labelledby=heading_id.clone() class:drop-target=is_drop_target>
            <header class="column-head">
                <If
                    when=move || renaming.get()
                    fallback={
                        let heading_id = heading_id.clone();
                        let name = column.name.clone();
                        move || view! {
                            <h2 id=heading_id.clone() class="column-title">
                                {name.clone()} <span class="count" aria-label=move || format!("{} tasks", count())>{count}</span>
                            </h2>
                        }
                    }
                >
                    <form class="inline-form column-rename" on:submit=rename aria-label="Rename column">
                        <label class="sr-only" for=format!("column-{column_id}-rename")>"Column name"</label>
                        <input id=format!("column-{column_id}-rename") node_ref=name_input type="text" required
                            aria-describedby=format!("column-{column_id}-rename-count")
                            prop:value=column_name.clone() autofocus
                            on:input=move |ev| name_len.set(char_len(&event_target_value(&ev))) />
                        <button type="submit" class="btn btn-primary btn-sm">"Save"</button>
                        <CharCount len=name_len.into() max=COLUMN_NAME_MAX id=format!("column-{column_id}-rename") />
                    </form>
                </If>
                <details class="column-menu" node_ref=menu>
                    <summary id=format!("column-{column_id}-menu") aria-label=format!("Column actions for {}", column.name)>"⋯"</summary>
                    <div class="menu">
                        <button type="button" class="menu-item" on:click=move |_| { close_menu(); renaming.set(true); }>"Rename"</button>
                        <button type="button" class="menu-item" disabled={move || position == 0} on:click=move |_| shift(-1)>"Move left"</button>
                        <button type="button" class="menu-item" disabled={is_last} on:click=move |_| shift(1)>"Move right"</button>
                        <button type="button" class="menu-item danger" on:click=delete>"Delete column"</button>
                    </div>
                </details>
            </header>
            <FailureNote at=Spot::Column(column_id) />
            <ol class="cards" on:dragover=on_dragover on:drop=on_drop aria-label=format!("Tasks in {}", column.name)>
                <List rows=move || rows_of(
                    tasks(),
                    |t| format!("{:?}", (t.id, t.position, t.column_id, &t.title, t.assignee_id, t.comment_count, t.description.is_empty())),
                    move |task| view! { <TaskCard task /> },
                ) />
            </ol>
            <form class="add-task" on:submit=add_task aria-label=format!("Add a task to {}", column.name)>
                <div class="add-task-row">
                    <label class="sr-only" for=new_task_id.clone()>{format!("New task in {}", column.name)}</label>
                    <input id=new_task_id.clone() node_ref=title_input type="text" placeholder="Add a task…"
                        aria-describedby=format!("{new_task_id}-count")
                        on:input=move |ev| title_len.set(char_len(&event_target_value(&ev))) />
                    <button type="submit" class="btn btn-sm">"Add"</button>
                </div>
                <CharCount len=title_len.into() max=TASK_TITLE_MAX id=new_task_id.clone() />
                <FailureNote at=Spot::NewTask(column_id) />
            </form>
        </section>
    }
}

#[component]
fn TaskCard(task: Task) -> impl IntoView {
    let state = use_board();
    let (id, column_id, position) = (task.id, task.column_id, task.position);
    let assignee = state.board.with_untracked(|b| {
        task.assignee_id
            .and_then(|a| b.member(a))
            .map(|m| m.user.display_name.clone())
    });
    let href = format!("/boards/{}/tasks/{id}", task.board_id);
    let comments = task.comment_count;
    let live = expect_context::<Live>();
    // Someone else holding this card right now.
    let mover = move || live.mover_of(id).map(|u| u.display_name);

    let on_dragstart = move |ev: leptos::ev::DragEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(dt) = ev.data_transfer() {
            let _ = dt.set_data("text/plain", &id.to_string());
            dt.set_effect_allowed("move");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
        state.drag.set(Some(id));
        live.say_moving(id, true);
    };
    let on_dragend = move |_| {
        state.drag.set(None);
        state.drop_at.set(None);
        live.say_moving(id, false);
        // What others changed while the card was held.
        state.apply_changes();
    };
    // Hovering a card: the dragged card takes this card's place, which moves aside.
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        if state.drag.get_untracked().is_none() {
            return;
        }
        ev.prevent_default();
        ev.stop_propagation();
        if state.drop_at.get_untracked() != Some((column_id, position)) {
            state.drop_at.set(Some((column_id, position)));
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if !ev.alt_key() {
            return;
        }
        let (columns, len) = state.board.with_untracked(|b| {
            (
                b.columns.iter().map(|c| c.id).collect::<Vec<_>>(),
                b.tasks_in(column_id).count() as i64,
            )
        });
        let col_idx = columns.iter().position(|&c| c == column_id).unwrap_or(0);
        let target = match ev.key().as_str() {
            "ArrowUp" if position > 0 => Some((column_id, position - 1)),
            "ArrowDown" if position + 1 < len => Some((column_id, position + 1)),
            "ArrowLeft" if col_idx > 0 => Some((columns[col_idx - 1], position)),
            "ArrowRight" if col_idx + 1 < columns.len() => Some((columns[col_idx + 1], position)),
            _ => None,
        };
        if let Some((to_column, to_position)) = target {
            ev.prevent_default();
            state.move_task(id, to_column, to_position);
            browser::focus_soon(format!("task-{id}"));
        }
    };
    let dragging = move || state.drag.get() == Some(id);
    let drop_here =
        move || state.drop_at.get() == Some((column_id, position)) && state.drag.get() != Some(id);
    view! {
        <li class="card-slot" class:drop-here=drop_here on:dragover=on_dragover>
            <A href=href attr:id=format!("task-{id}")
                attr:class=move || match (dragging(), state.arrived.with(|a| a.contains(&id))) {
                    (true, _) => "card dragging",
                    (false, true) => "card arrived",
                    _ => "card",
                }
                attr:draggable="true" on:dragstart=on_dragstart on:dragend=on_dragend on:keydown=on_keydown
                attr:data-task-id=id.to_string()
                attr:aria-describedby="card-help">
                <span class="card-title" dir="auto">{task.title.clone()}</span>
                {move || mover().map(|name| view! {
                    <span class="card-moving" aria-hidden="true">{format!("{name} is moving this")}</span>
                })}
                <span class="card-meta">
                    {(!task.description.is_empty()).then(|| view! {
                        <span class="card-desc-mark" title="Has a description">"≡"<span class="sr-only">", has a description"</span></span>
                    })}
                    {(comments > 0).then(|| view! {
                        <span class="card-comments" title=format!("{comments} comment(s)")>
                            <span aria-hidden="true">"💬 "</span>{comments}
                            <span class="sr-only">{if comments == 1 { " comment" } else { " comments" }}</span>
                        </span>
                    })}
                    {assignee.map(|name| view! {
                        <span class="card-assignee"><Avatar name=name.clone() small=true /><span class="sr-only">{format!(", assigned to {name}")}</span></span>
                    })}
                </span>
            </A>
            <FailureNote at=Spot::Card(id) />
        </li>
    }
}

#[component]
fn AddColumn() -> impl IntoView {
    let state = use_board();
    let input = NodeRef::<leptos::html::Input>::new();
    let len = RwSignal::new(0usize);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = input.get() else { return };
        let name = el.value();
        if name.trim().is_empty() || char_len(name.trim()) > COLUMN_NAME_MAX {
            return;
        }
        let board_id = state.id();
        let sent = name.clone();
        state.send(
            Spot::NewColumn,
            move || create_column(board_id, name.clone()),
            move |_| clear_if_unchanged(input, &sent, Some(len)),
        );
    };
    view! {
        <section class="column column-new" aria-label="Add a column">
            <span id="card-help" class="sr-only">"Press Alt and an arrow key to move this card."</span>
            <form class="stack" on:submit=submit>
                <label for="new-column-name">"New column"</label>
                <input id="new-column-name" node_ref=input type="text" placeholder="Column name"
                    aria-describedby="new-column-name-count"
                    on:input=move |ev| len.set(char_len(&event_target_value(&ev))) />
                <CharCount len=len.into() max=COLUMN_NAME_MAX id="new-column-name" />
                <button type="submit" class="btn btn-sm">"Add column"</button>
                <FailureNote at=Spot::NewColumn />
            </form>
        </section>
    }
}

/// The draggable edge of the pane; arrow keys resize it too.
#[component]
fn PaneResizer(width: RwSignal<i32>) -> impl IntoView {
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
fn BoardPane(rooms: Result<Vec<RoomSummary>, AppError>) -> impl IntoView {
    let state = use_board();
    let live = expect_context::<Live>();
    let tab = state.pane_tab;
    let chat_unread = move || live.rooms.with(|r| r.iter().map(|r| r.unread).sum::<i64>());
    let select = move |t: PaneTab| {
        tab.set(t);
        browser::focus_soon(match t {
            PaneTab::Chat => "pane-tab-chat".into(),
            PaneTab::Members => "pane-tab-members".into(),
        });
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
        if ev.key() == "Escape" && !ev.default_prevented() && state.pane_open.get_untracked() {
            ev.prevent_default();
            state.hide_pane();
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
                    title="Hide" on:click=move |_| state.hide_pane()>"✕"</button>
            </div>
            <div id="pane-chat" class="pane-panel" role="tabpanel" aria-labelledby="pane-tab-chat"
                hidden=move || tab.get() != PaneTab::Chat>
                <ChatPanel rooms />
            </div>
            <div id="pane-members" class="pane-panel pane-scroll" role="tabpanel" aria-labelledby="pane-tab-members"
                hidden=move || tab.get() != PaneTab::Members>
                <MembersPanel />
            </div>
        </section>
    }
}

#[component]
fn MembersPanel() -> impl IntoView {
    let state = use_board();
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
                state
                    .status
                    .set(format!("Added {} to the board", m.user.display_name));
            },
        );
    };
    let members = move || state.board.with(|b| b.members.clone());
    let live = expect_context::<Live>();
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
                Err(e) => state.failure.set(Some(Failure {
                    at: Spot::Members,
                    message: if e.is_network() {
                        NOT_SAVED.into()
                    } else {
                        plain(&e)
                    },
                    offline: e.is_network(),
                    retry: None,
                })),
            }
        });
    };
    view! {
        <aside class="members" aria-labelledby="members-title">
            <h2 id="members-title">"Members " <span class="count">{move || state.board.with(|b| b.members.len())}</span></h2>
            <ul class="member-list">
                <List rows=move || rows_of(
                    members(),
                    |m| format!("{:?}", (m.user.id, m.role)),
                    move |member| {
                        let user_id = member.user.id;
                        let name = member.user.display_name.clone();
                        let is_owner_row = member.role == Role::Owner;
                        let remove = {
                            let name = name.clone();
                            move |_| {
                                if browser::confirm(&format!("Remove {name} from this board?")) {
                                    let board_id = state.id();
                                    state.send(Spot::Members, move || remove_member(board_id, user_id), |_| {});
                                }
                            }
                        };
                        let presence = move || live.presence(live.board_online, user_id);
                        view! {
                            <li class=move || format!("member {}", presence().class())>
                                <span class=move || format!("who-item {}", presence().class())>
                                    <Avatar name=name.clone() />
                                    <span class="dot" aria-hidden="true"></span>
                                </span>
                                <span class="sr-only">{move || presence().label()}</span>
                                <span class="member-name">
                                    {name.clone()}
                                    <span class="muted">" @"{member.user.username.clone()}</span>
                                </span>
                                {is_owner_row.then(|| view! { <span class="tag">"owner"</span> })}
                                <If when=move || state.is_owner() && !is_owner_row>
                                    <button type="button" class="btn btn-ghost btn-sm" on:click=remove.clone()
                                        aria-label=format!("Remove {}", name)>"Remove"</button>
                                </If>
                            </li>
                        }
                    },
                ) />
            </ul>
            <If when=move || state.is_owner()>
                <form class="stack" on:submit=add aria-label="Add a member">
                    <label for="add-member">"Add a member by username"</label>
                    <div class="inline-form">
                        <input id="add-member" node_ref=input type="text" placeholder="username"
                            autocapitalize="none" spellcheck="false" />
                        <button type="submit" class="btn btn-sm">"Add"</button>
                    </div>
                </form>
            </If>
            <FailureNote at=Spot::Members />
            <If when=move || !state.is_owner()>
                <button type="button" class="btn btn-ghost btn-sm" on:click=leave.clone()>"Leave board"</button>
            </If>
        </aside>
    }
}
