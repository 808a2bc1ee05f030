//! A card's details beyond its title and text: when it is due and whether it
//! is done, the people on it, its labels and its checklist. Part of the
//! board's late chunk (`extras`): the board page does not carry it.
//!
//! Every change is shown at once and sent as an ordinary card edit (the
//! board's events bring everyone else's); the checklist is read from the
//! server and follows `checklist_changed` events live.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::shared::use_board_ui;
use super::state::{BoardState, Spot};
use crate::api::boards::update_task;
use crate::api::kanban::{
    add_checklist_item, checklist, create_label, delete_checklist_item, delete_label,
    task_timeline, update_checklist_item,
};
use crate::error::AppError;
use crate::model::{
    BoardDetail, Change, ChecklistItem, ChecklistPatch, LabelColor, NewChecklistItem, NewLabel,
    Task, TaskPatch, TimelineEntry,
};
use crate::ui::common::{
    ago, browser, due_date_text, due_fields, due_from_fields, due_label, now_and_offset, offset_at,
    If,
};

#[component]
pub(super) fn TaskExtras(id: i64) -> impl IntoView {
    let state = super::shared::use_board();
    view! {
        <div class="task-extras">
            <DueField id state />
            <PeopleField id state />
            <LabelsField id state />
            <ChecklistField id state />
            {crate::ui::chat::notify_settings(crate::model::PrefScope::Task, id)}
            <Timeline id state />
        </div>
    }
}

/// Sends a change of the card, shown at once (`local` edits the screen's copy).
fn patch_task(
    state: BoardState,
    id: i64,
    patch: TaskPatch,
    local: impl Fn(&mut Task) + Clone + Send + Sync + 'static,
) {
    state.change(
        Spot::Task(id),
        Some(move |b: &mut BoardDetail| {
            if let Some(t) = b.tasks.iter_mut().find(|t| t.id == id) {
                local(t);
            }
        }),
        move || update_task(id, patch.clone()),
        |_| {},
    );
}

/// The due date (a date, and a time if it matters) and "Done".
#[component]
fn DueField(id: i64, state: BoardState) -> impl IntoView {
    let ui = use_board_ui();
    let due = move || state.board.with(|b| b.task(id).and_then(|t| t.due_at));
    let done = move || {
        state
            .board
            .with(|b| b.task(id).is_some_and(|t| t.done_at.is_some()))
    };
    // In the reader's time zone once the page is live (the clock says so).
    let fields = move || {
        ui.clock.track();
        due().map(|d| due_fields(d, offset_at(d)))
    };
    let summary = move || {
        let (now, offset) = ui.clock.get();
        due().map(|d| due_label(d, done(), now, offset))
    };
    let date = NodeRef::<leptos::html::Input>::new();
    let time = NodeRef::<leptos::html::Input>::new();
    let set_due = move || {
        let (Some(d), Some(t)) = (date.get_untracked(), time.get_untracked()) else {
            return;
        };
        let (day, clock) = (d.value(), t.value());
        if day.trim().is_empty() {
            return;
        }
        // The offset of the day chosen (daylight saving time), not today's.
        let Some(guess) = due_from_fields(&day, &clock, now_and_offset().1) else {
            return;
        };
        let at = due_from_fields(&day, &clock, offset_at(guess)).unwrap_or(guess);
        if due() != Some(at) {
            patch_task(
                state,
                id,
                TaskPatch {
                    due_at: Change::Set(at),
                    ..Default::default()
                },
                move |t| t.due_at = Some(at),
            );
        }
    };
    let clear = move |_| {
        patch_task(
            state,
            id,
            TaskPatch {
                due_at: Change::Clear,
                ..Default::default()
            },
            |t| t.due_at = None,
        );
        browser::focus_soon("task-due-date".into());
    };
    let toggle_done = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        let now = now_and_offset().0;
        patch_task(
            state,
            id,
            TaskPatch {
                done: Some(on),
                ..Default::default()
            },
            move |t| t.done_at = on.then_some(now),
        );
        ui.status
            .set(if on { "Marked done" } else { "Marked not done" }.into());
    };
    view! {
        <fieldset class="task-section">
            <legend>"Due date"</legend>
            <div class="due-row">
                <label for="task-due-date" class="sr-only">"Due date"</label>
                <input id="task-due-date" type="date" node_ref=date
                    prop:value=move || fields().map(|f| f.0).unwrap_or_default()
                    on:change=move |_| set_due() />
                <label for="task-due-time" class="sr-only">"Due time (optional)"</label>
                <input id="task-due-time" type="time" node_ref=time title="Optional: a time of day"
                    prop:value=move || fields().map(|f| f.1).unwrap_or_default()
                    on:change=move |_| set_due() />
                <If when=move || due().is_some()>
                    <button type="button" class="btn btn-ghost btn-sm" on:click=clear>"Remove date"</button>
                </If>
                <label class="check">
                    <input type="checkbox" id="task-done" prop:checked=done on:change=toggle_done />
                    " Done"
                </label>
            </div>
            {move || summary().map(|(label, urgency)| view! {
                <p class=format!("small {}", urgency.class()) id="task-due-summary">{label}</p>
            })}
        </fieldset>
    }
}

