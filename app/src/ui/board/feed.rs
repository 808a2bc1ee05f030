//! The board a tab shows, as one feed: what is stored (the numbered
//! `board:{id}` changes applied in order, or a fresh load) with this tab's
//! own changes shown on top of it until the server has answered them.
//!
//! Plain data, no signals and no browser: every rule of following a board
//! lives here and is unit-tested (`BoardState` only wires it to the
//! screen and the network).
//!
//! - **One path for every change of this tab.** A change is *begun* with its
//!   guess (how it looks before the server has it: a card's move, an edit,
//!   or nothing), then *succeeds* or *fails*. The board it was guessed on is
//!   kept; a failure takes the screen back to it and replays the other
//!   changes still under way, so one refusal never undoes another change.
//! - **Others' changes wait while a change of ours is unanswered** (and
//!   while the user holds a card): the screen never mixes a guess with what
//!   is stored. They apply in order once all is answered. A number missing
//!   (it should not happen: the server fills gaps) means: load the board.
//! - **Moves go one at a time**, each saying "after card X" as the screen
//!   shows it when it is sent, with the card's version the previous answer
//!   gave. A move refused only because the card it was to follow moved
//!   meanwhile is put down again once on the board as it is now; a move
//!   refused because someone else moved the card snaps it back to where
//!   they put it.

use std::sync::Arc;

use crate::error::AppError;
use crate::model::{BoardDetail, Task, TaskMove};
use crate::protocol::BoardChange;

/// How a change looks on screen before the server has it.
#[derive(Clone)]
pub enum Guess {
    /// A card put at `position` of `column_id` (sent as a move, in turn).
    Move {
        task_id: i64,
        column_id: i64,
        position: i64,
    },
    /// Any other change, shown at once.
    Edit(Arc<dyn Fn(&mut BoardDetail) + Send + Sync>),
    /// Not shown until the server has it (a new card, a rename).
    Nothing,
}

impl std::fmt::Debug for Guess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Move {
                task_id,
                column_id,
                position,
            } => write!(f, "Move({task_id} → {column_id}:{position})"),
            Self::Edit(_) => f.write_str("Edit"),
            Self::Nothing => f.write_str("Nothing"),
        }
    }
}

impl Guess {
    fn show(&self, board: &mut BoardDetail) {
        match self {
            Self::Move {
                task_id,
                column_id,
                position,
            } => board.move_task(*task_id, *column_id, *position),
            Self::Edit(edit) => edit(board),
            Self::Nothing => {}
        }
    }
}

/// Names one change under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeId(u64);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// A move waiting for its turn.
    Unsent,
    /// Sent; a move carries what it said.
    Waiting(Option<TaskMove>),
    /// The server has it (its event may still be on its way).
    Done,
}

#[derive(Debug, Clone)]
struct Pending {
    id: ChangeId,
    guess: Guess,
    answer: Answer,
}

/// What applying the changes that arrived did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Cards that arrived at a new place through someone's change.
    pub arrived: Vec<i64>,
    /// The board was deleted.
    pub deleted: bool,
    /// A change is missing: the board must be loaded again.
    pub gap: bool,
}

/// What a failed change left on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undone {
    /// The screen is back as if the change had not been made.
    Reverted,
    /// Someone else moved the card meanwhile: it is where they put it.
    Overtaken,
    /// Nobody disagreed with the move, but the card it was to follow moved:
    /// load the board and put the card down again here (once).
    PlaceAgain {
        task_id: i64,
        column_id: i64,
        position: i64,
    },
}

