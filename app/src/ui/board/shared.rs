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

/// What a toast's Undo does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undo {
    RestoreTask(i64),
    RestoreColumn(i64),
}

/// A change just made that can be taken back from the toast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoOffer {
    pub said: String,
    pub undo: Undo,
    /// Told apart from a later offer with the same words.
    pub serial: u64,
}

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
    /// The reader's clock (now, offset from UTC), for due dates: ticks every
    /// half minute once the page is live (the server renders in UTC).
    pub clock: RwSignal<(i64, i64)>,
    /// The toast offering to undo the last archiving.
    pub undo: RwSignal<Option<UndoOffer>>,
    /// Which cards show (also in the page's address).
    pub filter: RwSignal<super::filter::CardFilter>,
    /// The card the arrow keys move from (its column's Tab stop).
    pub current_card: RwSignal<Option<i64>>,
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
            clock: RwSignal::new(crate::ui::common::now_and_offset()),
            undo: RwSignal::new(None),
            current_card: RwSignal::new(None),
            filter: RwSignal::new(super::filter::CardFilter::from_query(|key| {
                leptos_router::hooks::use_query_map().with_untracked(|q| q.get(key))
            })),
        }
    }

    /// Whether the filter shows `task` now.
    pub fn shows(self, state: BoardState, task: &crate::model::Task) -> bool {
        self.filter.with(|f| {
            f.is_empty() || {
                let viewer = state.board.with_untracked(|b| b.viewer_id);
                f.shows(task, viewer, self.clock.get().0)
            }
        })
    }

    /// The filter's query string (`?…`, or empty), for links that keep it.
    pub fn filter_query(self) -> String {
        self.filter.with(|f| f.to_query())
    }

    /// Says what was just done, with Undo at hand for ten seconds.
    pub fn offer_undo(self, said: String, undo: Undo) {
        let serial = self
            .undo
            .with_untracked(|u| u.as_ref().map_or(0, |u| u.serial))
            + 1;
        self.status.set(said.clone());
        self.undo.set(Some(UndoOffer { said, undo, serial }));
        #[cfg(feature = "hydrate")]
        {
            let offer = self.undo;
            set_timeout(
                move || {
                    if offer.with_untracked(|u| u.as_ref().is_some_and(|u| u.serial == serial)) {
                        offer.set(None);
                    }
                },
                std::time::Duration::from_secs(10),
            );
        }
    }

    /// Sets the clock to the reader's own once the page is live (cards
    /// rendered on the server said their due dates in UTC), then keeps it
    /// going so that a card turns overdue on screen.
    pub fn start_clock(self) {
        let clock = self.clock;
        Effect::new(move |_| clock.set(crate::ui::common::now_and_offset()));
        #[cfg(feature = "hydrate")]
        if let Ok(tick) = set_interval_with_handle(
            move || clock.set(crate::ui::common::now_and_offset()),
            std::time::Duration::from_secs(30),
        ) {
            on_cleanup(move || tick.clear());
        }
    }

    /// Moves a card (on screen at once) and announces where it went.
    pub fn move_card(self, state: BoardState, task_id: i64, column_id: i64, position: i64) {
        state.move_task(task_id, column_id, position);
        let said = state.board.with_untracked(|b| {
            let task = b.task(task_id)?;
            let column = b.column(task.column_id)?;
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
