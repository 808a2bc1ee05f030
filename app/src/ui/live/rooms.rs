//! The shown board's side of the live connection: routing its events to
//! the board page, and its chat rooms — the list with unread counts, the
//! open room's messages, and read pointers.

use leptos::prelude::*;

use super::{feed, BoardInput, BoardRoute, Live};
use crate::model::{Message, RoomSummary};
use crate::protocol::{ClientFrame, Topic};
use crate::ui::common::browser;

impl Live {
    /// Shows a board's rooms (synchronously, so the server and the browser
    /// render the same list) and routes the board's events to `route`;
    /// [`enter_board`](Self::enter_board) then goes live.
    pub fn show_board(self, route: BoardRoute, rooms: Vec<RoomSummary>) {
        self.inner.update_value(|i| {
            i.board_shown += 1;
            i.board = Some(route);
            i.direct = false;
        });
        self.rooms.set(rooms);
    }

    /// Shows the user's direct messages as the rooms (the messages page)
    /// and, once [`enter_board`](Self::enter_board) runs, follows them all.
    pub fn show_direct(self, rooms: Vec<RoomSummary>) {
        self.inner.update_value(|i| {
            i.board_shown += 1;
            i.board = None;
            i.direct = true;
        });
        self.rooms.set(rooms);
    }

    /// Whether the messages page is shown.
    pub fn showing_direct(self) -> bool {
        self.inner.try_with_value(|i| i.direct).unwrap_or(false)
    }

    /// The messages page is gone: stop following its conversations.
    pub fn leave_direct(self) {
        if self.showing_direct() {
            self.leave_rooms();
        }
    }

    /// The shown board, if any.
    pub fn board_id(self) -> Option<i64> {
        self.inner
            .try_with_value(|i| i.board.map(|b| b.board_id))
            .flatten()
    }

    /// Where the events of board `board_id` go, if it is the one shown.
    pub(super) fn board_route(self, board_id: i64) -> Option<BoardRoute> {
        self.inner
            .try_with_value(|i| i.board)
            .flatten()
            .filter(|b| b.board_id == board_id)
    }

    /// Hands the shown board `input`, if it is board `board_id`.
    pub(super) fn to_board(self, board_id: i64, input: BoardInput) {
        if let Some(board) = self.board_route(board_id) {
            board.push(input);
        }
    }

    /// The board (members' presence) and every room (unread counts); the
    /// open room resumes from its last message.
    pub(super) fn subscribe_board(self) {
        let (route, direct) = self.inner.with_value(|i| (i.board, i.direct));
        if let Some(route) = route {
            self.subscribe(Topic::Board(route.board_id), Some(route.resume_after()));
        } else if !direct {
            return;
        }
        let open = self.room.open.get_untracked();
        for room_id in self.followed_room_ids() {
            let after = if Some(room_id) == open {
                self.room.cursor()
            } else {
                None
            };
            self.subscribe(Topic::Room(room_id), after);
        }
    }

    pub(super) fn room_ids(self) -> Vec<i64> {
        self.rooms
            .with_untracked(|r| r.iter().map(|r| r.room.id).collect())
    }

    /// The rooms this tab follows: those the user is in (for unread
    /// counts) and the open one (a public room can be read before joining).
    fn followed_room_ids(self) -> Vec<i64> {
        let open = self.room.open.get_untracked();
        self.rooms.with_untracked(|r| {
            r.iter()
                .filter(|r| r.member || Some(r.room.id) == open)
                .map(|r| r.room.id)
                .collect()
        })
    }

    /// Whether the user is in room `room_id` (not just reading it).
    pub fn is_member_of(self, room_id: i64) -> bool {
        self.rooms
            .with_untracked(|r| r.iter().any(|r| r.room.id == room_id && r.member))
    }

    /// Where this browser remembers the room last open on a board.
    pub(super) fn last_room_key(self, board_id: i64) -> String {
        format!("taskflow.room.{}.{board_id}", self.my_id())
    }

