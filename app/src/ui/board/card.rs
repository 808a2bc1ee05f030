//! A task's card: a link to its dialog, draggable, and movable with Alt +
//! arrow keys; it shows who else is moving it right now.

use leptos::prelude::*;
use leptos_router::components::A;

use super::shared::{use_board, use_board_ui, BoardUi, FailureNote};
use super::state::{BoardState, Spot};
use crate::model::Task;
use crate::ui::common::{browser, due_label, Avatar, Item, Urgency};

#[component]
pub fn TaskCard(task: Item<Task>) -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let (id, board_id) = task.with_untracked(|t| (t.id, t.board_id));
    let place = move || task.with(|t| (t.column_id, t.position));
    // Everyone on the card, by name (three avatars, then "+N").
    let assignees = move || {
        let ids = task.with(|t| t.assignee_ids.clone());
        state.board.with(|b| {
            ids.iter()
                .filter_map(|&a| b.member(a).map(|m| m.user.display_name.clone()))
                .collect::<Vec<_>>()
        })
    };
    // The card's labels, as the board names and colours them.
    let labels = move || {
        let ids = task.with(|t| t.labels.clone());
        state.board.with(|b| {
            ids.iter()
                .filter_map(|&l| b.labels.iter().find(|x| x.id == l))
                .map(|l| (l.name.clone(), l.color.as_str()))
                .collect::<Vec<_>>()
        })
    };
    let due = move || {
        let (due_at, done) = task.with(|t| (t.due_at, t.done_at.is_some()));
        let (now, offset) = ui.clock.get();
        due_at.map(|d| due_label(d, done, now, offset))
    };
    let checklist = move || task.with(|t| t.checklist);
    // The link keeps the board's filter (it is in the address).
    let href = move || format!("/boards/{board_id}/tasks/{id}{}", ui.filter_query());
    let hidden = move || !task.with(|t| ui.shows(state, t));
    let comments = move || task.with(|t| t.comment_count);
    // Someone else holding this card right now.
    let mover = move || state.mover_of(id).map(|u| u.display_name);

    let on_dragstart = move |ev: leptos::ev::DragEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(dt) = ev.data_transfer() {
            let _ = dt.set_data("text/plain", &id.to_string());
            dt.set_effect_allowed("move");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
        ui.hold(state, Some(id));
    };
    // What others changed while the card was held shows now.
    let on_dragend = move |_| ui.hold(state, None);
    // Hovering a card: the card's midpoint decides whether the dragged card
    // goes above or below it.
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        let Some(held) = ui.drag.get_untracked() else {
            return;
        };
        ev.prevent_default();
        ev.stop_propagation();
        let (column_id, position) = task.with_untracked(|t| (t.column_id, t.position));
        let from = state
            .board
            .with_untracked(|b| b.task(held).map(|t| (t.column_id, t.position)));
        let here = Some((
            column_id,
            drop_index(position, below_middle(&ev), from, column_id),
        ));
        if ui.drop_at.get_untracked() != here {
            ui.drop_at.set(here);
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if !ev.alt_key() {
            // Arrow keys go from card to card (one Tab stop per column).
            if ev.ctrl_key() || ev.meta_key() || ev.shift_key() {
                return;
            }
            if let Some(next) = neighbour(state, ui, id, &ev.key()) {
                ev.prevent_default();
                ui.current_card.set(Some(next));
                browser::focus_soon(format!("task-{next}"));
            }
            return;
        }
        let (column_id, position) = task.with_untracked(|t| (t.column_id, t.position));
        let (columns, len) = state.board.with_untracked(|b| {
            (
                b.columns.iter().map(|c| c.id).collect::<Vec<_>>(),
                b.tasks_in(column_id).count() as i64,
            )
        });
        let col_idx = columns.iter().position(|&c| c == column_id).unwrap_or(0);
        let target = match ev.key().as_str() {
            "ArrowUp" if position > 0 => Some((column_id, position - 1)),
            "ArrowDown" if position + 1 < len => Some((column_id, position + 1)),
            "ArrowLeft" if col_idx > 0 => Some((columns[col_idx - 1], position)),
            "ArrowRight" if col_idx + 1 < columns.len() => Some((columns[col_idx + 1], position)),
            _ => None,
        };
        if let Some((to_column, to_position)) = target {
            ev.prevent_default();
            ui.move_card(state, id, to_column, to_position);
            browser::focus_soon(format!("task-{id}"));
        }
    };
    // One card per column is a Tab stop: the one last focused there, else
    // the first one shown.
    let tab_stop = move || {
        let current = ui.current_card.get();
        if current == Some(id) {
            return true;
        }
        state.board.with(|b| {
            let Some(column_id) = b.task(id).map(|t| t.column_id) else {
                return false;
            };
            let current_here = current
                .and_then(|c| b.task(c))
                .is_some_and(|t| t.column_id == column_id && ui.shows(state, t));
            !current_here
                && b.tasks_in(column_id)
                    .find(|t| ui.shows(state, t))
                    .map(|t| t.id)
                    == Some(id)
        })
    };
    let dragging = move || ui.drag.get() == Some(id);
    // The line shows above the card the dropped one will sit above.
    let drop_here = move || {
        let Some(held) = ui.drag.get().filter(|h| *h != id) else {
            return false;
        };
        let Some((column_id, index)) = ui.drop_at.get() else {
            return false;
        };
        let from = state
            .board
            .with_untracked(|b| b.task(held).map(|t| (t.column_id, t.position)));
        let above = match from {
            Some((c, p)) if c == column_id && p <= index => index + 1,
            _ => index,
        };
        place() == (column_id, above)
    };
    view! {
        <li class="card-slot" class:drop-here=drop_here class:filtered-out=hidden on:dragover=on_dragover>
            <A href=href attr:id=format!("task-{id}")
                attr:class=move || match (dragging(), state.arrived.with(|a| a.contains(&id))) {
                    (true, _) => "card dragging",
                    (false, true) => "card arrived",
                    _ => "card",
                }
                attr:tabindex=move || if tab_stop() { "0" } else { "-1" }
                on:focus=move |_| if ui.current_card.get_untracked() != Some(id) { ui.current_card.set(Some(id)) }
                attr:draggable="true" on:dragstart=on_dragstart on:dragend=on_dragend on:keydown=on_keydown
                attr:data-task-id=id.to_string()
                attr:aria-describedby="card-help">
                {move || {
                    let labels = labels();
                    (!labels.is_empty()).then(|| view! {
                        <span class="card-labels">
                            {labels.into_iter().map(|(name, color)| view! {
                                <span class=format!("label-chip label-{color}")>{name}</span>
                            }).collect_view()}
                        </span>
                    })
                }}
                <span class="card-title" dir="auto">{move || task.with(|t| t.title.clone())}</span>
                {move || mover().map(|name| view! {
                    <span class="card-moving" aria-hidden="true">{format!("{name} is moving this")}</span>
                })}
                <span class="card-meta">
                    {move || due().map(|(label, urgency)| view! {
                        <span class=urgency.class()>
                            <span aria-hidden="true">{if urgency == Urgency::Done { "✓ " } else { "◷ " }}</span>{label}
                        </span>
                    })}
                    {move || {
                        let c = checklist();
                        (c.total > 0).then(|| view! {
                            <span class="card-checklist" class:complete=c.done == c.total
                                title=format!("Checklist: {} of {} done", c.done, c.total)>
                                <span aria-hidden="true">"☑ "</span>{format!("{}/{}", c.done, c.total)}
                                <span class="sr-only">" checklist items done"</span>
                            </span>
                        })
                    }}
                    {move || task.with(|t| !t.description.is_empty()).then(|| view! {
                        <span class="card-desc-mark" title="Has a description">"≡"<span class="sr-only">", has a description"</span></span>
                    })}
                    {move || {
                        let n = comments();
                        (n > 0).then(|| view! {
                            <span class="card-comments" title=format!("{n} comment(s)")>
                                <span aria-hidden="true">"💬 "</span>{n}
                                <span class="sr-only">{if n == 1 { " comment" } else { " comments" }}</span>
                            </span>
                        })
                    }}
                    {move || {
                        let names = assignees();
                        (!names.is_empty()).then(|| {
                            let said = format!(", assigned to {}", names.join(", "));
                            let more = names.len().saturating_sub(3);
                            view! {
                                <span class="card-assignee">
                                    {names.into_iter().take(3).map(|name| view! { <Avatar name small=true /> }).collect_view()}
                                    {(more > 0).then(|| view! { <span class="avatar-more" aria-hidden="true">{format!("+{more}")}</span> })}
                                    <span class="sr-only">{said}</span>
                                </span>
                            }
                        })
                    }}
                </span>
            </A>
            <FailureNote at=Spot::Card(id) />
        </li>
    }
}

