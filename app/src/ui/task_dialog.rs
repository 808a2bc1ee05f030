//! `/boards/:board_id/tasks/:task_id`: a task over the board, in two tabs —
//! Details (title, description, column, assignee) and Comments (the live
//! thread). `?comment=ID` opens the Comments tab on that comment.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::board_page::{use_board, BoardState};
use super::comments::CommentThread;
use super::common::{browser, Avatar};
use super::live::Live;
use crate::api::boards::{delete_task, update_task};
use crate::model::TaskPatch;
use crate::validate::{TASK_DESCRIPTION_MAX, TASK_TITLE_MAX};

#[component]
pub fn TaskDialog() -> impl IntoView {
    let state = use_board();
    let params = use_params_map();
    let task_id = Memo::new(move |_| {
        params
            .read()
            .get("task_id")
            .and_then(|s| s.parse::<i64>().ok())
    });
    let navigate = use_navigate();
    let board_href = move || format!("/boards/{}", state.id());
    let close = Callback::new(move |()| navigate(&board_href(), Default::default()));
    let live = expect_context::<Live>();
    let query = use_query_map();
    let focus_comment = move || {
        query
            .read()
            .get("comment")
            .and_then(|s| s.parse::<i64>().ok())
    };
    let start_on_comments = focus_comment().is_some()
        || query.read_untracked().get("tab").as_deref() == Some("comments");
    let tab = RwSignal::new(if start_on_comments {
        Tab::Comments
    } else {
        Tab::Details
    });
    // A notification's link: the Comments tab, scrolled to the comment.
    live.focus_comment.set(focus_comment());
    Effect::new(move |_| {
        if let Some(id) = focus_comment() {
            live.focus_comment.set(Some(id));
            tab.set(Tab::Comments);
        }
    });

    // Esc closes the dialog wherever the focus is (unless an open list,
    // like the mention suggestions, took it).
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            let list_open = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.get_attribute("aria-expanded"))
                .is_some_and(|v| v == "true");
            if ev.key() == "Escape" && !ev.default_prevented() && !list_open {
                ev.prevent_default();
                close.run(());
            }
        });
        on_cleanup(move || handle.remove());
    }
    browser::focus_soon(if start_on_comments {
        "comment-composer".into()
    } else {
        "task-title".into()
    });

    // Only a click on the backdrop itself closes the dialog.
    let on_backdrop = move |ev: leptos::ev::MouseEvent| {
        if browser::on_itself(&ev) {
            close.run(());
        }
    };

    view! {
        <div class="overlay" on:click=on_backdrop>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="task-dialog-title">
                {move || match task_id.get() {
                    Some(id) if state.board.with_untracked(|b| b.task(id).is_some()) => {
                        view! { <TaskTabs id state close tab /> }.into_any()
                    }
                    _ => view! {
                        <div class="dialog-body">
                            <h2 id="task-dialog-title">"Task not found"</h2>
                            <p>"It may have been deleted, or moved to another board."</p>
                            <a class="btn" href=board_href()>"Back to the board"</a>
                        </div>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Details,
    Comments,
}

/// The two tabs. Both stay mounted once shown, so switching keeps unsaved
/// edits and the live thread.
#[component]
fn TaskTabs(id: i64, state: BoardState, close: Callback<()>, tab: RwSignal<Tab>) -> impl IntoView {
    let (board_id, viewer_id) = state.board.with_untracked(|b| (b.id, b.viewer_id));
    let is_owner = Signal::derive(move || state.is_owner());
    // The thread mounts the first time its tab is shown, then stays.
    let comments_seen = RwSignal::new(tab.get_untracked() == Tab::Comments);
    Effect::new(move |_| {
        if tab.get() == Tab::Comments {
            comments_seen.set(true);
        }
    });
    let select = move |t: Tab| {
        tab.set(t);
        if t == Tab::Comments {
            browser::focus_soon("comment-composer".into());
        }
    };
    let on_tab_key = move |ev: leptos::ev::KeyboardEvent| {
        if matches!(ev.key().as_str(), "ArrowLeft" | "ArrowRight") {
            ev.prevent_default();
            let next = if tab.get_untracked() == Tab::Details {
                Tab::Comments
            } else {
                Tab::Details
            };
            select(next);
            browser::focus_soon(
                if next == Tab::Details {
                    "tab-details"
                } else {
                    "tab-comments"
                }
                .into(),
            );
        }
    };
    let title = move || {
        state
            .board
            .with(|b| b.task(id).map(|t| t.title.clone()).unwrap_or_default())
    };
    view! {
        <div class="tabs" role="tablist" aria-label="Task" on:keydown=on_tab_key>
            <button type="button" id="tab-details" role="tab" class="tab"
                aria-selected=move || (tab.get() == Tab::Details).to_string()
                aria-controls="panel-details" tabindex=move || if tab.get() == Tab::Details { "0" } else { "-1" }
                on:click=move |_| select(Tab::Details)>"Details"</button>
            <button type="button" id="tab-comments" role="tab" class="tab"
                aria-selected=move || (tab.get() == Tab::Comments).to_string()
                aria-controls="panel-comments" tabindex=move || if tab.get() == Tab::Comments { "0" } else { "-1" }
                on:click=move |_| select(Tab::Comments)>"Comments"</button>
        </div>
        <div id="panel-details" role="tabpanel" aria-labelledby="tab-details" hidden=move || tab.get() != Tab::Details>
            <TaskForm id state close />
        </div>
        <div id="panel-comments" role="tabpanel" aria-labelledby="tab-comments" class="dialog-body"
            hidden=move || tab.get() != Tab::Comments>
            <div class="dialog-head">
                <h2 class="thread-title">{title}</h2>
                <button type="button" class="btn btn-ghost btn-sm" aria-label="Close" on:click=move |_| close.run(())>"✕"</button>
            </div>
            <Show when=move || comments_seen.get()>
                <CommentThread task_id=id board_id viewer_id is_owner />
            </Show>
        </div>
    }
    .into_any()
}

/// The editable task. Rendered once per task: reloading the board updates the
/// selects in place and never takes the focus away from what you are typing.
#[component]
fn TaskForm(id: i64, state: BoardState, close: Callback<()>) -> impl IntoView {
    let task = state.board.with_untracked(|b| b.task(id).cloned());
    let Some(task) = task else {
        return ().into_any();
    };
    let title_ref = NodeRef::<leptos::html::Input>::new();
    let desc_ref = NodeRef::<leptos::html::Textarea>::new();
    let current = move || state.board.with(|b| b.task(id).cloned());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(t), Some(d)) = (title_ref.get(), desc_ref.get()) else {
            return;
        };
        let patch = TaskPatch {
            title: Some(t.value()),
            description: Some(d.value()),
            ..Default::default()
        };
        state.run_then(update_task(id, patch), move |_| {
            state.status.set("Task saved".into())
        });
    };
    let move_to = move |ev: leptos::ev::Event| {
        if let Ok(column_id) = event_target_value(&ev).parse::<i64>() {
            let end = state
                .board
                .with_untracked(|b| b.tasks_in(column_id).count() as i64);
            state.move_task(id, column_id, end);
        }
    };
    let assign = move |ev: leptos::ev::Event| {
        let assignee = event_target_value(&ev).parse::<i64>().ok();
        let patch = TaskPatch {
            assignee_id: Some(assignee),
            ..Default::default()
        };
        state.run(update_task(id, patch));
    };
    let delete = {
        let title = task.title.clone();
        move |_| {
            if browser::confirm(&format!("Delete the task “{title}”?")) {
                state.run_then(delete_task(id), move |_| close.run(()));
            }
        }
    };
    let creator = state.board.with_untracked(|b| {
        b.member(task.created_by)
            .map(|m| m.user.display_name.clone())
    });
    let column_of = move || current().map(|t| t.column_id);
    let assignee_of = move || current().and_then(|t| t.assignee_id);
    view! {
        <form class="dialog-body stack" on:submit=save>
            <div class="dialog-head">
                <h2 id="task-dialog-title" class="sr-only">{format!("Task: {}", task.title)}</h2>
                <label for="task-title" class="sr-only">"Title"</label>
                <input id="task-title" class="title-input" node_ref=title_ref type="text" required
                    maxlength=TASK_TITLE_MAX prop:value=task.title.clone() />
                <button type="button" class="btn btn-ghost btn-sm" aria-label="Close" on:click=move |_| close.run(())>"✕"</button>
            </div>
            <div class="task-fields">
                <label for="task-column">"Column"</label>
                <select id="task-column" on:change=move_to
                    prop:value=move || column_of().map(|c| c.to_string()).unwrap_or_default()>
                    {move || state.board.with(|b| b.columns.iter().map(|c| {
                        let cid = c.id;
                        view! { <option value=cid.to_string() selected=move || column_of() == Some(cid)>{c.name.clone()}</option> }
                    }).collect_view())}
                </select>
                <label for="task-assignee">"Assignee"</label>
                <select id="task-assignee" on:change=assign
                    prop:value=move || assignee_of().map(|a| a.to_string()).unwrap_or_default()>
                    <option value="" selected=move || assignee_of().is_none()>"Unassigned"</option>
                    {move || state.board.with(|b| b.members.iter().map(|m| {
                        let uid = m.user.id;
                        view! {
                            <option value=uid.to_string() selected=move || assignee_of() == Some(uid)>
                                {format!("{} (@{})", m.user.display_name, m.user.username)}
                            </option>
                        }
                    }).collect_view())}
                </select>
            </div>
            <label for="task-description">"Description"</label>
            <textarea id="task-description" node_ref=desc_ref rows="6" maxlength=TASK_DESCRIPTION_MAX
                prop:value=task.description.clone() placeholder="Add more detail…"></textarea>
            {creator.map(|name| view! {
                <p class="muted small creator"><Avatar name=name.clone() small=true />" Created by "{name}</p>
            })}
            <div class="dialog-actions">
                <button type="button" class="btn btn-danger btn-sm" on:click=delete>"Delete task"</button>
                <span class="spacer"></span>
                <button type="button" class="btn btn-ghost" on:click=move |_| close.run(())>"Close"</button>
                <button type="submit" class="btn btn-primary">"Save"</button>
            </div>
        </form>
    }
    .into_any()
}
