//! `/boards/:board_id/tasks/:task_id`: a task over the board, in two tabs —
//! Details (title, description, column, assignee) and Comments (the live
//! thread). `?comment=ID` opens the Comments tab on that comment.
//!
//! A description reads as its Markdown, rendered by the server (`Edit`, or
//! a click on it, opens the text; an empty one is a text box at once).
//!
//! A modal dialog: focus stays inside it and returns to the card when it
//! closes. Closing with an edited title or description asks first ("Discard
//! changes?", with Save at hand), and so does leaving the page.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::extras::{late_piece, Extra};
use super::shared::Undo;
use super::shared::{use_board, use_board_ui, BoardUi, FailureNote};
use super::state::{BoardState, Spot};
use crate::api::boards::update_task;
use crate::api::kanban::archive_task;
use crate::model::{BoardDetail, Task, TaskPatch};
use crate::ui::comments::CommentThread;
use crate::ui::common::{browser, char_len, for_reader, Avatar, CharCount, If, TaskRefs};
use crate::ui::live::Live;
use crate::validate::{TASK_DESCRIPTION_MAX, TASK_TITLE_MAX};

/// The fields of the Details tab, shared with the dialog so that closing can
/// tell whether something typed would be lost.
#[derive(Clone, Copy)]
struct Edits {
    title: NodeRef<leptos::html::Textarea>,
    description: NodeRef<leptos::html::Textarea>,
    /// The card as it was when what is in the fields was loaded or last
    /// taken in: a save says it was made from this version.
    base: StoredValue<Option<Task>>,
    /// Someone else changed the title or description the user is editing:
    /// their card, until the user keeps theirs or takes the other's.
    conflict: RwSignal<Option<Task>>,
}

impl Edits {
    /// What was typed and not saved, if anything: (title, description).
    fn unsaved(self, state: BoardState, id: i64) -> Option<(String, String)> {
        let (Some(t), Some(d)) = (self.title.get_untracked(), self.description.get_untracked())
        else {
            return None;
        };
        let (title, description) = (t.value(), d.value());
        let changed = state.board.with_untracked(|b| {
            b.task(id).is_some_and(|task| {
                title.trim() != task.title || description.trim() != task.description
            })
        });
        changed.then_some((title, description))
    }

    /// Saves what is in the fields, from the version they were made from.
    fn save(self, state: BoardState, ui: BoardUi, id: i64) {
        if let (Some(t), Some(d)) = (self.title.get_untracked(), self.description.get_untracked()) {
            // A title is one line, however long it wraps (pasted breaks too).
            save_task(
                state,
                ui,
                id,
                t.value().replace(['\r', '\n'], " "),
                d.value(),
                self.base_version(),
                None,
            );
        }
    }

    /// The version the fields were made from.
    fn base_version(self) -> Option<i64> {
        self.base.with_value(|b| b.as_ref().map(|t| t.version))
    }

    fn set_title(self, title: &str) {
        if let Some(el) = self.title.get_untracked() {
            el.set_value(title);
        }
    }

    fn set_description(self, description: &str) {
        if let Some(el) = self.description.get_untracked() {
            el.set_value(description);
        }
    }

    /// Someone else's change of the card arrived: fields the user has not
    /// touched take it at once; one they are editing that the other person
    /// changed too becomes a conflict to settle (nothing typed is lost).
    fn take_in(self, now: &Task) {
        let (Some(base), Some(t), Some(d)) = (
            self.base.get_value(),
            self.title.get_untracked(),
            self.description.get_untracked(),
        ) else {
            return;
        };
        if now.version <= base.version || self.conflict.with_untracked(Option::is_some) {
            return;
        }
        let (title, description) = (t.value(), d.value());
        let (title, description) = (title.trim(), description.trim());
        let title_edited = title != base.title;
        let description_edited = description != base.description;
        let clash = (title_edited && now.title != base.title && now.title != title)
            || (description_edited
                && now.description != base.description
                && now.description != description);
        if clash {
            self.conflict.set(Some(now.clone()));
            return;
        }
        if !title_edited {
            self.set_title(&now.title);
        }
        if !description_edited {
            self.set_description(&now.description);
        }
        self.base.set_value(Some(now.clone()));
    }
}

