//! One feed a tab shows and follows — a room's messages or a task's
//! comments, written once for both: the newest page over HTTP, then live
//! items over the socket (resumed from a cursor); older pages on demand;
//! each item kept once, in id order, a newer state of it replacing an older
//! one (comments are edited and deleted); who is typing; and an item to
//! reveal (a notification's link), loading older pages until it is there.

use leptos::prelude::*;

use super::{Live, LiveStatus, TypingHint};
use crate::error::AppError;
use crate::model::{Comment, Message};
use crate::protocol::Topic;

/// A notification link to an old item loads at most this many older pages.
pub const MAX_PAGES_TO_FOCUS: usize = 20;

/// What a feed holds.
pub trait FeedItem: Clone + PartialEq + Send + Sync + 'static {
    fn id(&self) -> i64;
    /// Its change number: a higher one is a newer state of the same item.
    fn seq(&self) -> i64;
    /// The resume cursor a live item advances: its stream's change number
    /// (rooms, like threads, resume by `seq`).
    fn cursor(&self) -> i64;
    fn author_id(&self) -> i64;
    fn is_deleted(&self) -> bool;
    /// Its reactions (a `reaction` event changes one, and its `seq`).
    fn reactions_mut(&mut self) -> (&mut Vec<crate::model::Reaction>, &mut i64);
    /// The topic of the feed of `target` (a room id, a task id).
    fn topic(target: i64) -> Topic;
    /// A page of `target`'s history: the newest, or the one before `before`.
    fn page(
        target: i64,
        before: Option<i64>,
    ) -> impl std::future::Future<Output = Result<Page<Self>, AppError>>;
}

/// A page of history.
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_older: bool,
    /// Where live items resume after this page (threads: the change number
    /// read with it; rooms: its last message).
    pub cursor: Option<i64>,
    /// How many items there are in all (threads: comments not deleted).
    pub count: Option<i64>,
}

impl FeedItem for Message {
    fn id(&self) -> i64 {
        self.id
    }
    fn seq(&self) -> i64 {
        self.seq
    }
    fn cursor(&self) -> i64 {
        self.seq
    }
    fn author_id(&self) -> i64 {
        self.author.id
    }
    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
    fn reactions_mut(&mut self) -> (&mut Vec<crate::model::Reaction>, &mut i64) {
        (&mut self.reactions, &mut self.seq)
    }
    fn topic(target: i64) -> Topic {
        Topic::Room(target)
    }
    async fn page(target: i64, before: Option<i64>) -> Result<Page<Self>, AppError> {
        let page = crate::api::chat::room_history(target, before, None).await?;
        Ok(Page {
            // The room's number when the page was read (a server without
            // it: the page's newest change).
            cursor: Some(page.seq)
                .filter(|s| *s > 0)
                .or_else(|| page.messages.iter().map(|m| m.seq).max()),
            items: page.messages,
            has_older: page.has_older,
            count: None,
        })
    }
}

impl FeedItem for Comment {
    fn id(&self) -> i64 {
        self.id
    }
    fn seq(&self) -> i64 {
        self.seq
    }
    fn cursor(&self) -> i64 {
        self.seq
    }
    fn author_id(&self) -> i64 {
        self.author.id
    }
    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
    fn reactions_mut(&mut self) -> (&mut Vec<crate::model::Reaction>, &mut i64) {
        (&mut self.reactions, &mut self.seq)
    }
    fn topic(target: i64) -> Topic {
        Topic::Task(target)
    }
    async fn page(target: i64, before: Option<i64>) -> Result<Page<Self>, AppError> {
        let page = crate::api::comments::comment_history(target, before).await?;
        Ok(Page {
            items: page.comments,
            has_older: page.has_older,
            cursor: Some(page.seq),
            count: Some(page.count),
        })
    }
}

/// What [`Feed::upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    New,
    /// A newer state of an item it had.
    Updated,
    /// It had this (or a newer) state already.
    Same,
}

/// A feed's state, in signals (cheap to copy).
pub struct Feed<T: FeedItem> {
    /// What is open (a room id, a task id), if anything.
    pub open: RwSignal<Option<i64>>,
    /// Its items, by id, each once.
    pub items: RwSignal<Vec<T>>,
    pub has_older: RwSignal<bool>,
    /// An older page is being loaded.
    pub older_loading: RwSignal<bool>,
    pub typing: RwSignal<Vec<TypingHint>>,
    /// An item to scroll to and highlight (a notification's link).
    pub focus: RwSignal<Option<i64>>,
    /// Where live items resume: the highest cursor received from the
    /// stream (not from acks, which may overtake it); `None` until loaded.
    cursor: RwSignal<Option<i64>>,
}

