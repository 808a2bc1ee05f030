//! The reaction picker: a dialog with a search box, a skin tone choice
//! (remembered in this browser), the emoji picked last in this browser, and
//! every emoji by group. Its code comes with the message
//! actions' late piece (`ui::post_actions`, fetched after the board page is
//! live) and its table (`GET /api/emoji`, the server's own table, kept by the
//! browser for a day) the first time it opens: neither is in the board
//! page's download.

use leptos::prelude::*;

use crate::model::EmojiEntry;
use crate::ui::common::{browser, Loading, Modal};
use crate::ui::reactions::RECENT_KEY;

/// At most this many matches are drawn for a search.
const MAX_SHOWN: usize = 240;

/// Where the chosen skin tone is remembered ("0": none, "1"–"5": light to
/// dark).
const TONE_KEY: &str = "taskflow.emoji.tone";

/// The tone choices: how each shows, and its name.
const TONES: [(&str, &str); 6] = [
    ("✋", "No skin tone"),
    ("✋🏻", "Light skin tone"),
    ("✋🏼", "Medium-light skin tone"),
    ("✋🏽", "Medium skin tone"),
    ("✋🏾", "Medium-dark skin tone"),
    ("✋🏿", "Dark skin tone"),
];

/// An entry in the chosen tone (itself when it takes none).
fn in_tone(e: &EmojiEntry, tone: usize) -> String {
    tone.checked_sub(1)
        .and_then(|i| e.skin_tones.get(i))
        .unwrap_or(&e.emoji)
        .clone()
}

/// The picker; `pick` gets the chosen emoji, `close` a dismissal.
#[component]
pub(crate) fn EmojiPicker(pick: Callback<String>, close: Callback<()>) -> impl IntoView {
    let table = LocalResource::new(load_table);
    let query = RwSignal::new(String::new());
    let tone = RwSignal::new(
        browser::stored(TONE_KEY)
            .and_then(|t| t.parse::<usize>().ok())
            .filter(|t| *t < TONES.len())
            .unwrap_or(0),
    );
    let recent: Vec<String> = browser::stored(RECENT_KEY)
        .map(|s| {
            s.split(' ')
                .filter(|e| !e.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    view! {
        <Modal title="Add a reaction" focus="emoji-search" on_close=close>
            <div class="emoji-picker">
                <input id="emoji-search" type="search" class="input" placeholder="Search emoji (thumbs, party, +1…)"
                    aria-label="Search emoji" autocomplete="off"
                    on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        // Enter picks the first match.
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            let first = table.with(|t| t.as_ref().and_then(|t| t.as_ref().ok())
                                .and_then(|t| matches(t, &query.get_untracked()).first().map(|e| in_tone(e, tone.get_untracked()))));
                            if let Some(emoji) = first { pick.run(emoji); }
                        }
                    } />
                <div class="emoji-tones" role="radiogroup" aria-label="Skin tone">
                    {TONES.iter().enumerate().map(|(i, (hand, name))| view! {
                        <button type="button" role="radio" class="emoji-tone" title=*name aria-label=*name
                            aria-checked=move || (tone.get() == i).to_string()
                            tabindex=move || if tone.get() == i { "0" } else { "-1" }
                            on:click=move |_| { tone.set(i); browser::store(TONE_KEY, &i.to_string()); }
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                // Arrows move between tones, as in any radio group
                                // (from the chosen one: the focus follows a frame later).
                                let now = tone.get_untracked();
                                let next = match ev.key().as_str() {
                                    "ArrowRight" | "ArrowDown" => (now + 1) % TONES.len(),
                                    "ArrowLeft" | "ArrowUp" => (now + TONES.len() - 1) % TONES.len(),
                                    _ => return,
                                };
                                ev.prevent_default();
                                tone.set(next);
                                browser::store(TONE_KEY, &next.to_string());
                                browser::focus_soon(format!("emoji-tone-{next}"));
                            }
                            id=format!("emoji-tone-{i}")>{*hand}</button>
                    }).collect_view()}
                </div>
                {(!recent.is_empty()).then(|| view! {
                    <section aria-label="Recently used">
                        <h4 class="emoji-group">"Recently used"</h4>
                        <div class="emoji-grid">
                            {recent.iter().map(|e| emoji_button(e.clone(), e.clone(), pick)).collect_view()}
                        </div>
                    </section>
                })}
                <Loading fallback=|| view! { <p class="muted">"Loading emoji…"</p> }>
                    {move || Suspend::new(async move {
                        match table.await {
                            Ok(all) => view! { <Results all query tone pick /> }.into_any(),
                            Err(e) => view! { <p class="field-error" role="alert">{e}</p> }.into_any(),
                        }
                    })}
                </Loading>
            </div>
        </Modal>
    }
}

