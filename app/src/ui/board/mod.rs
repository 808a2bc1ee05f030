//! `/boards/:board_id`: the kanban board — columns and task cards on the
//! left, a side pane with the board's chat and members on the right.
//!
//! The page renders fully on the server. Once hydrated it follows the board
//! live: every change anyone makes arrives as a numbered `board:{id}` event
//! and is applied in order, so every open tab shows what is stored without
//! reloading. The user's own changes are shown at once where that is safe
//! and undone, with a note where they were made, if they fail.
//!
//! - [`feed`]: the board as a feed — what is stored, this tab's changes
//!   under way on top of it, the moves' queue and conflict rules (plain
//!   data, unit-tested).
//! - [`state`]: [`BoardState`], that feed in signals, wired to the server
//!   functions and to the events `Live` routes to it.
//! - [`filter`]: which cards show (in the page's address; plain data,
//!   unit-tested), set from the [`filter_bar`].
//! - The views, holding only view state: the [`page`], [`header`],
//!   [`columns`], [`card`], the side [`pane`], [`members`] (with the
//!   owners' [`invites`] dialog; lazily loaded with the chat's room
//!   dialogs, `ui::pane_piece`) and the
//!   [`task_dialog`]; what they share ([`shared`]: view state, failure
//!   notes).
//! - The board's late code ([`extras`], in `ui::pane_piece`): what showing
//!   and hydrating the page does not need, fetched once it is live — the
//!   filter bar, a card's details, the [`archive_view`], the column menus
//!   and rename forms ([`menus`]), the keys, the Undo toast.
//!
//! Layout: the page never scrolls sideways — only the columns area does. The
//! pane is resizable (drag or arrow keys on its edge) and can be hidden; on a
//! phone the columns snap one at a time and the pane opens full screen from
//! the header's Chat button.

mod archive_view;
mod card;
mod columns;
pub(crate) mod extras;
pub mod feed;
mod filter;
mod filter_bar;
mod header;
mod invites;
pub(crate) mod members;
mod menus;
mod page;
mod pane;
mod shared;
pub mod state;
mod task_dialog;
mod task_extras;

pub use page::BoardPage;
pub use task_dialog::TaskDialog;
