//! What the board's views share: the state that is about the screen only
//! (the card being dragged, announcements, the side pane) and the note a
//! failed change leaves where it was made.

use leptos::prelude::*;

use super::state::{BoardState, Spot};
use crate::ui::common::browser;
use crate::ui::live::Live;

/// The side pane's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneTab {
    Chat,
    Members,
}

pub const PANE_HIDDEN_KEY: &str = "taskflow.pane.hidden";

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
    pub fn new() -> Self {
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
            browser::store(PANE_HIDDEN_KEY, "0");
        }
        browser::focus_soon(tab_id(tab).into());
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

/// The id of a pane tab's button (focus goes there).
pub fn tab_id(tab: PaneTab) -> &'static str {
    match tab {
        PaneTab::Chat => "pane-tab-chat",
        PaneTab::Members => "pane-tab-members",
    }
}

/// After an add went through: empties its field, unless the user has typed
/// something else meanwhile (that stays).
pub fn clear_if_unchanged(
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