/// The matches of the search, or every emoji by group.
#[component]
fn Results(
    all: Vec<EmojiEntry>,
    query: RwSignal<String>,
    tone: RwSignal<usize>,
    pick: Callback<String>,
) -> impl IntoView {
    move || {
        let q = query.get();
        let tone = tone.get();
        if q.trim().is_empty() {
            let mut groups: Vec<(String, Vec<&EmojiEntry>)> = Vec::new();
            for e in &all {
                match groups.last_mut() {
                    Some((g, list)) if *g == e.group => list.push(e),
                    _ => groups.push((e.group.clone(), vec![e])),
                }
            }
            groups
                .into_iter()
                .map(|(group, list)| {
                    view! {
                        <section aria-label=group.clone()>
                            <h4 class="emoji-group">{group.clone()}</h4>
                            <div class="emoji-grid">
                                {list.into_iter().map(|e| emoji_button(in_tone(e, tone), e.name.clone(), pick)).collect_view()}
                            </div>
                        </section>
                    }
                })
                .collect_view()
                .into_any()
        } else {
            let found = matches(&all, &q);
            if found.is_empty() {
                return view! { <p class="muted" role="status">"No emoji found."</p> }.into_any();
            }
            view! {
                <h4 class="emoji-group">"Matches"</h4>
                <div class="emoji-grid" role="group" aria-label="Matches">
                    {found.into_iter().take(MAX_SHOWN).map(|e| emoji_button(in_tone(e, tone), e.name.clone(), pick)).collect_view()}
                </div>
            }
            .into_any()
        }
    }
}

fn emoji_button(emoji: String, name: String, pick: Callback<String>) -> impl IntoView {
    let chosen = emoji.clone();
    view! {
        <button type="button" class="emoji-choice" title=name.clone() aria-label=name
            on:click=move |_| pick.run(chosen.clone())>{emoji}</button>
    }
}

/// The entries whose name or a short name contains every word of `q`
/// (case-insensitive); names that start with it first.
fn matches<'a>(all: &'a [EmojiEntry], q: &str) -> Vec<&'a EmojiEntry> {
    let q = q.trim().to_lowercase();
    let words: Vec<&str> = q.split_whitespace().collect();
    let hit = |e: &EmojiEntry| {
        words.iter().all(|w| {
            e.name.to_lowercase().contains(w) || e.shortcodes.iter().any(|s| s.contains(w))
        })
    };
    let mut found: Vec<&EmojiEntry> = all.iter().filter(|e| hit(e)).collect();
    found.sort_by_key(|e| {
        !(e.name.to_lowercase().starts_with(&q) || e.shortcodes.iter().any(|s| s.starts_with(&q)))
    });
    found
}

/// The table, from the server (the browser caches it).
async fn load_table() -> Result<Vec<EmojiEntry>, String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;
        let failed = |_| "Could not load the emoji. Try again in a moment.".to_string();
        let window = leptos::web_sys::window().ok_or_else(|| "no window".to_string())?;
        let answer = JsFuture::from(window.fetch_with_str("/api/emoji"))
            .await
            .map_err(failed)?;
        let response: leptos::web_sys::Response = answer.dyn_into().map_err(failed)?;
        if !response.ok() {
            return Err(failed(wasm_bindgen::JsValue::NULL));
        }
        let text = JsFuture::from(response.text().map_err(failed)?)
            .await
            .map_err(failed)?
            .as_string()
            .unwrap_or_default();
        serde_json::from_str(&text).map_err(|e| e.to_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(emoji: &str, name: &str, codes: &[&str]) -> EmojiEntry {
        EmojiEntry {
            emoji: emoji.into(),
            name: name.into(),
            group: "G".into(),
            shortcodes: codes.iter().map(|s| s.to_string()).collect(),
            skin_tones: Vec::new(),
        }
    }

    #[test]
    fn a_tone_applies_where_the_emoji_takes_one() {
        let mut wave = entry("👋", "waving hand", &["wave"]);
        wave.skin_tones = ["🏻", "🏼", "🏽", "🏾", "🏿"]
            .iter()
            .map(|t| format!("👋{t}"))
            .collect();
        let rocket = entry("🚀", "rocket", &["rocket"]);
        assert_eq!(in_tone(&wave, 0), "👋");
        assert_eq!(in_tone(&wave, 3), "👋🏽");
        assert_eq!(in_tone(&wave, 5), "👋🏿");
        assert_eq!(in_tone(&rocket, 4), "🚀");
    }

    #[test]
    fn search_finds_names_and_short_names_best_first() {
        let all = vec![
            entry("🎉", "party popper", &["tada"]),
            entry("🥳", "partying face", &["partying_face"]),
            entry("👍", "thumbs up", &["+1", "thumbsup"]),
            entry("🙌", "raising hands", &["raised_hands"]),
        ];
        let names = |q: &str| {
            matches(&all, q)
                .iter()
                .map(|e| e.emoji.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("party"), ["🎉", "🥳"]);
        assert_eq!(names("+1"), ["👍"]);
        assert_eq!(names("THUMBS up"), ["👍"]);
        assert_eq!(names("hands"), ["🙌"]);
        assert!(names("zebra").is_empty());
    }
}