#[component]
pub fn TaskDialog() -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let params = use_params_map();
    let task_id = Memo::new(move |_| {
        params
            .read()
            .get("task_id")
            .and_then(|s| s.parse::<i64>().ok())
    });
    let navigate = use_navigate();
    // Back to the board as it was filtered.
    let board_href = move || format!("/boards/{}{}", state.id(), ui.filter_query());
    let leave = Callback::new(move |()| navigate(&board_href(), Default::default()));
    let edits = Edits {
        title: NodeRef::new(),
        description: NodeRef::new(),
        base: StoredValue::new(None),
        conflict: RwSignal::new(None),
    };
    // Asking "Discard changes?" instead of closing.
    let asking = RwSignal::new(false);
    let close = Callback::new(move |()| {
        let dirty = task_id
            .get_untracked()
            .and_then(|id| edits.unsaved(state, id))
            .is_some();
        if dirty {
            asking.set(true);
            browser::focus_soon("discard-save".into());
        } else {
            leave.run(());
        }
    });
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
    live.thread.focus.set(focus_comment());
    Effect::new(move |_| {
        if let Some(id) = focus_comment() {
            live.thread.focus.set(Some(id));
            tab.set(Tab::Comments);
        }
    });

    // Esc asks to close wherever the focus is (unless an open list, like the
    // mention suggestions, took it); leaving the page with unsaved edits asks too.
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" && !ev.default_prevented() {
                ev.prevent_default();
                if asking.get_untracked() {
                    asking.set(false);
                    browser::focus_soon("task-title".into());
                } else {
                    close.run(());
                }
            }
        });
        let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
            let dirty = task_id
                .get_untracked()
                .and_then(|id| edits.unsaved(state, id))
                .is_some();
            if dirty {
                ev.prevent_default();
                ev.set_return_value("You have unsaved changes.");
            }
        });
        on_cleanup(move || {
            handle.remove();
            unload.remove();
        });
    }
    browser::return_focus_on_cleanup();
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
    let dialog = NodeRef::<leptos::html::Div>::new();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(el) = dialog.get_untracked() {
            browser::keep_tab_inside(&ev, &el);
        }
    };
    let save_and_close = move |_| {
        let Some(id) = task_id.get_untracked() else {
            return;
        };
        asking.set(false);
        if let Some((title, description)) = edits.unsaved(state, id) {
            save_task(
                state,
                ui,
                id,
                title,
                description,
                edits.base_version(),
                Some(leave),
            );
        }
    };

    view! {
        <div class="overlay" on:click=on_backdrop>
            <div class="dialog dialog-task" role="dialog" aria-modal="true" aria-labelledby="task-dialog-title"
                node_ref=dialog on:keydown=on_keydown>
                {move || match task_id.get() {
                    Some(id) if state.board.with_untracked(|b| b.task(id).is_some()) => {
                        view! { <TaskTabs id state close tab edits /> }.into_any()
                    }
                    _ => view! {
                        <div class="dialog-body">
                            <div class="dialog-head">
                                <h2 id="task-dialog-title">"Task not found"</h2>
                                <button type="button" class="btn btn-ghost btn-sm" aria-label="Close" on:click=move |_| leave.run(())>"✕"</button>
                            </div>
                            <p>"It may have been deleted, or moved to another board."</p>
                            <a class="btn" href=board_href()>"Back to the board"</a>
                        </div>
                    }.into_any(),
                }}
                <If when=move || asking.get()>
                    <div class="discard" role="alertdialog" aria-modal="true" aria-labelledby="discard-title"
                        aria-describedby="discard-text">
                        <h3 id="discard-title">"Discard changes?"</h3>
                        <p id="discard-text">"You changed the title or description of this task and did not save it."</p>
                        <div class="dialog-actions">
                            <button type="button" id="discard-save" class="btn btn-primary" on:click=save_and_close>"Save changes"</button>
                            <button type="button" class="btn btn-danger" on:click=move |_| { asking.set(false); leave.run(()); }>"Discard"</button>
                            <button type="button" class="btn btn-ghost" on:click=move |_| {
                                asking.set(false);
                                browser::focus_soon("task-title".into());
                            }>"Keep editing"</button>
                        </div>
                    </div>
                </If>
            </div>
        </div>
    }
}

