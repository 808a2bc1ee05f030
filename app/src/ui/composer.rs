//! Writing to a room or a thread, shared by chat and comments: the
//! composer (Enter sends through the outbox, drafts kept per place in this
//! browser, typing hints), the texts not yet acknowledged, and the typing
//! line.

use leptos::prelude::*;

use super::board_context::use_board_context;
use super::common::{browser, rows_of, If, List, RichText};
use super::live::{Live, OutState, Target};
use super::mention_input::{fit_to_content, MentionTextarea};
use crate::model::User;
use crate::validate::MESSAGE_MAX;

/// "Ada is typing…", "Ada and Bob are typing…", "Several people are typing…".
pub fn typing_line(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [a, b] => Some(format!("{a} and {b} are typing…")),
        _ => Some("Several people are typing…".to_string()),
    }
}

/// The texts of this tab not yet acknowledged for a room or thread: sending,
/// waiting for the connection, or failed (with Retry and Discard).
#[component]
pub fn Unsent(
    target: Target,
    /// A replies pane's: only the replies to this root (the room's own
    /// list shows the rest, and replies also sent to the room).
    #[prop(optional)]
    root_id: Option<i64>,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let unsent: Signal<Vec<_>> = Memo::new(move |_| {
        live.outbox.with(|o| {
            o.iter()
                .filter(|i| i.target == target)
                .filter(|i| match (root_id, i.reply_to) {
                    (Some(root), Some((to, _))) => root == to,
                    (Some(_), None) => false,
                    (None, reply_to) => reply_to.is_none_or(|(_, also)| also),
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    })
    .into();
    view! {
        <List rows=move || rows_of(
            unsent,
            |i| row_key(&i.client_id),
            move |item| {
                let client_id = item.with_untracked(|i| i.client_id.clone());
                let (id_retry, id_discard) = (client_id.clone(), client_id);
                let state = move || item.with(|i| Some(i.state.clone()));
                let failed = move || matches!(state(), Some(OutState::Failed(_)));
                view! {
                    <li class=move || if failed() { "msg failed" } else { "msg pending" }>
                        <div class="msg-body">
                            <p class="msg-text" dir="auto"><RichText text=item.with_untracked(|i| i.content.clone()) /></p>
                            <p class="msg-state">
                                {move || match state() {
                                    Some(OutState::Sending) | None => "Sending…".to_string(),
                                    Some(OutState::Waiting) => "Not sent yet — will send when back online".to_string(),
                                    Some(OutState::Failed(why)) => format!("Not sent: {why}"),
                                }}
                                <If when=failed>
                                    <button type="button" class="btn btn-ghost btn-sm" on:click={
                                        let id = id_retry.clone();
                                        move |_| live.retry(id.clone())
                                    }>"Retry"</button>
                                    <button type="button" class="btn btn-ghost btn-sm" on:click={
                                        let id = id_discard.clone();
                                        move |_| live.discard(id.clone())
                                    }>"Discard"</button>
                                </If>
                            </p>
                        </div>
                    </li>
                }
            },
        ) />
    }
}

/// A composer for a room or a thread: Enter sends (through the outbox),
/// Shift+Enter adds a line, @ suggests people, typing hints go out. It grows
/// with its text up to about ten lines. What is typed and not sent is kept
/// per room or thread in this browser, so it survives switching rooms,
/// closing the task and reloading.
#[component]
pub fn Composer(
    target: Target,
    board_id: i64,
    /// The textarea's id (tests and links find it by its label).
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] placeholder: Signal<String>,
    button: &'static str,
    /// In a room: whether a board member is outside it (not notified when
    /// mentioned). Suggestions mark them, and sending asks first.
    #[prop(optional)]
    outside: Option<Callback<i64, bool>>,
    /// People were added to the room from the "not in the room" question.
    #[prop(optional)]
    on_added: Option<Callback<()>>,
    /// ↑ in the empty composer (a room: edit your last message).
    #[prop(optional)]
    on_up_empty: Option<Callback<()>>,
    /// In a replies pane: what it sends are replies to this root.
    #[prop(optional)]
    replying: Option<Replying>,
    /// In a room: the people a group (`room`, `board`, `here`) calls. A
    /// text calling more than [`ASK_ABOVE`] of them asks first.
    #[prop(optional)]
    group: Option<Callback<&'static str, Vec<i64>>>,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let text = NodeRef::<leptos::html::Textarea>::new();
    let board = use_board_context();
    // The draft is the viewer's.
    let viewer = board.viewer_id;
    // Typing here is typing a reply to this root (in a replies pane).
    let root = replying.map(|r| r.root_id);
    let key = move || match replying {
        Some(r) => format!("taskflow.draft.{viewer}.replies.{}", r.root_id),
        None => draft_key(viewer, target),
    };
    // What was typed here before (the browser has it; the server renders empty).
    let draft = if cfg!(feature = "hydrate") {
        browser::stored(&key()).unwrap_or_default()
    } else {
        String::new()
    };
    let keep_draft = move || {
        if let Some(el) = text.get_untracked() {
            browser::store(&key(), &el.value());
        }
    };
    // Board members the text mentions who are not in the room: asked about
    // before it goes.
    let asking = RwSignal::new(Vec::<User>::new());
    let left_out = move |content: &str| -> Vec<User> {
        let Some(outside) = outside else {
            return Vec::new();
        };
        let names = crate::mentions::mentioned_names(content);
        board.members.with_untracked(|members| {
            members
                .iter()
                .map(|m| &m.user)
                .filter(|u| names.contains(&u.username) && outside.run(u.id))
                .cloned()
                .collect()
        })
    };
    // A group call of more than ASK_ABOVE people, asked about first.
    let calling = RwSignal::new(None::<(String, usize)>);
    let send_now = move || {
        let Some(el) = text.get_untracked() else {
            return;
        };
        let content = el.value();
        asking.set(Vec::new());
        calling.set(None);
        el.set_value("");
        fit_to_content(&el);
        browser::store(&key(), "");
        let reply_to = replying.map(|r| (r.root_id, r.also_to_room.get_untracked()));
        live.send_reply(target, content, reply_to);
    };
    // A group call of more than ASK_ABOVE people: how many (asked first).
    let called = move |content: &str| -> Option<(String, usize)> {
        let group = group?;
        let names: Vec<&'static str> = crate::mentions::mentioned_names(content)
            .iter()
            .filter_map(|n| ["room", "board", "here"].into_iter().find(|g| g == n))
            .collect();
        if names.is_empty() {
            return None;
        }
        let mut people: Vec<i64> = names.iter().flat_map(|g| group.run(g)).collect();
        people.sort_unstable();
        people.dedup();
        people.retain(|id| *id != viewer);
        let label = names
            .iter()
            .map(|g| format!("@{g}"))
            .collect::<Vec<_>>()
            .join(" and ");
        (people.len() > ASK_ABOVE).then_some((label, people.len()))
    };
    let send = move || {
        let Some(el) = text.get_untracked() else {
            return;
        };
        let content = el.value();
        if content.trim().is_empty() {
            return;
        }
        if calling.get_untracked().is_none() {
            if let Some(call) = called(&content) {
                calling.set(Some(call));
                browser::focus_soon(format!("{id}-call-them"));
                return;
            }
        }
        calling.set(None);
        let missing = left_out(&content);
        if missing.is_empty() {
            send_now();
        } else {
            asking.set(missing);
            browser::focus_soon(format!("{id}-add-them"));
        }
    };
    let add_them = move |_| {
        let Target::Room(room_id) = target else {
            return;
        };
        let people = asking.get_untracked();
        leptos::task::spawn_local(async move {
            for person in people {
                if let Err(e) = crate::api::chat::add_room_member(room_id, person.username).await {
                    live.notice.set(Some(e.message()));
                    return;
                }
            }
            if let Some(added) = on_added {
                added.run(());
            }
            send_now();
        });
    };
    let cancel = move || {
        asking.set(Vec::new());
        calling.set(None);
        if let Some(el) = text.get_untracked() {
            let _ = el.focus();
        }
    };
    let question = move || {
        let people = asking.get();
        let names: Vec<String> = people.iter().map(|u| format!("@{}", u.username)).collect();
        let place = placeholder.get().trim_start_matches("Message ").to_string();
        match names.as_slice() {
            [] => String::new(),
            [one] => format!("{one} isn't in {place} and won't be notified."),
            [rest @ .., last] => format!(
                "{} and {last} aren't in {place} and won't be notified.",
                rest.join(", ")
            ),
        }
    };
    view! {
        <If when=move || !asking.with(Vec::is_empty)>
            <div class="ask-outside" role="alertdialog" aria-labelledby=format!("{id}-ask")
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { ev.prevent_default(); cancel(); }>
                <p id=format!("{id}-ask")>{question}</p>
                <div class="inline-form">
                    <button type="button" id=format!("{id}-add-them") class="btn btn-primary btn-sm" on:click=add_them>
                        {move || if asking.with(|a| a.len() == 1) { "Add them" } else { "Add them all" }}
                    </button>
                    <button type="button" class="btn btn-sm" on:click=move |_| send_now()>"Send without notifying"</button>
                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| cancel()>"Cancel"</button>
                </div>
            </div>
        </If>
        {move || calling.get().map(|(label, n)| view! {
            <div class="ask-outside" role="alertdialog" aria-labelledby=format!("{id}-call")
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { ev.prevent_default(); cancel(); }>
                <p id=format!("{id}-call")>{format!("{label} notifies {n} people. Send it?")}</p>
                <div class="inline-form">
                    <button type="button" id=format!("{id}-call-them") class="btn btn-primary btn-sm" on:click=move |_| send()>
                        {format!("Send and notify {n}")}
                    </button>
                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| cancel()>"Cancel"</button>
                </div>
            </div>
        })}
        <form class="composer" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(); }>
            <label for=id class="sr-only">{move || label.get()}</label>
            <MentionTextarea id=id board_id node_ref=text maxlength=MESSAGE_MAX above=true placeholder
                initial=draft outside on_up_empty
                on_enter=Callback::new(move |()| send())
                on_change=Callback::new(move |typing: bool| { keep_draft(); live.typing_in(target, root, typing) })
                on_blur=Callback::new(move |()| live.typing_in(target, root, false)) />
            <button type="submit" class="btn btn-primary">{button}</button>
        </form>
    }
    .into_any()
}

/// A group call reaching more people than this asks before it goes.
pub const ASK_ABOVE: usize = 5;

/// A composer that sends replies: to which root, and whether "also send to
/// the room" is ticked.
#[derive(Debug, Clone, Copy)]
pub struct Replying {
    pub root_id: i64,
    pub also_to_room: RwSignal<bool>,
}

/// A list key for an unsent text: its `client_id`, hashed (FNV-1a).
fn row_key(client_id: &str) -> i64 {
    let hash = client_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash as i64
}

/// Where a room's or thread's unsent text is kept in this browser.
pub fn draft_key(user_id: i64, target: Target) -> String {
    match target {
        Target::Room(id) => format!("taskflow.draft.{user_id}.room.{id}"),
        Target::Task(id) => format!("taskflow.draft.{user_id}.task.{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::typing_line;

    #[test]
    fn typing_lines() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(typing_line(&n(&[])), None);
        assert_eq!(typing_line(&n(&["Ada"])).unwrap(), "Ada is typing…");
        assert_eq!(
            typing_line(&n(&["Ada", "Bob"])).unwrap(),
            "Ada and Bob are typing…"
        );
        assert_eq!(
            typing_line(&n(&["Ada", "Bob", "Cy"])).unwrap(),
            "Several people are typing…"
        );
    }
}