/// The card an arrow key (or Home, End) goes to from card `id`: up and down
/// its column, left and right to the nearest place in the next column that
/// shows cards. Only cards the filter shows count.
fn neighbour(state: BoardState, ui: BoardUi, id: i64, key: &str) -> Option<i64> {
    state.board.with_untracked(|b| {
        let shown = |column_id: i64| -> Vec<i64> {
            b.tasks_in(column_id)
                .filter(|t| ui.shows(state, t))
                .map(|t| t.id)
                .collect()
        };
        let column_id = b.task(id)?.column_id;
        let here = shown(column_id);
        let index = here.iter().position(|&t| t == id)?;
        match key {
            "ArrowUp" => index.checked_sub(1).map(|i| here[i]),
            "ArrowDown" => here.get(index + 1).copied(),
            "Home" => here.first().copied().filter(|&t| t != id),
            "End" => here.last().copied().filter(|&t| t != id),
            "ArrowLeft" | "ArrowRight" => {
                let columns: Vec<i64> = b.columns.iter().map(|c| c.id).collect();
                let at = columns.iter().position(|&c| c == column_id)?;
                let others: Vec<i64> = if key == "ArrowLeft" {
                    columns[..at].iter().rev().copied().collect()
                } else {
                    columns[at + 1..].to_vec()
                };
                others.into_iter().find_map(|c| {
                    let there = shown(c);
                    there.get(index.min(there.len().checked_sub(1)?)).copied()
                })
            }
            _ => None,
        }
    })
}