/// Saves the title and description (only those: the assignee and the column
/// are left as they are) from the card's `version` the fields were made from
/// (someone else's newer change is not overwritten: the dialog shows both),
/// then closes the dialog if asked to.
fn save_task(
    state: BoardState,
    ui: BoardUi,
    id: i64,
    title: String,
    description: String,
    version: Option<i64>,
    then_close: Option<Callback<()>>,
) {
    if char_len(title.trim()) > TASK_TITLE_MAX || char_len(&description) > TASK_DESCRIPTION_MAX {
        return;
    }
    let patch = TaskPatch {
        title: Some(title.clone()),
        description: Some(description.clone()),
        version,
        ..Default::default()
    };
    let (t, d) = (title.trim().to_string(), description.trim().to_string());
    state.change(
        Spot::Task(id),
        Some(move |b: &mut BoardDetail| {
            if let Some(task) = b.tasks.iter_mut().find(|task| task.id == id) {
                task.title = t.clone();
                if task.description != d {
                    // Its HTML comes with the server's answer: until then
                    // the text shows as typed.
                    task.description = d.clone();
                    task.description_html.clear();
                }
            }
        }),
        move || update_task(id, patch.clone()),
        move |_| {
            ui.status.set("Task saved".into());
            if let Some(close) = then_close {
                close.run(());
            }
        },
    );
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Details,
    Comments,
}

/// The two tabs. Both stay mounted once shown, so switching keeps unsaved
/// edits and the live thread.
#[component]
fn TaskTabs(
    id: i64,
    state: BoardState,
    close: Callback<()>,
    tab: RwSignal<Tab>,
    edits: Edits,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let (board_id, viewer_id) = state.board.with_untracked(|b| (b.id, b.viewer_id));
    let is_owner = Signal::derive(move || state.is_owner());
    // The thread mounts the first time its tab is shown, then stays.
    let comments_seen = RwSignal::new(tab.get_untracked() == Tab::Comments);
    Effect::new(move |_| {
        if tab.get() == Tab::Comments {
            comments_seen.set(true);
        }
    });
    // The count on the tab (and the card): from the board, then from the
    // open thread once it is live.
    Effect::new(move |_| {
        let Some(count) = live.comment_count.get() else {
            return;
        };
        if live.thread.open.get_untracked() == Some(id) {
            state.comments_counted(id, count);
        }
    });
    let comment_count = move || {
        state
            .board
            .with(|b| b.task(id).map_or(0, |t| t.comment_count))
    };
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
                on:click=move |_| select(Tab::Comments)>
                "Comments"
                {move || (comment_count() > 0).then(|| view! { " " <span class="count">{comment_count()}</span> })}
            </button>
        </div>
        <div id="panel-details" role="tabpanel" aria-labelledby="tab-details" hidden=move || tab.get() != Tab::Details>
            <TaskForm id state close edits />
        </div>
        <div id="panel-comments" role="tabpanel" aria-labelledby="tab-comments" class="dialog-body"
            hidden=move || tab.get() != Tab::Comments>
            <div class="dialog-head">
                <h2 class="thread-title" dir="auto">{title}</h2>
                <button type="button" class="btn btn-ghost btn-sm" aria-label="Close" on:click=move |_| close.run(())>"✕"</button>
            </div>
            <If when=move || comments_seen.get()>
                <CommentThread task_id=id board_id viewer_id is_owner />
            </If>
        </div>
    }
    .into_any()
}

