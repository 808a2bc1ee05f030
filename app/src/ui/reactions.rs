//! Emoji reactions under a chat message or a task comment, written once for
//! both: the chips (emoji and count, marked when one is mine, who reacted
//! on hover — up to 10 names and "+N" — and everyone behind "All"), the
//! quick bar of six, and the way to the searchable picker (its own lazy
//! chunk, `ui::emoji_picker`, with its table fetched from `/api/emoji`).
//!
//! A chip toggles my reaction. The server's answer and the `reaction`
//! events keep the counts right (`ui::live::feed::Feed::react`).

use leptos::prelude::*;

use crate::model::{Member, Reaction};
use crate::ui::board_context::use_board_context;
use crate::ui::common::{browser, If};

/// The quick bar, in its order.
pub const QUICK: [&str; 6] = ["👍", "✅", "👀", "🎉", "❤️", "😄"];

/// The names hover shows on a chip, at most.
const NAMES_ON_HOVER: usize = 10;

/// A display name, by user id (the board's members; "someone" for people
/// who left it).
fn name_of(members: &[Member], id: i64) -> String {
    members.iter().find(|m| m.user.id == id).map_or_else(
        || "someone who left".to_string(),
        |m| m.user.display_name.clone(),
    )
}

/// "Ann, Bob and Cy", or the first ten and "+N".
fn who(members: &[Member], ids: &[i64]) -> String {
    let mut names: Vec<String> = ids
        .iter()
        .take(NAMES_ON_HOVER)
        .map(|id| name_of(members, *id))
        .collect();
    let more = ids.len().saturating_sub(NAMES_ON_HOVER);
    if more > 0 {
        return format!("{} +{more}", names.join(", "));
    }
    match names.len() {
        0 => String::new(),
        1 => names.remove(0),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} and {last}", names.join(", "))
        }
    }
}

/// The chips of a message's or comment's reactions. `toggle` gets the
/// emoji and whether to add it.
#[component]
pub fn ReactionChips(
    reactions: Vec<Reaction>,
    me: i64,
    toggle: Callback<(String, bool)>,
) -> impl IntoView {
    if reactions.is_empty() {
        return ().into_any();
    }
    let members = use_board_context().members;
    let crowded = reactions.iter().any(|r| r.user_ids.len() > NAMES_ON_HOVER);
    let all = reactions.clone();
    view! {
        <div class="reactions" role="group" aria-label="Reactions">
            {reactions.into_iter().map(|r| {
                let mine = r.user_ids.contains(&me);
                let names = members.with_untracked(|m| who(m, &r.user_ids));
                let label = format!(
                    "{} {}: {names}. {}",
                    r.emoji,
                    r.count,
                    if mine { "Remove my reaction" } else { "React with it too" }
                );
                let emoji = r.emoji.clone();
                view! {
                    <button type="button" class="reaction" class:mine=mine aria-pressed=mine.to_string()
                        title=names aria-label=label
                        on:click=move |_| toggle.run((emoji.clone(), !mine))>
                        <span class="reaction-emoji" aria-hidden="true">{r.emoji.clone()}</span>
                        <span class="reaction-count" aria-hidden="true">{r.count}</span>
                    </button>
                }
            }).collect_view()}
            <If when=move || crowded>
                <details class="reactions-all">
                    <summary class="btn btn-ghost btn-xs">"All"</summary>
                    <ul class="menu-list">
                        {all.iter().map(|r| {
                            let names = members.with_untracked(|m| {
                                r.user_ids.iter().map(|id| name_of(m, *id)).collect::<Vec<_>>().join(", ")
                            });
                            view! { <li><span aria-hidden="true">{r.emoji.clone()}</span>" "{names}</li> }
                        }).collect_view()}
                    </ul>
                </details>
            </If>
        </div>
    }
    .into_any()
}

/// "acknowledged by 3 of 5 members": who reacted ✅ to a task comment,
/// of the board's members.
#[component]
pub fn Acknowledged(reactions: Vec<Reaction>) -> impl IntoView {
    let members = use_board_context().members;
    let acked = reactions
        .iter()
        .find(|r| r.emoji == "✅")
        .map(|r| r.user_ids.clone())
        .unwrap_or_default();
    move || {
        members.with(|m| {
            let of = m.len();
            let by = acked
                .iter()
                .filter(|id| m.iter().any(|x| x.user.id == **id))
                .count();
            (by > 0).then(|| {
                let names = who(m, &acked);
                view! {
                    <p class="acknowledged muted small" title=names>
                        {format!("✅ acknowledged by {by} of {of} members")}
                    </p>
                }
            })
        })
    }
}

/// The quick bar: six reactions and "more" (the picker). `mine`: the
/// emoji I reacted with already (pressing one again takes it back).
#[component]
pub fn QuickReactions(
    mine: Vec<String>,
    toggle: Callback<(String, bool)>,
    /// Opens the full picker.
    more: Callback<()>,
) -> impl IntoView {
    view! {
        <span class="quick-reactions" role="group" aria-label="React">
            {QUICK.into_iter().map(|emoji| {
                let on = mine.iter().any(|m| m == emoji);
                view! {
                    <button type="button" class="btn btn-ghost btn-xs quick-reaction" aria-pressed=on.to_string()
                        title=format!("React with {emoji}")
                        on:click=move |_| toggle.run((emoji.to_string(), !on))>{emoji}</button>
                }
            }).collect_view()}
            <button type="button" class="btn btn-ghost btn-xs" aria-haspopup="dialog" title="More reactions"
                on:click=move |_| more.run(())>
                <span aria-hidden="true">"☺+"</span><span class="sr-only">"More reactions"</span>
            </button>
        </span>
    }
}

/// Where recently picked emoji are remembered in this browser.
pub const RECENT_KEY: &str = "taskflow.emoji.recent";

/// Remembers a picked emoji (newest first, at most 16).
pub fn remember(emoji: &str) {
    let mut recent: Vec<String> = browser::stored(RECENT_KEY)
        .map(|s| {
            s.split(' ')
                .filter(|e| !e.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    recent.retain(|e| e != emoji);
    recent.insert(0, emoji.to_string());
    recent.truncate(16);
    browser::store(RECENT_KEY, &recent.join(" "));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Role, User};

    fn member(id: i64, name: &str) -> Member {
        Member {
            user: User {
                id,
                username: name.to_lowercase(),
                display_name: name.into(),
            },
            role: Role::Member,
        }
    }

    #[test]
    fn who_names_up_to_ten_then_counts() {
        let members: Vec<Member> = (1..=13).map(|i| member(i, &format!("P{i}"))).collect();
        assert_eq!(who(&members, &[1]), "P1");
        assert_eq!(who(&members, &[1, 2, 3]), "P1, P2 and P3");
        assert_eq!(who(&members, &[1, 99]), "P1 and someone who left");
        let all: Vec<i64> = (1..=13).collect();
        assert_eq!(
            who(&members, &all),
            "P1, P2, P3, P4, P5, P6, P7, P8, P9, P10 +3"
        );
    }
}