impl<T: FeedItem> Clone for Feed<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: FeedItem> Copy for Feed<T> {}

impl<T: FeedItem> Default for Feed<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: FeedItem> Feed<T> {
    pub fn new() -> Self {
        Self {
            open: RwSignal::new(None),
            items: RwSignal::new(Vec::new()),
            has_older: RwSignal::new(false),
            older_loading: RwSignal::new(false),
            typing: RwSignal::new(Vec::new()),
            focus: RwSignal::new(None),
            cursor: RwSignal::new(None),
        }
    }

    pub fn cursor(self) -> Option<i64> {
        self.cursor.get_untracked()
    }

    /// Whether the newest page has arrived (tracked).
    pub fn loaded(self) -> bool {
        self.cursor.with(Option::is_some)
    }

    pub fn last_id(self) -> Option<i64> {
        self.items.with_untracked(|items| items.last().map(T::id))
    }

    /// An item of the open feed came from its stream: the resume point moves.
    pub fn advance(self, item: &T) {
        self.cursor.update(|c| *c = c.map(|c| c.max(item.cursor())));
    }

    /// A `reaction` event of this feed's stream: the item's emoji count
    /// and people now (gone at 0), and the stream's number moves on.
    pub fn react(self, item_id: i64, seq: i64, reaction: crate::model::Reaction) {
        self.cursor.update(|c| *c = c.map(|c| c.max(seq)));
        self.items.update(|items| {
            let Ok(at) = items.binary_search_by_key(&item_id, T::id) else {
                return;
            };
            let (reactions, item_seq) = items[at].reactions_mut();
            if *item_seq >= seq {
                return;
            }
            *item_seq = seq;
            match reactions.iter().position(|r| r.emoji == reaction.emoji) {
                Some(i) if reaction.count == 0 => {
                    reactions.remove(i);
                }
                Some(i) => reactions[i] = reaction,
                None if reaction.count > 0 => reactions.push(reaction),
                None => {}
            }
        });
    }

    /// Adds an item in id order, or replaces an older state of it.
    pub fn upsert(self, item: T) -> Upserted {
        let mut done = Upserted::Same;
        self.items.update(
            |items| match items.binary_search_by_key(&item.id(), T::id) {
                Ok(at) if items[at].seq() < item.seq() => {
                    items[at] = item;
                    done = Upserted::Updated;
                }
                Ok(_) => {}
                Err(at) => {
                    items.insert(at, item);
                    done = Upserted::New;
                }
            },
        );
        done
    }

    /// Forgets what was open.
    pub fn close(self) {
        self.open.set(None);
        self.items.set(Vec::new());
        self.has_older.set(false);
        self.older_loading.set(false);
        self.typing.set(Vec::new());
        self.cursor.set(None);
    }

    /// Loads the newest page of `target`, then follows it live from there
    /// (the server replays whatever came meanwhile), then reaches the focus.
    pub fn load_newest(self, live: Live, target: i64) {
        leptos::task::spawn_local(async move {
            match T::page(target, None).await {
                Ok(page) if self.open.get_untracked() == Some(target) => {
                    self.items.set(Vec::new());
                    self.has_older.set(page.has_older);
                    let loaded = page.cursor.unwrap_or(0);
                    for item in page.items {
                        self.upsert(item);
                    }
                    self.cursor
                        .update(|c| *c = Some(c.unwrap_or(0).max(loaded)));
                    if let Some(count) = page.count {
                        live.comment_count.set(Some(count));
                    }
                    if !live.subscribe(T::topic(target), self.cursor())
                        && live.status.get_untracked() == LiveStatus::Fallback
                    {
                        live.start_polling();
                    }
                    live.mark_read_now();
                    self.reach_focus_now(target).await;
                }
                Ok(_) => {}
                Err(e) => live.notice.set(Some(e.message())),
            }
        });
    }

    /// Loads the page before the oldest item shown (one at a time).
    pub fn load_older(self, live: Live) {
        let (Some(target), Some(first)) = (
            self.open.get_untracked(),
            self.items.with_untracked(|i| i.first().map(T::id)),
        ) else {
            return;
        };
        if self.older_loading.get_untracked() {
            return;
        }
        self.older_loading.set(true);
        leptos::task::spawn_local(async move {
            let page = T::page(target, Some(first)).await;
            if self.open.get_untracked() != Some(target) {
                return;
            }
            match page {
                Ok(page) => {
                    self.has_older.set(page.has_older);
                    for item in page.items {
                        self.upsert(item);
                    }
                }
                Err(e) => live.notice.set(Some(e.message())),
            }
            self.older_loading.set(false);
        });
    }