/// Everyone on the card: any number of the board's members.
#[component]
fn PeopleField(id: i64, state: BoardState) -> impl IntoView {
    let on_card = move |user_id: i64| {
        state.board.with(|b| {
            b.task(id)
                .is_some_and(|t| t.assignee_ids.contains(&user_id))
        })
    };
    let toggle = move |user_id: i64, on: bool| {
        let mut ids = state.board.with_untracked(|b| {
            b.task(id)
                .map(|t| t.assignee_ids.clone())
                .unwrap_or_default()
        });
        ids.retain(|a| *a != user_id);
        if on {
            ids.push(user_id);
        }
        let local = ids.clone();
        patch_task(
            state,
            id,
            TaskPatch {
                assignee_ids: Some(ids),
                ..Default::default()
            },
            move |t| {
                t.assignee_ids = local.clone();
                t.assignee_id = local.first().copied();
            },
        );
    };
    view! {
        <fieldset class="task-section">
            <legend>"Assignees"</legend>
            <ul class="check-list" id="task-assignees">
                {move || state.board.with(|b| b.members.iter().map(|m| {
                    let uid = m.user.id;
                    view! {
                        <li>
                            <input type="checkbox" id=format!("assignee-{uid}") prop:checked=move || on_card(uid)
                                on:change=move |ev| toggle(uid, event_target_checked(&ev)) />
                            <label for=format!("assignee-{uid}")>{format!("{} (@{})", m.user.display_name, m.user.username)}</label>
                            {(uid != b.viewer_id).then(|| {
                                let username = m.user.username.clone();
                                view! {
                                    <a class="small assignee-dm" href=format!("/messages?with={username}")
                                        hidden=move || !on_card(uid) aria-label=format!("Message @{username}")>"Message"</a>
                                }
                            })}
                        </li>
                    }
                }).collect_view())}
            </ul>
        </fieldset>
    }
}

