//! The HTTP fallback's receiving side, while no WebSocket gets through: long
//! polls (server functions that wait like the socket would deliver) for the
//! open room, the open thread and the shown board, and the unread count now
//! and then. Sending
//! goes through the outbox (one text at a time, in order).

use super::Live;

impl Live {
    /// Starts the long polls (once); they stop when the socket gets through.
    pub(super) fn start_polling(self) {
        #[cfg(feature = "hydrate")]
        {
            use leptos::prelude::*;
            let already = self
                .inner
                .try_update_value(|i| std::mem::replace(&mut i.polling, true))
                .unwrap_or(true);
            if !already {
                leptos::task::spawn_local(poll(self));
            }
        }
    }
}

/// The polls themselves. Few tabs ever need them, so in a split build their
/// code is a WASM chunk of its own, fetched the first time they start.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
fn poll(this: Live) {
    use leptos::prelude::*;
    use leptos::task::spawn_local;

    use super::{BoardInput, LiveStatus};
    use crate::api::live::{poll_board, poll_room, poll_thread, unread_notifications};

    let polling = move || this.status.get_untracked() == LiveStatus::Fallback && !this.stopped();
    let pause = |ms| gloo_timers::future::TimeoutFuture::new(ms);
    spawn_local(async move {
        while polling() {
            let Some(room) = this.room.open.get_untracked() else {
                pause(1000).await;
                continue;
            };
            // After the last change shown (once its newest page is in).
            let Some(after) = this.room.cursor() else {
                pause(500).await;
                continue;
            };
            match poll_room(room, None, Some(after)).await {
                Ok(messages) => {
                    for m in messages {
                        if Some(m.room_id) == this.room.open.get_untracked() {
                            this.room.advance(&m);
                        }
                        this.receive_message(m);
                    }
                }
                Err(_) => pause(3000).await,
            }
        }
        this.inner.update_value(|i| i.polling = false);
    });
    spawn_local(async move {
        while polling() {
            let Some(task) = this.thread.open.get_untracked() else {
                pause(1000).await;
                continue;
            };
            let after = this.thread.cursor().unwrap_or(0);
            match poll_thread(task, after).await {
                Ok(changes) => {
                    for c in changes {
                        if Some(c.task_id) == this.thread.open.get_untracked() {
                            this.thread.advance(&c);
                        }
                        this.receive_comment(c);
                    }
                }
                Err(_) => pause(3000).await,
            }
        }
    });
    spawn_local(async move {
        while polling() {
            let Some(board) = this.inner.try_with_value(|i| i.board).flatten() else {
                pause(1000).await;
                continue;
            };
            // After what the page shows, or what waits to be shown.
            match poll_board(board.board_id, board.resume_after()).await {
                Ok(events) => {
                    for event in events {
                        if let crate::protocol::Event::BoardEvent { seq, change, .. } = event {
                            this.to_board(board.board_id, BoardInput::Change { seq, change });
                        }
                    }
                }
                Err(_) => pause(3000).await,
            }
        }
    });
    spawn_local(async move {
        while polling() {
            if let Ok(unread) = unread_notifications().await {
                if unread != this.notifications.unread.get_untracked() {
                    this.notifications.changed(unread);
                }
            }
            pause(15_000).await;
        }
    });
    // What was typed while nothing got through goes now, over HTTP.
    this.flush_outbox();
}