/// The editable task. Rendered once per task: reloading the board updates the
/// selects in place and never takes the focus away from what you are typing.
#[component]
fn TaskForm(id: i64, state: BoardState, close: Callback<()>, edits: Edits) -> impl IntoView {
    let ui = use_board_ui();
    let task = state.board.with_untracked(|b| b.task(id).cloned());
    let Some(task) = task else {
        return ().into_any();
    };
    let title_len = RwSignal::new(char_len(&task.title));
    let current = move || state.board.with(|b| b.task(id).cloned());
    // Writing the description (or reading it rendered).
    let writing = RwSignal::new(false);
    let reading =
        move || !writing.get() && current().is_some_and(|t| !t.description.trim().is_empty());
    let write = move || {
        writing.set(true);
        browser::focus_soon("task-description".into());
    };
    let refs = use_context::<TaskRefs>();
    let me = Some(state.board.with_untracked(|b| b.viewer_id));
    let rendered = move || {
        current().map(|t| {
            if t.description_html.is_empty() {
                format!(
                    r#"<p class="pre-wrap">{}</p>"#,
                    crate::ui::common::escape_html(&t.description)
                )
            } else {
                for_reader(&t.description_html, me, refs)
            }
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        edits.save(state, ui, id);
        writing.set(false);
    };
    edits.base.set_value(Some(task.clone()));
    // Someone else's edits, live: into the fields the user has not touched.
    Effect::new(move |_| {
        if let Some(now) = current() {
            edits.take_in(&now);
        }
    });
    // A save refused as stale: the same choice.
    Effect::new(move |_| {
        if let Some(theirs) = state.stale_task.get().filter(|t| t.id == id) {
            state.stale_task.set(None);
            edits.conflict.set(Some(theirs));
        }
    });
    let keep_mine = move |_| {
        let Some(theirs) = edits.conflict.get_untracked() else {
            return;
        };
        edits.base.set_value(Some(theirs));
        edits.conflict.set(None);
        state.failure.update(|f| {
            if f.as_ref().is_some_and(|f| f.at == Spot::Task(id)) {
                *f = None;
            }
        });
        edits.save(state, ui, id);
    };
    let take_theirs = move |_| {
        let Some(theirs) = edits.conflict.get_untracked() else {
            return;
        };
        edits.set_title(&theirs.title);
        edits.set_description(&theirs.description);
        title_len.set(char_len(&theirs.title));
        edits.base.set_value(Some(theirs));
        edits.conflict.set(None);
        state.failure.update(|f| {
            if f.as_ref().is_some_and(|f| f.at == Spot::Task(id)) {
                *f = None;
            }
        });
        browser::focus_soon("task-title".into());
    };
    let gone = move || current().is_none();
    let move_to = move |ev: leptos::ev::Event| {
        if let Ok(column_id) = event_target_value(&ev).parse::<i64>() {
            let end = state
                .board
                .with_untracked(|b| b.tasks_in(column_id).count() as i64);
            ui.move_card(state, id, column_id, end);
        }
    };
    // Archived, not destroyed: the card leaves the board, and the toast's
    // Undo (or the board's archive) brings it back where it was.
    let navigate = use_navigate();
    let archive = move |_| {
        let navigate = navigate.clone();
        let board_href = format!("/boards/{}{}", state.id(), ui.filter_query());
        let title = state
            .board
            .with_untracked(|b| b.task(id).map(|t| t.title.clone()))
            .unwrap_or_default();
        state.send(
            Spot::Task(id),
            move || archive_task(id),
            move |_| {
                ui.offer_undo(format!("Archived “{title}”"), Undo::RestoreTask(id));
                navigate(&board_href, Default::default());
            },
        );
    };
    let creator = state.board.with_untracked(|b| {
        b.member(task.created_by)
            .map(|m| m.user.display_name.clone())
    });
    let column_of = move || current().map(|t| t.column_id);
    view! {
        <form class="dialog-body stack" on:submit=save>
            <div class="dialog-head">
                <h2 id="task-dialog-title" class="sr-only">{format!("Task: {}", task.title)}</h2>
                <label for="task-title" class="sr-only">"Title"</label>
                // Multi-line, so a long title reads whole; Enter saves.
                <textarea id="task-title" class="title-input" node_ref=edits.title rows="1" required dir="auto"
                    aria-describedby="task-title-count" prop:value=task.title.clone()
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" && !ev.is_composing() {
                            ev.prevent_default();
                            if let Some(form) = edits.title.get_untracked().and_then(|t| t.form()) {
                                let _ = form.request_submit();
                            }
                        }
                    }
                    on:input=move |ev| title_len.set(char_len(&event_target_value(&ev)))></textarea>
                <button type="button" class="btn btn-ghost btn-sm" aria-label="Close" on:click=move |_| close.run(())>"✕"</button>
            </div>
            <CharCount len=title_len.into() max=TASK_TITLE_MAX id="task-title" />
            <div class="task-fields">
                <label for="task-column">"Column"</label>
                <select id="task-column" on:change=move_to
                    prop:value=move || column_of().map(|c| c.to_string()).unwrap_or_default()>
                    {move || state.board.with(|b| b.columns.iter().map(|c| {
                        let cid = c.id;
                        view! { <option value=cid.to_string() selected=move || column_of() == Some(cid)>{c.name.clone()}</option> }
                    }).collect_view())}
                </select>
            </div>
            <div class="field-head">
                <label for="task-description" id="task-description-label">"Description"</label>
                <If when=reading>
                    <button type="button" class="btn btn-ghost btn-xs" id="task-description-edit"
                        aria-describedby="task-description-label" on:click=move |_| write()>"Edit"</button>
                </If>
                <If when=move || !reading()>
                    <span class="muted small">"Markdown: **bold**, `code`, lists, | tables |, links"</span>
                </If>
            </div>
            <If when=reading>
                // A click on the text (not on a link in it) edits it.
                <div class="msg-text task-description" dir="auto"
                    on:click=move |ev: leptos::ev::MouseEvent| if !browser::inside_link(&ev) { write() }
                    inner_html=rendered></div>
            </If>
            <textarea id="task-description" node_ref=edits.description rows="6" dir="auto" hidden=reading
                prop:value=task.description.clone() placeholder="Add more detail…"></textarea>
            {creator.map(|name| view! {
                <p class="muted small creator"><Avatar name=name.clone() small=true />" Created by "{name}</p>
            })}
            <FailureNote at=Spot::Task(id) />
            {move || gone().then(|| view! {
                <p class="notice" role="status">"Someone deleted this card. What you typed is still here, but it cannot be saved."</p>
            })}
            {move || edits.conflict.get().map(|theirs| {
                // Named when known (a member of the board changed it).
                let who = theirs
                    .updated_by
                    .and_then(|u| state.board.with_untracked(|b| {
                        b.members.iter().find(|m| m.user.id == u).map(|m| m.user.display_name.clone())
                    }))
                    .unwrap_or_else(|| "Someone else".to_string());
                view! {
                <div class="conflict" role="alert" aria-labelledby="conflict-title">
                    <p id="conflict-title"><strong>{format!("{who} changed this card while you were editing it.")}</strong></p>
                    <p class="small muted">"Their title"</p>
                    <p class="conflict-text" dir="auto">{theirs.title.clone()}</p>
                    <p class="small muted">"Their description"</p>
                    <p class="conflict-text" dir="auto">{if theirs.description.is_empty() { "(empty)".to_string() } else { theirs.description.clone() }}</p>
                    <div class="dialog-actions">
                        <button type="button" id="conflict-keep" class="btn btn-primary btn-sm" on:click=keep_mine>"Keep mine"</button>
                        <button type="button" id="conflict-take" class="btn btn-sm" on:click=take_theirs>"Take theirs"</button>
                    </div>
                </div>
                }
            })}
            // (After the clash box: that one is about the fields above.)
            {late_piece(Extra::TaskDetails(id), "task-extras-slot")}
            // Kept in sight at the dialog's bottom edge: the card's details
            // make it taller than most screens.
            <div class="dialog-actions save-bar">
                <button type="button" class="btn btn-sm" id="task-archive" on:click=archive
                    title="Takes the card off the board; restore it from the board's archive">"Archive"</button>
                <WatchToggle task_id=id state />
                <span class="spacer"></span>
                <button type="button" class="btn btn-ghost" on:click=move |_| close.run(())>"Close"</button>
                <button type="submit" class="btn btn-primary">"Save"</button>
            </div>
        </form>
    }
    .into_any()
}