/// The card's labels (toggled from the board's), and the board's labels
/// themselves: made, recoloured, renamed and deleted here.
#[component]
fn LabelsField(id: i64, state: BoardState) -> impl IntoView {
    let ui = use_board_ui();
    let has = move |label_id: i64| {
        state
            .board
            .with(|b| b.task(id).is_some_and(|t| t.labels.contains(&label_id)))
    };
    let toggle = move |label_id: i64| {
        let mut ids = state
            .board
            .with_untracked(|b| b.task(id).map(|t| t.labels.clone()).unwrap_or_default());
        if ids.contains(&label_id) {
            ids.retain(|l| *l != label_id);
        } else {
            ids.push(label_id);
        }
        let local = ids.clone();
        patch_task(
            state,
            id,
            TaskPatch {
                labels: Some(ids),
                ..Default::default()
            },
            move |t| t.labels = local.clone(),
        );
    };
    let managing = RwSignal::new(false);
    let name = NodeRef::<leptos::html::Input>::new();
    let color = RwSignal::new(LabelColor::Blue);
    let error = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = name.get_untracked() else {
            return;
        };
        let typed = el.value();
        if typed.trim().is_empty() {
            return;
        }
        let board_id = state.id();
        let label = NewLabel {
            name: typed.trim().to_string(),
            color: color.get_untracked(),
        };
        spawn_local(async move {
            match create_label(board_id, label).await {
                Ok(made) => {
                    error.set(None);
                    el.set_value("");
                    // Shown now; the board's event says the same.
                    state.board.update(|b| {
                        if !b.labels.iter().any(|l| l.id == made.id) {
                            b.labels.push(made.clone());
                        }
                    });
                    ui.status.set(format!("Label “{}” created", made.name));
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    // Deleting asks first, in place (a label leaves every card carrying it).
    let confirming = RwSignal::new(None::<i64>);
    let remove = move |label_id: i64| {
        spawn_local(async move {
            match delete_label(label_id).await {
                Ok(()) => {
                    confirming.set(None);
                    state
                        .board
                        .update(|b| b.labels.retain(|l| l.id != label_id));
                    ui.status.set("Label deleted".into());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let recolor = move |label_id: i64, to: LabelColor| {
        spawn_local(async move {
            let patch = crate::model::LabelPatch {
                color: Some(to),
                ..Default::default()
            };
            match crate::api::kanban::update_label(label_id, patch).await {
                Ok(saved) => state.board.update(|b| {
                    if let Some(l) = b.labels.iter_mut().find(|l| l.id == saved.id) {
                        *l = saved.clone();
                    }
                }),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <fieldset class="task-section">
            <legend>"Labels"</legend>
            <div class="label-toggles" role="group" aria-label="Labels on this card">
                {move || state.board.with(|b| b.labels.iter().map(|l| {
                    let lid = l.id;
                    view! {
                        <button type="button" class=format!("label-toggle label-{}", l.color.as_str())
                            aria-pressed=move || has(lid).to_string() on:click=move |_| toggle(lid)>
                            <span aria-hidden="true">{move || if has(lid) { "✓ " } else { "" }}</span>{l.name.clone()}
                        </button>
                    }
                }).collect_view())}
                {move || state.board.with(|b| b.labels.is_empty()).then(|| view! {
                    <span class="muted small">"This board has no labels yet."</span>
                })}
                <button type="button" class="btn btn-ghost btn-sm" aria-expanded=move || managing.get().to_string()
                    on:click=move |_| managing.update(|m| *m = !*m)>
                    {move || if managing.get() { "Done editing labels" } else { "Edit labels" }}
                </button>
            </div>
            <If when=move || managing.get()>
                <ul class="label-admin">
                    {move || state.board.with(|b| b.labels.iter().map(|l| {
                        let lid = l.id;
                        let current = l.color;
                        let name = l.name.clone();
                        view! {
                            <li>
                                <span class=format!("label-chip label-{}", current.as_str())>{name.clone()}</span>
                                <label class="sr-only" for=format!("label-color-{lid}")>{format!("Colour of {name}")}</label>
                                <select id=format!("label-color-{lid}") on:change=move |ev| {
                                    if let Some(c) = LabelColor::parse(&event_target_value(&ev)) { recolor(lid, c) }
                                }>
                                    {LabelColor::ALL.into_iter().map(|c| view! {
                                        <option value=c.as_str() selected=c == current>{c.as_str()}</option>
                                    }).collect_view()}
                                </select>
                                {move || if confirming.get() == Some(lid) {
                                    view! {
                                        <span class="confirm-inline" role="group" aria-label="Delete this label?">
                                            <span class="small">"Remove from every card?"</span>
                                            <button type="button" class="btn btn-danger btn-sm" on:click=move |_| remove(lid)>"Delete label"</button>
                                            <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| confirming.set(None)>"Cancel"</button>
                                        </span>
                                    }.into_any()
                                } else {
                                    view! {
                                        <button type="button" class="btn btn-ghost btn-sm" aria-label=format!("Delete label {name}")
                                            on:click=move |_| confirming.set(Some(lid))>"Delete"</button>
                                    }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view())}
                </ul>
                <form class="inline-form" on:submit=create aria-label="New label">
                    <label for="label-name" class="sr-only">"New label's name"</label>
                    <input id="label-name" type="text" maxlength="40" placeholder="New label" node_ref=name />
                    <label for="label-color" class="sr-only">"Colour"</label>
                    <select id="label-color" on:change=move |ev| {
                        if let Some(c) = LabelColor::parse(&event_target_value(&ev)) { color.set(c) }
                    }>
                        {LabelColor::ALL.into_iter().map(|c| view! {
                            <option value=c.as_str() selected=c == LabelColor::Blue>{c.as_str()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="btn btn-sm">"Add label"</button>
                </form>
            </If>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </fieldset>
    }
}

/// The card's checklist: add, tick, edit, reorder and delete items; an item
/// may have someone doing it and a due date.
#[component]
fn ChecklistField(id: i64, state: BoardState) -> impl IntoView {
    let items = RwSignal::new(Vec::<ChecklistItem>::new());
    let error = RwSignal::new(None::<String>);
    // Read from the server (now, and after each of this tab's changes in
    // case the live connection is away) …
    let reload = move || {
        spawn_local(async move {
            match checklist(id).await {
                Ok(now) => items.set(now),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    reload();
    // … and again when someone changes it (the browser reads only the
    // card's progress from `checklist_changed`).
    Effect::new(move |seen: Option<bool>| {
        let changed = state
            .checklist
            .with(|c| c.as_ref().is_some_and(|(t, _)| *t == id));
        if changed && seen.is_some() {
            reload();
        }
        true
    });
    let done_of = move |r: Result<ChecklistItem, AppError>| match r {
        Ok(_) => {
            error.set(None);
            reload();
        }
        Err(e) => error.set(Some(e.message())),
    };
    let edit = move |item_id: i64, patch: ChecklistPatch| {
        spawn_local(async move { done_of(update_checklist_item(item_id, patch).await) });
    };
    let remove = move |item_id: i64| {
        items.update(|i| i.retain(|x| x.id != item_id));
        spawn_local(async move {
            match delete_checklist_item(item_id).await {
                Ok(()) => reload(),
                Err(e) => {
                    error.set(Some(e.message()));
                    reload();
                }
            }
        });
    };
    let input = NodeRef::<leptos::html::Input>::new();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = input.get_untracked() else {
            return;
        };
        let text = el.value();
        if text.trim().is_empty() {
            return;
        }
        el.set_value("");
        spawn_local(async move {
            let r = add_checklist_item(id, NewChecklistItem { text: text.clone() }).await;
            if r.is_err() {
                if let Some(el) = input.get_untracked() {
                    if el.value().is_empty() {
                        el.set_value(&text);
                    }
                }
            }
            done_of(r);
        });
    };
    let progress = move || {
        items.with(|i| {
            let done = i.iter().filter(|x| x.done).count();
            (done, i.len())
        })
    };
    let editing = RwSignal::new(None::<i64>);
    view! {
        <fieldset class="task-section">
            <legend>
                "Checklist "
                {move || {
                    let (done, total) = progress();
                    (total > 0).then(|| view! { <span class="count">{format!("{done}/{total}")}</span> })
                }}
            </legend>
            {move || {
                let (done, total) = progress();
                (total > 0).then(|| view! {
                    <progress class="checklist-progress" max=total.to_string() value=done.to_string()
                        aria-label="Checklist progress"></progress>
                })
            }}
            <ol class="checklist" id="task-checklist">
                {move || {
                    editing.track();
                    let all = items.get();
                    let last = all.len().saturating_sub(1);
                    all.into_iter().enumerate().map(|(i, item)| view! {
                        <ChecklistRow item first=i == 0 last=i == last state editing edit remove />
                    }).collect_view()
                }}
            </ol>
            <form class="inline-form" on:submit=add aria-label="Add to the checklist">
                <label for="checklist-new" class="sr-only">"New checklist item"</label>
                <input id="checklist-new" type="text" maxlength="500" placeholder="Add an item…" node_ref=input />
                <button type="submit" class="btn btn-sm">"Add"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </fieldset>
    }
}

/// One checklist item: its box, its text (and who, and when), and its
/// buttons; or, while edited, its fields.
#[component]
fn ChecklistRow(
    item: ChecklistItem,
    first: bool,
    last: bool,
    state: BoardState,
    editing: RwSignal<Option<i64>>,
    edit: impl Fn(i64, ChecklistPatch) + Copy + Send + Sync + 'static,
    remove: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ui = use_board_ui();
    let item_id = item.id;
    let check_id = format!("check-{item_id}");
    let who = item.assignee_id.and_then(|a| {
        state
            .board
            .with_untracked(|b| b.member(a).map(|m| m.user.display_name.clone()))
    });
    let due = item.due_at;
    let when = move || {
        let (now, offset) = ui.clock.get();
        due.map(|d| due_label(d, item.done, now, offset))
    };
    let position = item.position;
    if editing.get_untracked() == Some(item_id) {
        let text = NodeRef::<leptos::html::Input>::new();
        let person = NodeRef::<leptos::html::Select>::new();
        let day = NodeRef::<leptos::html::Input>::new();
        let (shown_day, _) = due.map(|d| due_fields(d, offset_at(d))).unwrap_or_default();
        let assignee = item.assignee_id;
        let save = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (Some(t), Some(p), Some(d)) = (
                text.get_untracked(),
                person.get_untracked(),
                day.get_untracked(),
            ) else {
                return;
            };
            let offset = now_and_offset().1;
            let due_at: Change<i64> = due_from_fields(&d.value(), "", offset).into();
            let patch = ChecklistPatch {
                text: Some(t.value()),
                assignee_id: p.value().parse::<i64>().ok().into(),
                due_at,
                ..Default::default()
            };
            editing.set(None);
            edit(item_id, patch);
            browser::focus_soon(format!("check-{item_id}"));
        };
        return view! {
            <li class="checklist-item editing">
                <form class="stack" on:submit=save aria-label="Edit checklist item">
                    <label for=format!("check-text-{item_id}") class="sr-only">"Item"</label>
                    <input id=format!("check-text-{item_id}") type="text" maxlength="500" node_ref=text prop:value=item.text.clone() />
                    <div class="inline-form">
                        <label for=format!("check-who-{item_id}")>"Who"</label>
                        <select id=format!("check-who-{item_id}") node_ref=person>
                            <option value="" selected=assignee.is_none()>"Nobody"</option>
                            {state.board.with_untracked(|b| b.members.iter().map(|m| {
                                let uid = m.user.id;
                                view! { <option value=uid.to_string() selected=assignee == Some(uid)>{m.user.display_name.clone()}</option> }
                            }).collect_view())}
                        </select>
                        <label for=format!("check-due-{item_id}")>"Due"</label>
                        <input id=format!("check-due-{item_id}") type="date" node_ref=day prop:value=shown_day />
                    </div>
                    <div class="dialog-actions">
                        <button type="submit" class="btn btn-primary btn-sm">"Save item"</button>
                        <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| editing.set(None)>"Cancel"</button>
                    </div>
                </form>
            </li>
        }
        .into_any();
    }
    let name = item.text.clone();
    view! {
        <li class="checklist-item" class:done=item.done>
            <input type="checkbox" id=check_id.clone() prop:checked=item.done
                on:change=move |ev| edit(item_id, ChecklistPatch { done: Some(event_target_checked(&ev)), ..Default::default() }) />
            <label for=check_id class="checklist-text" dir="auto">{item.text.clone()}</label>
            <span class="checklist-extra small muted">
                {who.map(|w| format!("· {w} "))}
                {move || when().map(|(label, urgency)| view! { <span class=urgency.class()>{label}</span> })}
            </span>
            <span class="checklist-actions">
                <button type="button" class="btn btn-ghost btn-xs" aria-label=format!("Move “{name}” up") disabled=first
                    on:click=move |_| edit(item_id, ChecklistPatch { position: Some(position - 1), ..Default::default() })>"↑"</button>
                <button type="button" class="btn btn-ghost btn-xs" aria-label=format!("Move “{name}” down") disabled=last
                    on:click=move |_| edit(item_id, ChecklistPatch { position: Some(position + 1), ..Default::default() })>"↓"</button>
                <button type="button" class="btn btn-ghost btn-xs" aria-label=format!("Edit “{name}”")
                    on:click=move |_| {
                        editing.set(Some(item_id));
                        browser::focus_soon(format!("check-text-{item_id}"));
                    }>"Edit"</button>
                <button type="button" class="btn btn-ghost btn-xs" aria-label=format!("Delete “{name}”")
                    on:click=move |_| remove(item_id)>"✕"</button>
            </span>
        </li>
    }
    .into_any()
}

/// The card's timeline: its comments and its history (created, moved,
/// renamed, people, dates, labels, archived …) in one list, oldest first,
/// with who and when. Read again whenever the card or its comments change.
#[component]
fn Timeline(id: i64, state: BoardState) -> impl IntoView {
    let entries = RwSignal::new(Vec::<TimelineEntry>::new());
    let error = RwSignal::new(None::<String>);
    let changed = move || {
        state.board.with(|b| {
            b.task(id)
                .map(|t| (t.version, t.column_id, t.comment_count))
        })
    };
    Effect::new(move |_| {
        changed();
        spawn_local(async move {
            match task_timeline(id).await {
                Ok(now) => {
                    error.set(None);
                    entries.set(now);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    });
    let line = |e: TimelineEntry| {
        let due = e
            .due_at
            .map(|d| format!(" {}", due_date_text(d, offset_at(d))));
        let who = e.actor.unwrap_or_else(|| "Someone".to_string());
        view! {
            <li class:timeline-comment=e.comment>
                <strong>{who}</strong>" "{e.text}{due}
                <span class="muted small">" · "{ago(e.at)}</span>
            </li>
        }
    };
    view! {
        <section class="task-section" aria-labelledby="task-timeline-title">
            <h3 id="task-timeline-title" class="timeline-title">"Activity"</h3>
            <ol class="timeline">{move || entries.get().into_iter().map(line).collect_view()}</ol>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </section>
    }
}
