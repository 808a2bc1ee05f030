//! What the views inside a board (its chat, a task's comments, the
//! composer) need to know about it, without depending on the board page:
//! its id, who is looking, whether they own it, and who is on it. (Everything else they
//! show comes from their own streams; the viewer's name is `Live::me`.)

use leptos::prelude::*;

use crate::model::Member;

/// Provided by the board page to everything rendered inside it.
#[derive(Clone, Copy)]
pub struct BoardContext {
    pub id: i64,
    /// Who is looking (drafts and echoes are theirs).
    pub viewer_id: i64,
    /// The viewer's role is owner (tracked: a role can change).
    owner: Signal<bool>,
    /// The board's members, owners first (tracked: they come and go live).
    pub members: Signal<Vec<Member>>,
}

impl BoardContext {
    pub fn new(id: i64, viewer_id: i64, owner: Signal<bool>, members: Signal<Vec<Member>>) -> Self {
        Self {
            id,
            viewer_id,
            owner,
            members,
        }
    }

    /// Whether the viewer owns the board (tracked).
    pub fn is_owner(self) -> bool {
        self.owner.get()
    }
}

/// The board the calling view is on.
pub fn use_board_context() -> BoardContext {
    expect_context::<BoardContext>()
}
