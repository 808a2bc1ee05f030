//! `/boards/:board_id/tasks/:task_id`: a task's details over the board —
//! title, description, column, assignee. (The comment thread comes here next.)

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::board_page::use_board;
use super::common::{browser, Avatar};
use crate::api::boards::{delete_task, update_task};
use crate::model::TaskPatch;
use crate::validate::{TASK_DESCRIPTION_MAX, TASK_TITLE_MAX};

#[component]
pub fn TaskDialog() -> impl IntoView {
    let state = use_board();
    let params = use_params_map();
    let task_id = move || params.read().get("task_id").and_then(|s| s.parse::<i64>().ok());
    let task = move || task_id().and_then(|id| state.board.with(|b| b.task(id).cloned()));
    let navigate = use_navigate();
    let board_href = move || format!("/boards/{}", state.id());
    let close = {
        let navigate = navigate.clone();
        move || navigate(&board_href(), Default::default())
    };
    let on_keydown = {
        let close = close.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" {
                ev.prevent_default();
                close();
            }
        }
    };
    browser::focus_soon("task-title".into());
    let close_on_backdrop = close.clone();
    let close_after_delete = close.clone();

    view! {
        <div class="overlay" on:click={
            let close = close_on_backdrop;
            move |ev: leptos::ev::MouseEvent| {
                // Only a click on the backdrop itself closes the dialog.
                #[cfg(feature = "hydrate")]
                {
                    let on_backdrop = match (ev.target(), ev.current_target()) {
                        (Some(t), Some(c)) => wasm_bindgen::JsValue::from(t) == wasm_bindgen::JsValue::from(c),
                        _ => false,
                    };
                    if on_backdrop { close(); }
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = (ev, &close);
            }
        }>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="task-dialog-title" on:keydown=on_keydown>
                {move || match task() {
                    None => view! {
                        <div class="dialog-body">
                            <h2 id="task-dialog-title">"Task not found"</h2>
                            <p>"It may have been deleted."</p>
                            <a class="btn" href=board_href()>"Back to the board"</a>
                        </div>
                    }.into_any(),
                    Some(task) => {
                        let id = task.id;
                        let title_ref = NodeRef::<leptos::html::Input>::new();
                        let desc_ref = NodeRef::<leptos::html::Textarea>::new();
                        let save = move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            let (Some(t), Some(d)) = (title_ref.get(), desc_ref.get()) else { return };
                            let patch = TaskPatch { title: Some(t.value()), description: Some(d.value()), ..Default::default() };
                            state.run_then(update_task(id, patch), move |_| state.status.set("Task saved".into()));
                        };
                        let move_to = move |ev: leptos::ev::Event| {
                            if let Ok(column_id) = event_target_value(&ev).parse::<i64>() {
                                let end = state.board.with_untracked(|b| b.tasks_in(column_id).count() as i64);
                                state.move_task(id, column_id, end);
                            }
                        };
                        let assign = move |ev: leptos::ev::Event| {
                            let assignee = event_target_value(&ev).parse::<i64>().ok();
                            let patch = TaskPatch { assignee_id: Some(assignee), ..Default::default() };
                            state.run(update_task(id, patch));
                        };
                        let delete = {
                            let close = close_after_delete.clone();
                            let title = task.title.clone();
                            move |_| {
                                if browser::confirm(&format!("Delete the task “{title}”?")) {
                                    let close = close.clone();
                                    state.run_then(delete_task(id), move |_| close());
                                }
                            }
                        };
                        let creator = state.board.with_untracked(|b| b.member(task.created_by).map(|m| m.user.display_name.clone()));
                        view! {
                            <form class="dialog-body stack" on:submit=save>
                                <div class="dialog-head">
                                    <h2 id="task-dialog-title" class="sr-only">{format!("Task: {}", task.title)}</h2>
                                    <label for="task-title" class="sr-only">"Title"</label>
                                    <input id="task-title" class="title-input" node_ref=title_ref type="text" required
                                        maxlength=TASK_TITLE_MAX prop:value=task.title.clone() />
                                    <a class="btn btn-ghost btn-sm" href=board_href() aria-label="Close">"✕"</a>
                                </div>
                                <div class="task-fields">
                                    <label for="task-column">"Column"</label>
                                    <select id="task-column" on:change=move_to>
                                        {state.board.with_untracked(|b| b.columns.iter().map(|c| view! {
                                            <option value=c.id.to_string() selected=c.id == task.column_id>{c.name.clone()}</option>
                                        }).collect_view())}
                                    </select>
                                    <label for="task-assignee">"Assignee"</label>
                                    <select id="task-assignee" on:change=assign>
                                        <option value="" selected=task.assignee_id.is_none()>"Unassigned"</option>
                                        {state.board.with_untracked(|b| b.members.iter().map(|m| view! {
                                            <option value=m.user.id.to_string() selected=Some(m.user.id) == task.assignee_id>
                                                {format!("{} (@{})", m.user.display_name, m.user.username)}
                                            </option>
                                        }).collect_view())}
                                    </select>
                                </div>
                                <label for="task-description">"Description"</label>
                                <textarea id="task-description" node_ref=desc_ref rows="6" maxlength=TASK_DESCRIPTION_MAX
                                    prop:value=task.description.clone() placeholder="Add more detail…"></textarea>
                                {creator.map(|name| view! {
                                    <p class="muted small"><Avatar name=name.clone() small=true />" Created by "{name}</p>
                                })}
                                <div class="dialog-actions">
                                    <button type="button" class="btn btn-danger btn-sm" on:click=delete>"Delete task"</button>
                                    <span class="spacer"></span>
                                    <a class="btn btn-ghost" href=board_href()>"Close"</a>
                                    <button type="submit" class="btn btn-primary">"Save"</button>
                                </div>
                            </form>
                        }.into_any()
                    }
                }}
            </div>
        </div>
    }
}