    /// The focus target is shown already, or older pages are loaded until it is.
    pub fn reach_focus(self, _live: Live, target: i64) {
        if self.focus.get_untracked().is_some() {
            leptos::task::spawn_local(async move { self.reach_focus_now(target).await });
        }
    }

    async fn reach_focus_now(self, target: i64) {
        let Some(wanted) = self.focus.get_untracked() else {
            return;
        };
        for _ in 0..MAX_PAGES_TO_FOCUS {
            let shown = self
                .items
                .with_untracked(|i| i.iter().any(|x| x.id() == wanted));
            let first = self.items.with_untracked(|i| i.first().map(T::id));
            if shown || !self.has_older.get_untracked() {
                return;
            }
            let Some(first) = first else { return };
            match T::page(target, Some(first)).await {
                Ok(page) if self.open.get_untracked() == Some(target) => {
                    self.has_older.set(page.has_older);
                    for item in page.items {
                        self.upsert(item);
                    }
                }
                _ => return,
            }
        }
    }
}

/// How a comment this thread gets changes its count: a new one adds one; a
/// deletion of one it shows takes one away; one that arrives deleted and
/// unknown was counted only if it is older than everything loaded (it was in
/// the count the page came with).
pub fn comment_count_change(thread: &Feed<Comment>, comment: &Comment) -> i64 {
    let (known, oldest) = thread.items.with_untracked(|items| {
        let known = items
            .binary_search_by_key(&comment.id, |c| c.id)
            .ok()
            .map(|at| (items[at].deleted_at.is_some(), items[at].seq));
        (known, items.first().map(|c| c.id))
    });
    match (known, comment.is_deleted()) {
        // An older state of it is shown: only a deletion changes the count.
        (Some((was_deleted, seq)), deleted) if seq < comment.seq => {
            -i64::from(!was_deleted && deleted)
        }
        (Some(_), _) => 0,
        (None, false) => 1,
        (None, true) if oldest.is_some_and(|oldest| comment.id < oldest) => -1,
        (None, true) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::User;

    fn comment(id: i64, seq: i64, deleted: bool) -> Comment {
        Comment {
            id,
            task_id: 1,
            author: User {
                id: 1,
                username: "a".into(),
                display_name: "A".into(),
            },
            content: String::new(),
            html: String::new(),
            created_at: 0,
            edited_at: None,
            deleted_at: deleted.then_some(1),
            version: 1,
            seq,
            mentions: vec![],
            reactions: vec![],
            client_id: None,
        }
    }

    #[test]
    fn items_are_kept_once_and_the_newest_state_wins() {
        let owner = leptos::prelude::Owner::new();
        owner.with(|| {
            let feed = Feed::<Comment>::new();
            assert_eq!(feed.upsert(comment(5, 1, false)), Upserted::New);
            assert_eq!(feed.upsert(comment(3, 2, false)), Upserted::New);
            assert_eq!(feed.upsert(comment(5, 1, false)), Upserted::Same);
            assert_eq!(feed.upsert(comment(5, 3, true)), Upserted::Updated);
            assert_eq!(
                feed.upsert(comment(5, 2, false)),
                Upserted::Same,
                "older state"
            );
            let ids: Vec<(i64, bool)> = feed
                .items
                .get_untracked()
                .iter()
                .map(|c| (c.id, c.deleted_at.is_some()))
                .collect();
            assert_eq!(ids, vec![(3, false), (5, true)]);
        });
    }

    #[test]
    fn the_thread_count_follows_what_arrives() {
        let owner = leptos::prelude::Owner::new();
        owner.with(|| {
            let feed = Feed::<Comment>::new();
            feed.upsert(comment(10, 4, false));
            feed.upsert(comment(20, 5, false));
            // A new comment adds one.
            assert_eq!(comment_count_change(&feed, &comment(50, 6, false)), 1);
            // A shown one deleted: one fewer; the same deletion again: nothing.
            assert_eq!(comment_count_change(&feed, &comment(20, 7, true)), -1);
            feed.upsert(comment(20, 7, true));
            assert_eq!(comment_count_change(&feed, &comment(20, 7, true)), 0);
            // An edit changes nothing.
            assert_eq!(comment_count_change(&feed, &comment(10, 8, false)), 0);
            // Deleted and older than the loaded page: it was counted.
            assert_eq!(comment_count_change(&feed, &comment(5, 9, true)), -1);
            // Deleted and newer: created and deleted while away, never counted.
            assert_eq!(comment_count_change(&feed, &comment(60, 10, true)), 0);
        });
    }
}
