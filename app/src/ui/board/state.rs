//! The shown board's state in signals, wired to the network: every change
//! the user makes goes through [`BoardState::change`] (or, for a card's
//! move, [`BoardState::move_task`]) — its guess shown at once, sent through
//! a server function, undone on failure with a note where it was made — and
//! everyone's changes arrive through the [`BoardRoute`] that `Live` hands
//! the board's events to. The rules of both are the [`BoardFeed`]'s.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::feed::{Applied, BoardFeed, ChangeId, Guess, Undone};
use crate::api::boards::{get_board, move_task};
use crate::error::{AppError, AppResult};
use crate::model::{BoardDetail, Role, Task};
use crate::protocol::BoardChange;
use crate::ui::live::{now_ms, BoardInput, BoardRoute, Live, LiveStatus};

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

/// What "not saved because the server is away" says.
pub const NOT_SAVED: &str = "Can't reach TaskFlow — not saved.";

/// How long a "moving this" marker lasts without news (a drag that never
/// ended: the mover's tab closed, their connection dropped).
pub const MOVING_EXPIRY_MS: u64 = 15_000;

/// Someone else is moving a card (until `until`, ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovingHint {
    pub task_id: i64,
    pub user: crate::model::User,
    pub until: u64,
}

/// Sends a change (again, for Retry); its success gives what is to follow.
type SendChange =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = AppResult<Box<dyn FnOnce()>>>>> + Send + Sync>;

/// The board being shown, shared by its columns, cards, pane and task dialog.
#[derive(Clone, Copy)]
pub struct BoardState {
    /// What the screen shows (the feed's board, copied when it changes).
    pub board: RwSignal<BoardDetail>,
    feed: StoredValue<BoardFeed>,
    /// The last change that failed, shown at its [`Spot`].
    pub failure: RwSignal<Option<Failure>>,
    /// Cards that just arrived at a new place through someone else's change
    /// (they are highlighted for a moment).
    pub arrived: RwSignal<Vec<i64>>,
    /// A change of a card was refused as stale: the card as it is now (the
    /// task dialog offers to keep the user's text or take this).
    pub stale_task: RwSignal<Option<Task>>,
    /// Board members online now (for the dots on the member list).
    pub online: RwSignal<Vec<i64>>,
    /// Cards other people are moving right now.
    pub moving: RwSignal<Vec<MovingHint>>,
    /// The last checklist that changed (card id, all its items): the open
    /// task dialog shows it live.
    pub checklist: RwSignal<Option<(i64, Vec<crate::model::ChecklistItem>)>>,
    live: Live,
}