    /// The board page is shown: follow it live and open a room (the one a
    /// link asked for, else the one last open here, else the first).
    pub fn enter_board(self) {
        self.subscribe_board();
        let last = self.board_id().and_then(|board_id| {
            browser::stored(&self.last_room_key(board_id))
                .and_then(|r| r.parse::<i64>().ok())
                .filter(|r| self.room_ids().contains(r))
        });
        let wanted = self
            .room
            .open
            .get_untracked()
            .or(last)
            // (The messages page opens what is asked for: its list shows first.)
            .or_else(|| self.first_room().filter(|_| !self.showing_direct()));
        self.room.open.set(None);
        if let Some(room_id) = wanted {
            self.open_room(room_id);
        }
    }

    /// The board page is gone: stop following it (unless another board
    /// page took over already). The topics are left at once; what the
    /// page's views showed is cleared a moment later, once they are gone:
    /// while the page is being taken down its views still hold effects
    /// that would run once more against the page's disposed state (the
    /// WASM panicked on leaving a board by a link).
    pub fn leave_board(self, board_id: i64) {
        if self.board_id() == Some(board_id) {
            self.unsubscribe(Topic::Board(board_id));
            self.leave_rooms();
        }
    }

    /// Stops following the shown page's rooms; what its views showed is
    /// cleared a moment later, unless another page took over meanwhile.
    fn leave_rooms(self) {
        for room_id in self.followed_room_ids() {
            self.unsubscribe(Topic::Room(room_id));
        }
        // Nothing more goes to the page's state (it is being disposed).
        let shown = self.inner.with_value(|i| i.board_shown);
        self.inner.update_value(|i| {
            i.board = None;
            i.direct = false;
        });
        let forget = move || {
            if self.inner.with_value(|i| i.board_shown) != shown {
                return;
            }
            self.rooms.set(Vec::new());
            self.room.close();
            self.online.set(Vec::new());
        };
        #[cfg(feature = "hydrate")]
        set_timeout(forget, std::time::Duration::ZERO);
        #[cfg(not(feature = "hydrate"))]
        forget();
    }

    /// Opens a room: newest history over HTTP, then live updates.
    pub fn open_room(self, room_id: i64) {
        if self.room.open.get_untracked() == Some(room_id) {
            self.room.reach_focus(self, room_id);
            return;
        }
        if let Some(board_id) = self.board_id() {
            browser::store(&self.last_room_key(board_id), &room_id.to_string());
        }
        // A room read without being in it is followed only while it is open.
        if let Some(previous) = self.room.open.get_untracked() {
            if !self.is_member_of(previous) {
                self.unsubscribe(Topic::Room(previous));
            }
        }
        self.room.close();
        self.replies_open.set(None);
        self.room.open.set(Some(room_id));
        self.online.set(Vec::new());
        let marker = self.rooms.with_untracked(|r| {
            r.iter()
                .find(|r| r.room.id == room_id)
                .map(|r| (r.unread, r.last_message_id))
        });
        self.read_marker.set(match marker {
            Some((unread, Some(last))) if unread > 0 => last - unread,
            _ => i64::MAX,
        });
        if marker.is_none() {
            // A room this tab did not know yet (created, or joined, since
            // the page loaded; a notification's link): refresh the list.
            self.refresh_rooms();
        }
        self.room.load_newest(self, room_id);
    }

    /// Subscribes this socket to a room for unread counts (a room just created).
    pub(super) fn watch_room(self, room_id: i64) {
        self.subscribe(Topic::Room(room_id), None);
    }

    /// The room a board opens on when nothing else is asked for: the first
    /// one the user is in (the board's `#general` when there is no other).
    pub(super) fn first_room(self) -> Option<i64> {
        self.rooms.with_untracked(|r| {
            r.iter()
                .find(|r| r.member)
                .or_else(|| r.first())
                .map(|r| r.room.id)
        })
    }

    /// A room the user just created or joined: listed (by name), followed
    /// and opened.
    pub fn enter_room(self, summary: RoomSummary) {
        let id = summary.room.id;
        self.rooms.update(|r| {
            r.retain(|r| r.room.id != id);
            r.push(summary);
            r.sort_by_key(|r| r.room.name.to_lowercase());
        });
        self.watch_room(id);
        self.open_room(id);
    }

