//! A board's columns: each with its header (rename, move, delete), its
//! cards (a drop target for dragged cards) and an "Add a task" form; and
//! the "New column" form after them.

use leptos::prelude::*;

use super::card::TaskCard;
use super::shared::{clear_if_unchanged, use_board, use_board_ui, FailureNote};
use super::state::Spot;
use crate::api::boards::{create_column, create_task, delete_column, update_column};
use crate::model::{Column, ColumnPatch};
use crate::ui::common::{browser, char_len, rows_of, CharCount, If, Item, List};
use crate::validate::{COLUMN_NAME_MAX, TASK_TITLE_MAX};

#[component]
pub fn ColumnView(column: Item<Column>) -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let column_id = column.with_untracked(|c| c.id);
    let name = move || column.with(|c| c.name.clone());
    let heading_id = format!("column-{column_id}-name");
    let renaming = RwSignal::new(false);
    let name_input = NodeRef::<leptos::html::Input>::new();
    let name_len = RwSignal::new(0usize);
    let title_input = NodeRef::<leptos::html::Input>::new();
    let title_len = RwSignal::new(0usize);
    let menu = NodeRef::<leptos::html::Details>::new();
    browser::dismissable_menu(menu);
    let close_menu = move || {
        if let Some(d) = menu.get_untracked() {
            browser::close_menu(&d);
        }
    };
    let tasks: Signal<Vec<_>> = Memo::new(move |_| {
        state
            .board
            .with(|b| b.tasks_in(column_id).cloned().collect::<Vec<_>>())
    })
    .into();
    let count = move || tasks.with(Vec::len);
    let position = move || column.with(|c| c.position);
    let is_last = move || position() + 1 >= state.board.with(|b| b.columns.len() as i64);

    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = name_input.get() else {
            return;
        };
        let name = input.value();
        if char_len(name.trim()) > COLUMN_NAME_MAX {
            return;
        }
        renaming.set(false);
        let patch = ColumnPatch {
            name: Some(name),
            position: None,
        };
        state.send(
            Spot::Column(column_id),
            move || update_column(column_id, patch.clone()),
            |_| {},
        );
    };
    let start_renaming = move |_| {
        close_menu();
        name_len.set(char_len(&name()));
        renaming.set(true);
    };
    let shift = move |by: i64| {
        close_menu();
        let patch = ColumnPatch {
            name: None,
            position: Some(position() + by),
        };
        state.send(
            Spot::Column(column_id),
            move || update_column(column_id, patch.clone()),
            move |_| browser::focus_soon(format!("column-{column_id}-menu")),
        );
    };
    let delete = move |_| {
        close_menu();
        let (n, name) = (count(), name());
        let msg = if n == 0 {
            format!("Delete the column “{name}”?")
        } else {
            format!("Delete the column “{name}” and its {n} task(s)? This cannot be undone.")
        };
        if browser::confirm(&msg) {
            state.send(
                Spot::Column(column_id),
                move || delete_column(column_id),
                |_| {},
            );
        }
    };
    // The typed title stays in the field until the server has the task.
    let add_task = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = title_input.get() else {
            return;
        };
        let title = input.value();
        if title.trim().is_empty() || char_len(title.trim()) > TASK_TITLE_MAX {
            return;
        }
        let board_id = state.id();
        let sent = title.clone();
        state.send(
            Spot::NewTask(column_id),
            move || create_task(board_id, column_id, title.clone(), None),
            move |_| clear_if_unchanged(title_input, &sent, Some(title_len)),
        );
    };

    // Drag-and-drop: dropping anywhere in the column but on a card (its
    // empty space, its "Add a task…" form, its head) puts the card last.
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        if ui.drag.get_untracked().is_some() {
            ev.prevent_default();
            let end = Some((column_id, count() as i64));
            if ui.drop_at.get_untracked() != end {
                ui.drop_at.set(end);
            }
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some((task_id, (column_id, index))) =
            ui.drag.get_untracked().zip(ui.drop_at.get_untracked())
        {
            ui.move_card(state, task_id, column_id, index);
        }
        // Put down (the card's own `dragend` may never come: it is drawn
        // anew at its new place).
        ui.hold(state, None);
    };
    let is_drop_target = move || ui.drop_at.get().map(|(c, _)| c) == Some(column_id);
    let new_task_id = format!("new-task-{column_id}");
    let rename_id = format!("column-{column_id}-rename");

    view! {
        <section class="column" aria-labelledby=heading_id.clone() class:drop-target=is_drop_target
            on:dragover=on_dragover on:drop=on_drop>
            <header class="column-head">
                <If
                    when=move || renaming.get()
                    fallback={
                        let heading_id = heading_id.clone();
                        move || view! {
                            <h2 id=heading_id.clone() class="column-title">
                                {name} <span class="count" aria-label=move || format!("{} tasks", count())>{count}</span>
                            </h2>
                        }
                    }
                >
                    <form class="inline-form column-rename" on:submit=rename aria-label="Rename column">
                        <label class="sr-only" for=rename_id.clone()>"Column name"</label>
                        <input id=rename_id.clone() node_ref=name_input type="text" required
                            aria-describedby=format!("{rename_id}-count")
                            prop:value=move || column.with_untracked(|c| c.name.clone()) autofocus
                            on:input=move |ev| name_len.set(char_len(&event_target_value(&ev))) />
                        <button type="submit" class="btn btn-primary btn-sm">"Save"</button>
                        <CharCount len=name_len.into() max=COLUMN_NAME_MAX id=rename_id.clone() />
                    </form>
                </If>
                <details class="column-menu" node_ref=menu>
                    <summary id=format!("column-{column_id}-menu") aria-label=move || format!("Column actions for {}", name())>"⋯"</summary>
                    <div class="menu">
                        <button type="button" class="menu-item" on:click=start_renaming>"Rename"</button>
                        <button type="button" class="menu-item" disabled=move || position() == 0 on:click=move |_| shift(-1)>"Move left"</button>
                        <button type="button" class="menu-item" disabled=is_last on:click=move |_| shift(1)>"Move right"</button>
                        <button type="button" class="menu-item danger" on:click=delete>"Delete column"</button>
                    </div>
                </details>
            </header>
            <FailureNote at=Spot::Column(column_id) />
            <ol class="cards" aria-label=move || format!("Tasks in {}", name())>
                <List rows=move || rows_of(tasks, |t| t.id, move |task| view! { <TaskCard task /> }) />
            </ol>
            <form class="add-task" on:submit=add_task aria-label=move || format!("Add a task to {}", name())>
                <div class="add-task-row">
                    <label class="sr-only" for=new_task_id.clone()>{move || format!("New task in {}", name())}</label>
                    <input id=new_task_id.clone() node_ref=title_input type="text" placeholder="Add a task…"
                        aria-describedby=format!("{new_task_id}-count")
                        on:input=move |ev| title_len.set(char_len(&event_target_value(&ev))) />
                    <button type="submit" class="btn btn-sm">"Add"</button>
                </div>
                <CharCount len=title_len.into() max=TASK_TITLE_MAX id=new_task_id.clone() />
                <FailureNote at=Spot::NewTask(column_id) />
            </form>
        </section>
    }
}