impl BoardState {
    pub fn new(board: BoardDetail, live: Live) -> Self {
        Self {
            board: RwSignal::new(board.clone()),
            feed: StoredValue::new(BoardFeed::new(board)),
            failure: RwSignal::new(None),
            arrived: RwSignal::new(Vec::new()),
            stale_task: RwSignal::new(None),
            online: RwSignal::new(Vec::new()),
            moving: RwSignal::new(Vec::new()),
            checklist: RwSignal::new(None),
            live,
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

    /// Works on the feed, then shows its board if that changed. `None` once
    /// the page is gone.
    fn with_feed<R>(self, work: impl FnOnce(&mut BoardFeed) -> R) -> Option<R> {
        let mut work = Some(work);
        let mut result = None;
        self.feed_work(&mut |feed| {
            if let Some(work) = work.take() {
                result = Some(work(feed));
            }
        });
        result
    }

    /// The body of [`Self::with_feed`], compiled once (not once per caller).
    fn feed_work(self, work: &mut dyn FnMut(&mut BoardFeed)) {
        let board = self.feed.try_update_value(|feed| {
            let before = feed.revision();
            work(feed);
            (feed.revision() != before).then(|| feed.board().clone())
        });
        if let Some(Some(board)) = board {
            self.board.try_set(board);
        }
    }

    /// Sends a change, shown once the server has it; `then` runs after a success.
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

    /// Shows `local` on screen at once and sends the change. A failure
    /// undoes it (and only it) and says so at `at`; when the server could
    /// not be reached it offers to retry.
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
        let guess = match local {
            Some(apply) => Guess::Edit(Arc::new(apply)),
            None => Guess::Nothing,
        };
        let send: SendChange = Arc::new(move || {
            let (request, then) = (call(), then.clone());
            Box::pin(async move {
                let value = request.await?;
                Ok(Box::new(move || then(value)) as Box<dyn FnOnce()>)
            })
        });
        self.run_change(at, guess, send);
    }

    fn run_change(self, at: Spot, guess: Guess, send: SendChange) {
        let Some(id) = self.with_feed(|f| f.begin(guess.clone())) else {
            return;
        };
        let request = send();
        spawn_local(async move {
            match request.await {
                Ok(then) => {
                    self.with_feed(|f| f.succeeded(id, None));
                    self.clear_failure(at);
                    then();
                    self.answered(false).await;
                }
                Err(error) => {
                    self.with_feed(|f| f.failed(id, &error));
                    if let Some(current) = error.current_task() {
                        self.stale_task.set(Some(current.clone()));
                    }
                    let offline = error.is_network();
                    let retry = offline.then(|| {
                        let (guess, send) = (guess.clone(), send.clone());
                        Callback::new(move |()| {
                            self.failure.set(None);
                            self.run_change(at, guess.clone(), send.clone());
                        })
                    });
                    // A stale save in the task dialog: its clash box says
                    // it (and who), once; no second note under it.
                    let clash_box = matches!((&error, at), (AppError::Stale(_), Spot::Task(_)));
                    if !clash_box {
                        self.fail(at, &error, None, retry);
                    }
                    self.answered(!offline).await;
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
        });
    }

    /// A change was answered: show what arrived meanwhile, and load the
    /// board if it must be (`reload`: after a refusal; or no live
    /// connection brings the changes; or a load was put off meanwhile).
    async fn answered(self, reload: bool) {
        self.apply_arrived();
        let wanted = self.with_feed(|f| f.reload_wanted()).unwrap_or(false);
        if reload || wanted || !self.following_live() {
            self.reload().await;
        }
    }

    /// A note about `at`, or about the server being away, is out of date.
    fn clear_failure(self, at: Spot) {
        self.failure.update(|f| {
            if f.as_ref().is_some_and(|f| f.at == at || f.offline) {
                *f = None;
            }
        });
    }

    /// Says why a change failed, at `at` (`message`: other words than the
    /// error's own).
    pub fn fail(
        self,
        at: Spot,
        error: &AppError,
        message: Option<&str>,
        retry: Option<Callback<()>>,
    ) {
        let offline = error.is_network();
        self.failure.set(Some(Failure {
            at,
            message: match message {
                Some(m) => m.to_string(),
                None if offline => NOT_SAVED.to_string(),
                None => plain(error),
            },
            offline,
            retry,
        }));
    }

    /// Whether the place a failure would be shown at is on the board.
    fn spot_exists(self, at: Spot) -> bool {
        self.board.with_untracked(|b| match at {
            Spot::Column(id) | Spot::NewTask(id) => b.columns.iter().any(|c| c.id == id),
            Spot::Card(id) | Spot::Task(id) => b.task(id).is_some(),
            Spot::Board | Spot::NewColumn | Spot::Members => true,
        })
    }

    /// Loads the board from the server (put off while a change is on its
    /// way: a load answered meanwhile may be older than the screen).
    pub async fn reload(self) {
        if self.with_feed(|f| f.busy()) != Some(false) {
            self.with_feed(|f| f.want_reload());
            return;
        }
        match get_board(self.id()).await {
            Ok(board) => {
                if self.with_feed(|f| f.loaded(board)) == Some(true) {
                    self.apply_arrived();
                }
            }
            Err(e) if e.is_network() => {}
            Err(e) => self.fail(Spot::Board, &e, None, None),
        }
    }

    /// The connection is back: show what is stored now, and drop the notes
    /// that only said the server was away.
    pub fn refresh_after_reconnect(self) {
        self.failure.update(|f| {
            if f.as_ref().is_some_and(|f| f.offline) {
                *f = None;
            }
        });
        spawn_local(async move { self.reload().await });
    }

    /// Whether the board's changes arrive by themselves (socket or long poll).
    fn following_live(self) -> bool {
        matches!(
            self.live.status.get_untracked(),
            LiveStatus::Live | LiveStatus::Fallback
        )
    }

    /// Shows the changes that arrived, if the screen holds no guess and no
    /// card is held.
    pub fn apply_arrived(self) {
        if let Some(applied) = self.with_feed(BoardFeed::apply_arrived) {
            self.show_applied(applied);
        }
    }

    fn show_applied(self, applied: Applied) {
        let Applied {
            arrived,
            deleted,
            gap,
        } = applied;
        if !arrived.is_empty() {
            self.arrived.update(|a| a.extend(arrived.iter().copied()));
            // Each highlight ends on its own (a later one keeps its time).
            set_timeout(
                move || {
                    self.arrived
                        .try_update(|a| a.retain(|id| !arrived.contains(id)));
                },
                std::time::Duration::from_millis(1200),
            );
        }
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

    /// A task's comment count, as its open thread has it.
    pub fn comments_counted(self, task_id: i64, count: i64) {
        self.with_feed(|f| f.comments_counted(task_id, count));
    }

    /// The user picked up a card (nothing shifts under it) or put it down
    /// (what others changed meanwhile shows).
    pub fn hold(self, holding: bool) {
        self.with_feed(|f| f.hold(holding));
        if !holding {
            self.apply_arrived();
        }
    }

    /// Moves a card on screen at once; its move is sent in turn.
    pub fn move_task(self, task_id: i64, column_id: i64, position: i64) {
        self.with_feed(|f| {
            f.begin(Guess::Move {
                task_id,
                column_id,
                position,
            })
        });
        self.send_next_move();
    }

    /// Sends the next moved card's place, once the previous move is answered.
    fn send_next_move(self) {
        let Some(Some((id, task_id, to))) = self.with_feed(BoardFeed::next_move) else {
            // Nothing to send: if that was the last change, show what came.
            self.apply_arrived();
            return;
        };
        spawn_local(async move {
            match move_task(task_id, to.clone()).await {
                Ok(task) => {
                    self.with_feed(|f| f.succeeded(id, Some(&task)));
                    self.clear_failure(Spot::Card(task_id));
                    self.send_next_move();
                    self.answered(false).await;
                }
                Err(error) => self.move_failed(id, task_id, to, error).await,
            }
        });
    }

    async fn move_failed(
        self,
        id: ChangeId,
        task_id: i64,
        to: crate::model::TaskMove,
        error: AppError,
    ) {
        let Some(undone) = self.with_feed(|f| f.failed(id, &error)) else {
            return;
        };
        if let Undone::PlaceAgain {
            task_id,
            column_id,
            position,
        } = undone
        {
            self.reload().await;
            self.move_task(task_id, column_id, position);
            return;
        }
        let offline = error.is_network();
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
        let overtaken = (undone == Undone::Overtaken)
            .then_some("Someone else moved this card meanwhile: it is back where they put it.");
        self.fail(Spot::Card(task_id), &error, overtaken, retry);
        self.send_next_move();
        self.answered(!offline).await;
    }
}

impl BoardState {
    /// Takes what `Live` routed to the board and applies it, in order.
    pub fn take_arrived(self, route: BoardRoute) {
        let mut changes = Vec::new();
        for input in route.take() {
            match input {
                BoardInput::Change { seq, change } => {
                    self.landed(&change);
                    changes.push((seq, change));
                }
                BoardInput::Online(online) => {
                    self.online.set(online);
                }
                BoardInput::Presence { user_id, online } => self.online.update(|o| {
                    o.retain(|id| *id != user_id);
                    if online {
                        o.push(user_id);
                    }
                }),
                BoardInput::Moving {
                    task_id,
                    user,
                    moving,
                } => self.moving(task_id, user, moving),
                BoardInput::TooFarBehind => spawn_local(async move { self.reload().await }),
            }
        }
        // All of them in one go: the screen's copy of the board is made
        // once, not once per change (a replay after a reconnect brings many).
        let done = self.with_feed(|f| {
            let mut all = Applied::default();
            for (seq, change) in changes {
                let applied = f.receive(seq, change);
                all.arrived.extend(applied.arrived);
                all.deleted |= applied.deleted;
                all.gap |= applied.gap;
            }
            (all, f.cursor())
        });
        if let Some((applied, cursor)) = done {
            self.show_applied(applied);
            route.cursor.set_value(cursor);
        }
    }

    /// A card that landed (or went) is no longer being moved.
    fn landed(self, change: &BoardChange) {
        if let BoardChange::ChecklistChanged { task, items } = change {
            self.checklist.set(Some((task.id, items.clone())));
        }
        if let BoardChange::TaskMoved {
            task: Task { id, .. },
        }
        | BoardChange::TaskDeleted { task_id: id, .. } = change
        {
            if self
                .moving
                .with_untracked(|m| m.iter().any(|h| h.task_id == *id))
            {
                self.moving.update(|m| m.retain(|h| h.task_id != *id));
            }
        }
    }

    /// Someone else's "moving this" marker; it goes by itself after
    /// [`MOVING_EXPIRY_MS`] without news (a drag that never ended).
    fn moving(self, task_id: i64, user: crate::model::User, moving: bool) {
        self.moving.update(|m| {
            m.retain(|h| h.user.id != user.id);
            if moving {
                m.push(MovingHint {
                    task_id,
                    user,
                    until: now_ms() + MOVING_EXPIRY_MS,
                });
            }
        });
        if moving {
            set_timeout(
                move || {
                    let now = now_ms();
                    self.moving.try_update(|m| m.retain(|h| h.until > now));
                },
                std::time::Duration::from_millis(MOVING_EXPIRY_MS + 50),
            );
        }
    }

    /// Someone else's "moving this" marker on a card, if any.
    pub fn mover_of(self, task_id: i64) -> Option<crate::model::User> {
        self.moving.with(|m| {
            m.iter()
                .find(|h| h.task_id == task_id)
                .map(|h| h.user.clone())
        })
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