/// The board of one tab: stored state, the changes under way, and the
/// changes of others waiting to be applied.
#[derive(Debug, Clone)]
pub struct BoardFeed {
    /// What the screen shows.
    board: BoardDetail,
    /// What is stored, under the guesses (while any change is under way).
    stored: Option<BoardDetail>,
    pending: Vec<Pending>,
    /// Others' changes (and the events of ours) waiting, in order.
    inbox: Vec<(i64, BoardChange)>,
    /// The user holds a card: nothing may shift under the pointer.
    holding: bool,
    /// A load came while changes were under way (and was not used).
    reload_wanted: bool,
    /// The card put down again after a refusal (only once in a row).
    placed_again: Option<i64>,
    next_id: u64,
    /// Bumped whenever `board` changes (the screen copies it then).
    revision: u64,
}

impl BoardFeed {
    pub fn new(board: BoardDetail) -> Self {
        Self {
            board,
            stored: None,
            pending: Vec::new(),
            inbox: Vec::new(),
            holding: false,
            reload_wanted: false,
            placed_again: None,
            next_id: 0,
            revision: 0,
        }
    }

    /// What the screen shows.
    pub fn board(&self) -> &BoardDetail {
        &self.board
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Where the board's topic resumes: after the last change this tab has
    /// (applied, or waiting to be).
    pub fn cursor(&self) -> i64 {
        self.inbox
            .last()
            .map_or(self.board.seq, |(seq, _)| *seq)
            .max(self.board.seq)
    }

    /// Whether any change of this tab is unanswered.
    pub fn busy(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Others' changes may be shown now.
    fn settled(&self) -> bool {
        self.pending.is_empty() && !self.holding
    }

    /// A numbered change arrived (live, replayed or polled). Returns what
    /// applying it did, if it could be applied now.
    pub fn receive(&mut self, seq: i64, change: BoardChange) -> Applied {
        if seq > self.cursor() {
            self.inbox.push((seq, change));
        }
        self.apply_arrived()
    }

    /// Applies the changes that arrived, in order, unless the screen holds
    /// a guess or a card is held.
    pub fn apply_arrived(&mut self) -> Applied {
        let mut applied = Applied::default();
        if !self.settled() || self.inbox.is_empty() {
            return applied;
        }
        for (seq, change) in std::mem::take(&mut self.inbox) {
            if seq <= self.board.seq {
                continue; // a load had it already
            }
            if seq > self.board.seq + 1 {
                applied.gap = true;
                break;
            }
            applied.deleted |= matches!(change, BoardChange::BoardDeleted);
            if let BoardChange::TaskCreated { task } | BoardChange::TaskMoved { task } = &change {
                let was = self.board.task(task.id).map(|t| (t.column_id, t.position));
                if was != Some((task.column_id, task.position)) {
                    applied.arrived.push(task.id);
                }
            }
            self.board.apply(&change);
            self.board.seq = seq;
            self.revision += 1;
        }
        applied
    }

    /// The board as loaded from the server. Used only when no change is
    /// under way (a load answered meanwhile may be older than the screen);
    /// otherwise [`Self::reload_wanted`] says to load again once settled.
    pub fn loaded(&mut self, board: BoardDetail) -> bool {
        if self.busy() {
            self.reload_wanted = true;
            return false;
        }
        self.inbox.retain(|(seq, _)| *seq > board.seq);
        self.board = board;
        self.reload_wanted = false;
        self.revision += 1;
        true
    }

    /// The board is to be loaded once no change is under way.
    pub fn want_reload(&mut self) {
        self.reload_wanted = true;
    }

    /// A load was refused while changes were under way, and none is now.
    pub fn reload_wanted(&self) -> bool {
        self.reload_wanted && !self.busy()
    }

    /// How many comments a task has, as its open thread counts them (the
    /// thread is their stream, not the board's).
    pub fn comments_counted(&mut self, task_id: i64, count: i64) {
        for board in std::iter::once(&mut self.board).chain(self.stored.as_mut()) {
            if let Some(t) = board.tasks.iter_mut().find(|t| t.id == task_id) {
                if t.comment_count != count {
                    t.comment_count = count;
                    self.revision += 1;
                }
            }
        }
    }

    /// The user picked up a card (or put it down).
    pub fn hold(&mut self, holding: bool) {
        self.holding = holding;
    }

    /// Starts a change: shows its guess at once.
    pub fn begin(&mut self, guess: Guess) -> ChangeId {
        if self.pending.is_empty() {
            self.stored = Some(self.board.clone());
        }
        let id = ChangeId(self.next_id);
        self.next_id += 1;
        let answer = if let Guess::Move { task_id, .. } = guess {
            // A card moved again before its move was sent: one move says
            // where it is now.
            self.pending.retain(|p| {
                !(p.answer == Answer::Unsent
                    && matches!(p.guess, Guess::Move { task_id: t, .. } if t == task_id))
            });
            Answer::Unsent
        } else {
            Answer::Waiting(None)
        };
        guess.show(&mut self.board);
        self.revision += 1;
        self.pending.push(Pending { id, guess, answer });
        id
    }

    /// The next move to send, if none is under way: the card's place as the
    /// screen shows it (after the card above it), from the version known.
    pub fn next_move(&mut self) -> Option<(ChangeId, i64, TaskMove)> {
        if self
            .pending
            .iter()
            .any(|p| matches!(p.answer, Answer::Waiting(Some(_))))
        {
            return None;
        }
        loop {
            let index = self
                .pending
                .iter()
                .position(|p| p.answer == Answer::Unsent)?;
            let Guess::Move { task_id, .. } = self.pending[index].guess else {
                unreachable!("only moves wait for their turn");
            };
            let to = self.board.task(task_id).map(|task| TaskMove {
                column_id: task.column_id,
                after_id: self
                    .board
                    .tasks_in(task.column_id)
                    .take_while(|t| t.id != task_id)
                    .last()
                    .map(|t| t.id),
                version: task.version,
            });
            match to {
                Some(to) => {
                    self.pending[index].answer = Answer::Waiting(Some(to.clone()));
                    return Some((self.pending[index].id, task_id, to));
                }
                // The card is gone meanwhile: nothing to send.
                None => {
                    self.pending.remove(index);
                    self.settle_if_answered();
                }
            }
        }
    }

    /// The server has the change. A move's answer is the card as stored:
    /// its next move starts from that version.
    pub fn succeeded(&mut self, id: ChangeId, stored_task: Option<&Task>) {
        let Some(pending) = self.pending.iter_mut().find(|p| p.id == id) else {
            return;
        };
        pending.answer = Answer::Done;
        if let Some(task) = stored_task {
            self.placed_again = None;
            for board in std::iter::once(&mut self.board).chain(self.stored.as_mut()) {
                if let Some(t) = board.tasks.iter_mut().find(|t| t.id == task.id) {
                    t.version = t.version.max(task.version);
                }
            }
            self.revision += 1;
        }
        self.settle_if_answered();
    }

    /// The server refused the change (or could not be reached): the screen
    /// shows what is stored with the other changes still under way.
    pub fn failed(&mut self, id: ChangeId, error: &AppError) -> Undone {
        let Some(index) = self.pending.iter().position(|p| p.id == id) else {
            return Undone::Reverted;
        };
        let pending = self.pending.remove(index);
        let mut undone = Undone::Reverted;
        if let (Guess::Move { task_id, .. }, Answer::Waiting(Some(sent))) =
            (&pending.guess, &pending.answer)
        {
            let task_id = *task_id;
            let others_unsent = self.pending.iter().any(|p| p.answer == Answer::Unsent);
            match error {
                // The card is as the user saw it, but the card it was to
                // follow left that column meanwhile: nobody disagreed with
                // this move, so it goes where it was dropped.
                AppError::Stale(current)
                    if current.task().is_some_and(|c| c.version == sent.version)
                        && self.placed_again != Some(task_id)
                        && !others_unsent =>
                {
                    if let Some(t) = self.board.task(task_id) {
                        undone = Undone::PlaceAgain {
                            task_id,
                            column_id: t.column_id,
                            position: t.position,
                        };
                    }
                    self.placed_again = Some(task_id);
                }
                AppError::Stale(current) if current.task().is_some() => {
                    self.placed_again = None;
                    if let (Some(stored), Some(task)) = (self.stored.as_mut(), current.task()) {
                        stored.apply(&BoardChange::TaskMoved { task: task.clone() });
                    }
                    undone = Undone::Overtaken;
                }
                _ => self.placed_again = None,
            }
        }
        self.rebuild();
        undone
    }

    /// Shows what is stored with the guesses of the changes under way.
    fn rebuild(&mut self) {
        if let Some(stored) = &self.stored {
            let mut board = stored.clone();
            for p in &self.pending {
                p.guess.show(&mut board);
            }
            self.board = board;
            self.revision += 1;
        }
        self.settle_if_answered();
    }

    /// Every change is answered: what is shown is ours to keep, and the
    /// changes that arrived meanwhile apply on top of it.
    fn settle_if_answered(&mut self) {
        if self.pending.iter().all(|p| p.answer == Answer::Done) {
            self.pending.clear();
            self.stored = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Current;
    use crate::model::tests::{board, layout};

    fn moved(feed: &BoardFeed, id: i64, column_id: i64, position: i64, version: i64) -> Task {
        let mut task = feed.board().task(id).cloned().unwrap();
        (task.column_id, task.position, task.version) = (column_id, position, version);
        task
    }

    fn move_guess(task_id: i64, column_id: i64, position: i64) -> Guess {
        Guess::Move {
            task_id,
            column_id,
            position,
        }
    }

    /// Tasks 1, 2 in column 10; 3 in 11; columns 10, 11, 12; seq 0.
    fn feed() -> BoardFeed {
        BoardFeed::new(board(&[(1, 10), (2, 10), (3, 11)]))
    }

    #[test]
    fn changes_apply_in_order_once_and_a_gap_asks_for_a_load() {
        let mut f = feed();
        let t = moved(&f, 1, 11, 0, 2);
        let applied = f.receive(1, BoardChange::TaskMoved { task: t.clone() });
        assert_eq!(applied.arrived, vec![1]);
        assert_eq!(f.board().seq, 1);
        assert_eq!(layout(f.board()), vec![(2, 10, 0), (1, 11, 0), (3, 11, 1)]);
        // A replay of what it has changes nothing.
        let applied = f.receive(1, BoardChange::TaskMoved { task: t });
        assert_eq!(applied, Applied::default());
        // Seq 3 without 2: load the board.
        let applied = f.receive(
            3,
            BoardChange::BoardRenamed {
                name: "later".into(),
            },
        );
        assert!(applied.gap);
        assert_eq!(f.board().seq, 1);
        assert_ne!(f.board().name, "later");
        // The load (at seq 3) is used, and nothing older applies after it.
        let mut fresh = f.board().clone();
        (fresh.seq, fresh.name) = (3, "loaded".into());
        assert!(f.loaded(fresh));
        assert_eq!(f.cursor(), 3);
        let applied = f.receive(2, BoardChange::BoardRenamed { name: "old".into() });
        assert_eq!(applied, Applied::default());
        assert_eq!(f.board().name, "loaded");
    }

    #[test]
    fn others_changes_wait_while_ours_is_unanswered_or_a_card_is_held() {
        let mut f = feed();
        let id = f.begin(Guess::Nothing);
        let renamed = |name: &str| BoardChange::BoardRenamed { name: name.into() };
        assert_eq!(f.receive(1, renamed("a")), Applied::default());
        assert_eq!(f.board().seq, 0, "waits while a change is unanswered");
        assert_eq!(f.cursor(), 1, "but the topic resumes after it");
        f.succeeded(id, None);
        f.apply_arrived();
        assert_eq!((f.board().seq, f.board().name.as_str()), (1, "a"));
        f.hold(true);
        f.receive(2, renamed("b"));
        assert_eq!(f.board().name, "a", "nothing shifts under a held card");
        f.hold(false);
        f.apply_arrived();
        assert_eq!(f.board().name, "b");
        // A load answered while a change is under way is not used (it may
        // be older than the screen) but asked for again once all is answered.
        let id = f.begin(Guess::Nothing);
        let mut old = f.board().clone();
        old.name = "stale".into();
        assert!(!f.loaded(old));
        assert!(!f.reload_wanted());
        f.succeeded(id, None);
        assert!(f.reload_wanted());
        assert_eq!(f.board().name, "b");
    }

    #[test]
    fn a_failed_change_undoes_only_itself() {
        let mut f = feed();
        let rename = f.begin(Guess::Edit(Arc::new(|b: &mut BoardDetail| {
            b.name = "renamed".into()
        })));
        let first = f.begin(move_guess(1, 12, 0));
        assert_eq!(f.board().name, "renamed");
        assert_eq!(layout(f.board()), vec![(2, 10, 0), (3, 11, 0), (1, 12, 0)]);
        f.failed(rename, &AppError::Forbidden("no".into()));
        assert_eq!(f.board().name, board(&[]).name, "the rename is undone");
        assert_eq!(
            layout(f.board()),
            vec![(2, 10, 0), (3, 11, 0), (1, 12, 0)],
            "the move is still shown"
        );
        let (id, task, to) = f.next_move().unwrap();
        assert_eq!((id, task), (first, 1));
        f.failed(id, &AppError::Network("offline".into()));
        assert_eq!(layout(f.board()), vec![(1, 10, 0), (2, 10, 1), (3, 11, 0)]);
        assert!(!f.busy());
        assert_eq!(to.column_id, 12);
    }

    #[test]
    fn moves_go_one_at_a_time_each_from_the_version_the_last_answer_gave() {
        let mut f = feed();
        f.begin(move_guess(1, 11, 1)); // after card 3
        f.begin(move_guess(2, 11, 0)); // above card 3
        let (first, task, to) = f.next_move().unwrap();
        assert_eq!(task, 1);
        assert_eq!(
            to,
            TaskMove {
                column_id: 11,
                after_id: Some(3),
                version: 1
            }
        );
        assert!(f.next_move().is_none(), "one move at a time");
        f.succeeded(first, Some(&moved(&f, 1, 11, 2, 2)));
        let (second, task, to) = f.next_move().unwrap();
        assert_eq!((task, to.after_id, to.column_id), (2, None, 11));
        // The same card moved again before its move is sent: one move says
        // where it is now, and it starts from the version the answer gave.
        f.begin(move_guess(1, 10, 0));
        f.begin(move_guess(1, 12, 0));
        f.succeeded(second, Some(&moved(&f, 2, 11, 0, 2)));
        let (third, task, to) = f.next_move().unwrap();
        assert_eq!(
            (task, to),
            (
                1,
                TaskMove {
                    column_id: 12,
                    after_id: None,
                    version: 2
                }
            )
        );
        assert!(f.busy());
        f.succeeded(third, Some(&moved(&f, 1, 12, 0, 3)));
        assert!(f.next_move().is_none());
        assert!(!f.busy());
    }

    #[test]
    fn concurrent_moves_of_two_people_end_as_the_server_ordered_them() {
        let mut f = feed();
        // Ours: card 1 to the top of column 11.
        f.begin(move_guess(1, 11, 0));
        let (id, _, to) = f.next_move().unwrap();
        assert_eq!((to.column_id, to.after_id), (11, None));
        // Theirs, stored first: card 3 to the top of column 10. It waits.
        let theirs = moved(&f, 3, 10, 0, 2);
        assert_eq!(
            f.receive(1, BoardChange::TaskMoved { task: theirs }),
            Applied::default()
        );
        assert_eq!(layout(f.board()), vec![(2, 10, 0), (1, 11, 0), (3, 11, 1)]);
        // Ours is answered: card 1 as stored after theirs.
        let ours = moved(&f, 1, 11, 0, 2);
        f.succeeded(id, Some(&ours));
        assert!(!f.busy());
        let applied = f.apply_arrived();
        assert_eq!(applied.arrived, vec![3]);
        // Then our own event: nothing moves any more.
        let applied = f.receive(2, BoardChange::TaskMoved { task: ours });
        assert!(applied.arrived.is_empty(), "our card was already there");
        assert_eq!(layout(f.board()), vec![(3, 10, 0), (2, 10, 1), (1, 11, 0)]);
        assert_eq!(f.board().seq, 2);
        assert_eq!(f.board().task(1).unwrap().version, 2);
    }

    #[test]
    fn a_move_someone_else_overtook_snaps_back_to_where_they_put_it() {
        let mut f = feed();
        f.begin(move_guess(1, 11, 0));
        let (id, _, _) = f.next_move().unwrap();
        // Someone moved card 1 to column 12 first (version 2).
        let theirs = moved(&f, 1, 12, 0, 2);
        let undone = f.failed(
            id,
            &AppError::Stale(Box::new(Current::Task(theirs.clone()))),
        );
        assert_eq!(undone, Undone::Overtaken);
        assert_eq!(layout(f.board()), vec![(2, 10, 0), (3, 11, 0), (1, 12, 0)]);
        assert_eq!(f.board().task(1).unwrap().version, 2);
        // Its event, when it comes, changes nothing more.
        f.receive(1, BoardChange::TaskMoved { task: theirs });
        assert_eq!(layout(f.board()), vec![(2, 10, 0), (3, 11, 0), (1, 12, 0)]);
    }

    #[test]
    fn a_move_whose_neighbour_moved_is_put_down_again_once() {
        let mut f = feed();
        f.begin(move_guess(1, 11, 1)); // after card 3
        let (id, _, to) = f.next_move().unwrap();
        assert_eq!(to.after_id, Some(3));
        // Card 3 left column 11 meanwhile; card 1 itself is unchanged.
        let same = f.board().task(1).cloned().map(|mut t| {
            (t.column_id, t.position) = (10, 0);
            t
        });
        let undone = f.failed(
            id,
            &AppError::Stale(Box::new(Current::Task(same.clone().unwrap()))),
        );
        assert_eq!(
            undone,
            Undone::PlaceAgain {
                task_id: 1,
                column_id: 11,
                position: 1
            }
        );
        assert_eq!(layout(f.board()), vec![(1, 10, 0), (2, 10, 1), (3, 11, 0)]);
        // Put down again and refused again the same way: it snaps back.
        f.begin(move_guess(1, 11, 1));
        let (id, _, _) = f.next_move().unwrap();
        let undone = f.failed(id, &AppError::Stale(Box::new(Current::Task(same.unwrap()))));
        assert_eq!(undone, Undone::Overtaken);
        assert!(!f.busy());
    }

    #[test]
    fn a_deleted_board_and_a_card_that_vanished_before_its_move() {
        let mut f = feed();
        f.begin(move_guess(3, 10, 0));
        f.begin(Guess::Nothing);
        // The card went away (a load while nothing else was under way is
        // not possible here, so drop it through the stored board).
        f.stored.as_mut().unwrap().tasks.retain(|t| t.id != 3);
        f.rebuild();
        assert!(f.next_move().is_none(), "nothing to send for a gone card");
        let applied = f.receive(1, BoardChange::BoardDeleted);
        assert!(!applied.deleted, "waits for our change");
        let ours = f.pending[0].id;
        f.succeeded(ours, None);
        assert!(f.apply_arrived().deleted);
    }
}
