//! A board's columns: each with its header (rename, move, archive), its
//! cards (a drop target for dragged cards) and an "Add a task" form; and
//! the "New column" form after them.

use leptos::prelude::*;

use super::card::TaskCard;
use super::extras::{on_request, Extra};
use super::shared::{clear_if_unchanged, use_board, use_board_ui, FailureNote};
use super::state::Spot;
use crate::api::boards::{create_column, create_task};
use crate::model::Column;
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
    // The menu's items and the rename form are late code (`menus`).
    let menu_used = RwSignal::new(false);
    let title_input = NodeRef::<leptos::html::Input>::new();
    let title_len = RwSignal::new(0usize);
    let menu = NodeRef::<leptos::html::Details>::new();
    browser::dismissable_menu(menu);
    let tasks: Signal<Vec<_>> = Memo::new(move |_| {
        state
            .board
            .with(|b| b.tasks_in(column_id).cloned().collect::<Vec<_>>())
    })
    .into();
    let count = move || tasks.with(Vec::len);

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
                    {on_request(Extra::ColumnRename(column_id, renaming))}
                </If>
                <details class="column-menu" node_ref=menu on:toggle=move |_| if !menu_used.get_untracked() { menu_used.set(true) }>
                    <summary id=format!("column-{column_id}-menu") aria-label=move || format!("Column actions for {}", name())>"⋯"</summary>
                    <div class="menu">
                        {move || menu_used.get().then(|| on_request(Extra::ColumnMenu(column_id, menu, renaming)))}
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
            <span id="card-help" class="sr-only">"Arrow keys go from card to card; Alt and an arrow key move this card; press ? for all keys."</span>
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