/// Watch or unwatch the card: whether its comments reach my bell. (Its
/// creator, assignee and commenters watch it without asking; an unwatch
/// sticks.)
#[component]
fn WatchToggle(task_id: i64, state: BoardState) -> impl IntoView {
    let watching = RwSignal::new(None::<bool>);
    // Asks, or flips: one way to the server for both. A refusal shows in the
    // dialog's own note.
    let ask = move |on: Option<bool>| {
        leptos::task::spawn_local(async move {
            match crate::api::boards::watch_task(task_id, on).await {
                Ok(now) => watching.set(Some(now)),
                Err(e) => state.fail(Spot::Task(task_id), &e, None, None),
            }
        });
    };
    // Commenting on the card, or being assigned it, makes one watch it:
    // asked again when either changes.
    let asked_for = StoredValue::new(None::<Option<(i64, Option<i64>)>>);
    // (Followed from the button's text, like the fields' values are: it
    // re-runs with every change of the board and asks only when these two
    // changed. A plain effect here did not re-run: noted for the next issue.)
    let follow = move || {
        let now = state
            .board
            .with(|b| b.task(task_id).map(|t| (t.comment_count, t.assignee_id)));
        if asked_for.get_value() != Some(now) {
            asked_for.set_value(Some(now));
            #[cfg(feature = "hydrate")]
            ask(None);
        }
    };
    view! {
        <button type="button" class="btn btn-ghost btn-sm watch-toggle"
            aria-pressed=move || (watching.get() == Some(true)).to_string()
            title="Watchers hear about every new comment on this card"
            on:click=move |_| if let Some(now) = watching.get_untracked() { ask(Some(!now)) }>
            {move || {
                follow();
                if watching.get() == Some(true) { "Watching ✓" } else { "Watch" }
            }}
        </button>
    }
}