/// Whether the pointer is over the lower half of the card it is over.
fn below_middle(ev: &leptos::ev::DragEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        ev.current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .map(|el| {
                let rect = el.get_bounding_client_rect();
                f64::from(ev.client_y()) > rect.top() + rect.height() / 2.0
            })
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}

/// Where a card dropped on the card at `position` ends up: just above it,
/// or just below it (`below`), counting without the dragged card itself
/// when it comes from the same column (`from`: its column and position).
pub(super) fn drop_index(
    position: i64,
    below: bool,
    from: Option<(i64, i64)>,
    column_id: i64,
) -> i64 {
    let slot = position + i64::from(below);
    match from {
        Some((c, p)) if c == column_id && p < position => slot - 1,
        _ => slot,
    }
}

#[cfg(test)]
mod tests {
    use super::drop_index;

    #[test]
    fn the_midpoint_decides_above_or_below() {
        // From another column: above card 2 is 2, below it is 3.
        assert_eq!(drop_index(2, false, Some((9, 0)), 1), 2);
        assert_eq!(drop_index(2, true, Some((9, 0)), 1), 3);
        // From higher up in the same column (0): it leaves a gap above.
        assert_eq!(drop_index(2, false, Some((1, 0)), 1), 1);
        assert_eq!(drop_index(2, true, Some((1, 0)), 1), 2);
        // From further down (4): nothing shifts above.
        assert_eq!(drop_index(2, false, Some((1, 4)), 1), 2);
        assert_eq!(drop_index(2, true, Some((1, 4)), 1), 3);
    }
}
