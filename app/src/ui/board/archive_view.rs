//! The board's archive: the cards and columns taken off it, most recent
//! first, each restored where it was with one click, or deleted for good
//! (the only place that deletes, after asking in the dialog itself). Part
//! of the board's late chunk (`extras`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::shared::{use_board, use_board_ui};
use super::state::Spot;
use crate::api::boards::{delete_column, delete_task};
use crate::api::kanban::{archived_items, restore_column, restore_task};
use crate::model::BoardArchive;
use crate::ui::common::{ago, ErrorNote};

/// What is about to be deleted for good, waiting for "Delete forever".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doomed {
    Task(i64),
    Column(i64),
}

#[component]
pub(super) fn ArchiveList() -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let board_id = state.id();
    let archive = RwSignal::new(None::<Result<BoardArchive, crate::error::AppError>>);
    let load =
        move || spawn_local(async move { archive.set(Some(archived_items(board_id).await)) });
    load();
    // The board changes live (someone restores or archives meanwhile): read again.
    Effect::new(move |seen: Option<i64>| {
        let seq = state.board.with(|b| b.seq);
        if seen.is_some_and(|s| s != seq) {
            load();
        }
        seq
    });
    let asking = RwSignal::new(None::<Doomed>);
    let writable = move || state.board.with(|b| b.archived_at.is_none());
    // (The row goes away with its button: the focus stays in the dialog.)
    let restored = move |what: &str| {
        ui.status.set(format!("{what} restored"));
        load();
        crate::ui::common::browser::focus_soon("archive-intro".into());
    };
    let restore = move |doomed: Doomed| match doomed {
        Doomed::Task(id) => state.send(
            Spot::Board,
            move || restore_task(id),
            move |_| restored("Card"),
        ),
        Doomed::Column(id) => state.send(
            Spot::Board,
            move || restore_column(id),
            move |_| restored("Column"),
        ),
    };
    let delete = move |doomed: Doomed| {
        asking.set(None);
        let done = move |_| {
            ui.status.set("Deleted for good".into());
            load();
            crate::ui::common::browser::focus_soon("archive-intro".into());
        };
        match doomed {
            Doomed::Task(id) => state.send(Spot::Board, move || delete_task(id), done),
            Doomed::Column(id) => state.send(Spot::Board, move || delete_column(id), done),
        }
    };
    let row_actions = move |doomed: Doomed, name: String| {
        view! {
            {move || if asking.get() == Some(doomed) {
                view! {
                    <span class="confirm-inline" role="group" aria-label=format!("Delete “{name}” for good?")>
                        <span class="small">"This cannot be undone."</span>
                        <button type="button" class="btn btn-danger btn-sm" id="archive-delete-confirm"
                            on:click=move |_| delete(doomed)>"Delete forever"</button>
                        <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| asking.set(None)>"Cancel"</button>
                    </span>
                }.into_any()
            } else {
                view! {
                    <span class="archive-actions">
                        <button type="button" class="btn btn-sm" disabled=move || !writable()
                            on:click=move |_| restore(doomed)>"Restore"</button>
                        <button type="button" class="btn btn-ghost btn-sm" disabled=move || !writable()
                            on:click=move |_| {
                                asking.set(Some(doomed));
                                crate::ui::common::browser::focus_soon("archive-delete-confirm".into());
                            }>"Delete…"</button>
                    </span>
                }.into_any()
            }}
        }
    };
    let column_name = move |id: i64| {
        state.board.with(|b| {
            b.columns
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.name.clone())
        })
    };
    view! {
        <p id="archive-intro" tabindex="-1" class="muted small">"Restore puts a card or a column back where it was. Deleting for good happens only here."</p>
        {move || match archive.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorNote error=e /> }.into_any(),
            Some(Ok(a)) if a.tasks.is_empty() && a.columns.is_empty() => view! {
                <p class="muted" id="archive-empty">"Nothing is archived on this board. Archived cards and columns wait here to be restored."</p>
            }.into_any(),
            Some(Ok(a)) => view! {
                {(!a.columns.is_empty()).then(|| view! {
                    <h3 class="section-title">"Columns"</h3>
                    <ul class="archive-list" aria-label="Archived columns">
                        {a.columns.into_iter().map(|c| {
                            let name = c.column.name.clone();
                            view! {
                                <li class="archive-row">
                                    <span class="archive-what">
                                        <strong dir="auto">{name.clone()}</strong>
                                        <span class="small muted">{format!(" · {} card{} · archived {}", c.task_count,
                                            if c.task_count == 1 { "" } else { "s" }, ago(c.archived_at))}</span>
                                    </span>
                                    {row_actions(Doomed::Column(c.column.id), name)}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
                {(!a.tasks.is_empty()).then(|| view! {
                    <h3 class="section-title">"Cards"</h3>
                    <ul class="archive-list" aria-label="Archived cards">
                        {a.tasks.into_iter().map(|t| {
                            let title = t.title.clone();
                            let from = column_name(t.column_id).map(|c| format!(" · from {c}")).unwrap_or_default();
                            view! {
                                <li class="archive-row">
                                    <span class="archive-what">
                                        <strong dir="auto">{title.clone()}</strong>
                                        <span class="small muted">{format!("{from} · archived {}", t.archived_at.map(ago).unwrap_or_default())}</span>
                                    </span>
                                    {row_actions(Doomed::Task(t.id), title)}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
            }.into_any(),
        }}
    }
}