/// The "New column" form, after the last column.
#[component]
pub fn AddColumn() -> impl IntoView {
    let state = use_board();
    let input = NodeRef::<leptos::html::Input>::new();
    let len = RwSignal::new(0usize);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = input.get() else { return };
        let name = el.value();
        if name.trim().is_empty() || char_len(name.trim()) > COLUMN_NAME_MAX {
            return;
        }
        let board_id = state.id();
        let sent = name.clone();
        state.send(
            Spot::NewColumn,
            move || create_column(board_id, name.clone()),
            move |_| clear_if_unchanged(input, &sent, Some(len)),
        );
    };
    view! {
        <section class="column column-new" aria-label="Add a column">
            <span id="card-help" class="sr-only">"Press Alt and an arrow key to move this card."</span>
            <form class="stack" on:submit=submit>
                <label for="new-column-name">"New column"</label>
                <input id="new-column-name" node_ref=input type="text" placeholder="Column name"
                    aria-describedby="new-column-name-count"
                    on:input=move |ev| len.set(char_len(&event_target_value(&ev))) />
                <CharCount len=len.into() max=COLUMN_NAME_MAX id="new-column-name" />
                <button type="submit" class="btn btn-sm">"Add column"</button>
                <FailureNote at=Spot::NewColumn />
            </form>
        </section>
    }
}
