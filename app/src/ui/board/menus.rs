//! What a column's menu and the rename forms do: renaming a column or the
//! board, moving a column, archiving it. Late code (in `ui::pane_piece`,
//! through `extras`): the board shows and hydrates without it, and it is
//! fetched once the page is live, long before anyone opens a menu.

use leptos::prelude::*;

use super::shared::{use_board, use_board_ui, Undo};
use super::state::Spot;
use crate::api::boards::{rename_board, update_column};
use crate::api::kanban::archive_column;
use crate::model::ColumnPatch;
use crate::ui::common::{browser, char_len, CharCount};
use crate::validate::{BOARD_NAME_MAX, COLUMN_NAME_MAX};

/// The items of column `column_id`'s menu (`menu`: its `<details>`, closed
/// once an item is chosen; `renaming`: set to show the column's rename form).
#[component]
pub(super) fn ColumnMenuItems(
    column_id: i64,
    menu: NodeRef<leptos::html::Details>,
    renaming: RwSignal<bool>,
) -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let close_menu = move || {
        if let Some(d) = menu.get_untracked() {
            browser::close_menu(&d);
        }
    };
    let column = move || {
        state.board.with(|b| {
            let position = b.columns.iter().position(|c| c.id == column_id)?;
            Some((position as i64, b.columns.len() as i64))
        })
    };
    let shift = move |by: i64| {
        close_menu();
        let Some((position, _)) = column() else {
            return;
        };
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
    // Archived with its cards, not destroyed: Undo in the toast, or the
    // board's archive, brings it back where it was.
    let archive = move |_| {
        close_menu();
        let (n, name) = state.board.with_untracked(|b| {
            let name = b.column(column_id).map(|c| c.name.clone());
            (b.tasks_in(column_id).count(), name.unwrap_or_default())
        });
        let said = match n {
            0 => format!("Archived the column “{name}”"),
            1 => format!("Archived the column “{name}” and its card"),
            n => format!("Archived the column “{name}” and its {n} cards"),
        };
        state.send(
            Spot::Column(column_id),
            move || archive_column(column_id),
            move |_| ui.offer_undo(said.clone(), Undo::RestoreColumn(column_id)),
        );
    };
    view! {
        <button type="button" class="menu-item" on:click=move |_| {
            close_menu();
            renaming.set(true);
        }>"Rename"</button>
        <button type="button" class="menu-item" disabled=move || column().is_none_or(|(p, _)| p == 0)
            on:click=move |_| shift(-1)>"Move left"</button>
        <button type="button" class="menu-item" disabled=move || column().is_none_or(|(p, n)| p + 1 >= n)
            on:click=move |_| shift(1)>"Move right"</button>
        <button type="button" class="menu-item" on:click=archive>"Archive column"</button>
    }
}

/// Column `column_id`'s name as a field, saved on Enter (`renaming` is
/// cleared when done or cancelled).
#[component]
pub(super) fn ColumnRename(column_id: i64, renaming: RwSignal<bool>) -> impl IntoView {
    let state = use_board();
    let name_of = move || {
        state
            .board
            .with_untracked(|b| b.column(column_id).map(|c| c.name.clone()))
            .unwrap_or_default()
    };
    let field = format!("column-{column_id}-rename");
    view! {
        <RenameForm class="inline-form column-rename" label="Rename column" field_label="Column name" field max=COLUMN_NAME_MAX
            current=name_of() renaming
            save=Callback::new(move |name: String| {
                let patch = ColumnPatch { name: Some(name), position: None };
                state.send(
                    Spot::Column(column_id),
                    move || update_column(column_id, patch.clone()),
                    |_| {},
                );
            }) />
    }
}

/// The board's name as a field (owners), saved on Enter.
#[component]
pub(super) fn BoardRename(renaming: RwSignal<bool>) -> impl IntoView {
    let state = use_board();
    let current = state.board.with_untracked(|b| b.name.clone());
    view! {
        <RenameForm class="inline-form" label="Rename board" field_label="Board name" field="board-name".to_string()
            max=BOARD_NAME_MAX current renaming
            save=Callback::new(move |name: String| {
                let board_id = state.id();
                state.send(Spot::Board, move || rename_board(board_id, name.clone()), |_| {});
            }) />
    }
}

/// A name in a field with its length, Save and Cancel; focused when shown.
#[component]
fn RenameForm(
    class: &'static str,
    label: &'static str,
    field_label: &'static str,
    field: String,
    max: usize,
    current: String,
    renaming: RwSignal<bool>,
    save: Callback<String>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let len = RwSignal::new(char_len(&current));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = input.get() else {
            return;
        };
        let name = input.value();
        if char_len(name.trim()) > max {
            return;
        }
        renaming.set(false);
        save.run(name);
    };
    browser::focus_soon(field.clone());
    view! {
        <form class=class on:submit=submit aria-label=label>
            <label class="sr-only" for=field.clone()>{field_label}</label>
            <input id=field.clone() node_ref=input type="text" required
                aria-describedby=format!("{field}-count") prop:value=current
                on:input=move |ev| len.set(char_len(&event_target_value(&ev))) />
            <button type="submit" class="btn btn-primary btn-sm">"Save"</button>
            <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| renaming.set(false)>"Cancel"</button>
            <CharCount len=len.into() max id=field.clone() />
        </form>
    }
}
