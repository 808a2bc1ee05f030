//! What the views inside a board (its chat, a task's comments, the
//! composer) need to know about it, without depending on the board page:
//! its id, who is looking, their role and the members.

use leptos::prelude::*;

use crate::model::{Member, Role};

/// Provided by the board page to everything rendered inside it.
#[derive(Clone, Copy)]
pub struct BoardContext {
    pub id: i64,
    /// Who is looking (drafts and echoes are theirs).
    pub viewer_id: i64,
    role: Signal<Role>,
    /// The board's members, as they change.
    pub members: Signal<Vec<Member>>,
}

impl BoardContext {
    pub fn new(id: i64, viewer_id: i64, role: Signal<Role>, members: Signal<Vec<Member>>) -> Self {
        Self {
            id,
            viewer_id,
            role,
            members,
        }
    }

    /// Whether the viewer owns the board (tracked: a role can change).
    pub fn is_owner(self) -> bool {
        self.role.get() == Role::Owner
    }
}

/// The board the calling view is on.
pub fn use_board_context() -> BoardContext {
    expect_context::<BoardContext>()
}
