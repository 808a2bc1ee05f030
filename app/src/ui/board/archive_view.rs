//! The board's archive: the cards and columns taken off it, most recent
//! first, each restored where it was with one click, or deleted for good
//! (the only place that deletes, after asking in the dialog itself); and,
//! for owners, the board itself: archived (read-only), restored, or
//! deleted for good. Part of the board's late chunk (`extras`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::shared::{use_board, use_board_ui};
use super::state::Spot;
use crate::api::boards::{delete_board, delete_column, delete_task};
use crate::api::kanban::{archived_items, restore_column, restore_task, set_board_archived};
use crate::model::BoardArchive;
use crate::ui::common::{ago, ErrorNote};

/// What is about to be deleted for good, waiting for "Delete forever".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doomed {
    Task(i64),
    Column(i64),
    Board,
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
    // The board itself (owners): archived, it is read-only until restored.
    let set_archived = move |on: bool| {
        state.change(
            Spot::Board,
            Some(move |b: &mut crate::model::BoardDetail| {
                b.archived_at = on.then(|| crate::ui::common::now_and_offset().0);
            }),
            move || set_board_archived(board_id, on),
            move |_| {
                let said = if on {
                    "Board archived: it is read-only until restored"
                } else {
                    "Board restored"
                };
                ui.status.set(said.into());
                crate::ui::common::browser::focus_soon("archive-intro".into());
            },
        );
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
        Doomed::Board => set_archived(false),
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
            Doomed::Board => state.send(Spot::Board, move || delete_board(board_id), |_| {}),
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
                        <button type="button" class="btn btn-sm" disabled=move || doomed != Doomed::Board && !writable()
                            on:click=move |_| restore(doomed)>"Restore"</button>
                        <button type="button" class="btn btn-ghost btn-sm" disabled=move || doomed != Doomed::Board && !writable()
                            on:click=move |_| {
                                asking.set(Some(doomed));
                                crate::ui::common::browser::focus_soon("archive-delete-confirm".into());
                            }>"Delete…"</button>
                    </span>
                }.into_any()
            }}
        }
    };
    let column_name = move |id: i64| state.board.with(|b| b.column(id).map(|c| c.name.clone()));
    let this_board = move || {
        state.is_owner().then(|| if writable() {
            view! {
                <section class="archive-board" aria-labelledby="archive-board-title">
                    <h3 class="section-title" id="archive-board-title">"This board"</h3>
                    <p class="small muted">"Archiving the board makes it read-only for everyone and lists it apart on the boards page; you can restore it or delete it for good from here."</p>
                    <button type="button" class="btn btn-sm" id="archive-board" on:click=move |_| set_archived(true)>"Archive this board"</button>
                </section>
            }.into_any()
        } else {
            let name = state.board.with(|b| b.name.clone());
            view! {
                <section class="archive-board" aria-labelledby="archive-board-title">
                    <h3 class="section-title" id="archive-board-title">"This board is archived"</h3>
                    <p class="small muted">"Restore it to change it again. Deleting it for good takes its columns, cards, comments and chat too."</p>
                    {row_actions(Doomed::Board, name)}
                </section>
            }.into_any()
        })
    };
    view! {
        <p id="archive-intro" tabindex="-1" class="muted small">"Restore puts a card or a column back where it was. Deleting for good happens only here."</p>
        {this_board}
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