    /// Loads the page before the oldest message shown (one at a time).
    pub fn load_older(self) {
        self.room.load_older(self);
    }

    /// Reloads the board's room list and follows the rooms that are new.
    pub(super) fn refresh_rooms(self) {
        if self.showing_direct() {
            // The messages page fetches its list (and hands it to
            // `use_rooms`): its code stays out of every page's bundle.
            self.direct_stale.update(|n| *n += 1);
            return;
        }
        let Some(board_id) = self.board_id() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let Ok(rooms) = crate::api::chat::list_rooms(board_id).await else {
                return;
            };
            if self.board_id() == Some(board_id) {
                self.use_rooms(rooms);
            }
        });
    }

    /// Shows a fresh list of the shown page's rooms: follows those that are
    /// new, and moves on if the open one is gone.
    pub fn use_rooms(self, rooms: Vec<RoomSummary>) {
        let followed = self.followed_room_ids();
        let open = self.room.open.get_untracked();
        for r in rooms
            .iter()
            .filter(|r| r.member && !followed.contains(&r.room.id))
        {
            self.subscribe(Topic::Room(r.room.id), None);
        }
        let open_gone = open.is_some_and(|o| !rooms.iter().any(|r| r.room.id == o));
        // Left, but still readable (a public room): the server stopped
        // sending it with the membership; follow it again as a reader.
        let open_left = open
            .filter(|o| followed.contains(o) && rooms.iter().any(|r| r.room.id == *o && !r.member));
        self.rooms.set(rooms);
        if let Some(open) = open_left {
            self.subscribe(Topic::Room(open), self.room.cursor());
        }
        if open_gone {
            // The open room is no longer ours: show another one.
            self.room.close();
            if let Some(first) = self.first_room() {
                self.open_room(first);
            }
        }
    }

    /// A message arrived (live, replayed, acknowledged, or the answer to an
    /// edit, a deletion or a reaction).
    pub fn receive_message(self, message: Message) {
        self.resolve_echo(message.client_id.as_deref());
        if Some(message.room_id) != self.room.open.get_untracked() {
            self.bump_unread(&message);
            return;
        }
        let (author, room_id, in_room) = (message.author.id, message.room_id, message.in_room());
        if self.room.upsert(message) == feed::Upserted::New {
            self.room
                .typing
                .update(|t| t.retain(|h| h.user.id != author));
            if browser::tab_hidden()
                && in_room
                && author != self.my_id()
                && self.is_member_of(room_id)
            {
                // Nobody is looking: it stays unread (the tab title counts
                // it) until the tab is back in view.
                self.rooms.update(|rooms| {
                    if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                        r.unread += 1;
                    }
                });
            }
            self.mark_read_now();
        }
    }

    /// Counts a message of a room that is not open as unread — a new one
    /// only: an edit, a deletion or a reaction of an older message comes
    /// with an id the room has had already.
    pub(super) fn bump_unread(self, message: &Message) {
        // A reply in its pane only: the room's count is of what it lists.
        if !message.in_room() {
            return;
        }
        let mine = message.author.id == self.my_id();
        self.rooms.update(|rooms| {
            if let Some(r) = rooms.iter_mut().find(|r| r.room.id == message.room_id) {
                if r.last_message_id.is_some_and(|last| message.id <= last) {
                    return;
                }
                r.last_message_id = Some(message.id);
                if !mine {
                    r.unread += 1;
                }
            }
        });
    }

    /// Moves the read pointer to the newest message shown (when the tab is visible).
    pub fn mark_read_now(self) {
        let (Some(room_id), Some(last)) = (self.room.open.get_untracked(), self.room.last_id())
        else {
            return;
        };
        // A reader who has not joined has no read pointer there.
        if browser::tab_hidden() || !self.is_member_of(room_id) {
            return;
        }
        self.rooms.update(|rooms| {
            if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                r.unread = 0;
            }
        });
        let frame = ClientFrame::Read {
            room_id: Some(room_id),
            message_id: last,
        };
        if !self.send_frame(&frame) {
            leptos::task::spawn_local(async move {
                let _ = crate::api::chat::mark_read(room_id, last).await;
            });
        }
    }
}
