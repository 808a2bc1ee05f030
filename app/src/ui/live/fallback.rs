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
            use leptos::task::spawn_local;

            use super::LiveStatus;
            use crate::api::live::{poll_board, poll_room, poll_thread, unread_notifications};

            let already = self
                .inner
                .try_update_value(|i| std::mem::replace(&mut i.polling, true))
                .unwrap_or(true);
            if already {
                return;
            }
            let polling =
                move || self.status.get_untracked() == LiveStatus::Fallback && !self.stopped();
            let pause = |ms| gloo_timers::future::TimeoutFuture::new(ms);
            spawn_local(async move {
                while polling() {
                    let Some(room) = self.room.open.get_untracked() else {
                        pause(1000).await;
                        continue;
                    };
                    let after = self.room.last_id().unwrap_or(0);
                    match poll_room(room, after).await {
                        Ok(messages) => {
                            for m in messages {
                                self.receive_message(m);
                            }
                        }
                        Err(_) => pause(3000).await,
                    }
                }
                self.inner.update_value(|i| i.polling = false);
            });
            spawn_local(async move {
                while polling() {
                    let Some(task) = self.thread.open.get_untracked() else {
                        pause(1000).await;
                        continue;
                    };
                    let after = self.thread.cursor().unwrap_or(0);
                    match poll_thread(task, after).await {
                        Ok(changes) => {
                            for c in changes {
                                if Some(c.task_id) == self.thread.open.get_untracked() {
                                    self.thread.advance(&c);
                                }
                                self.receive_comment(c);
                            }
                        }
                        Err(_) => pause(3000).await,
                    }
                }
            });
            spawn_local(async move {
                while polling() {
                    let (Some(board), Some(seq)) =
                        (self.board.get_untracked(), self.board_seq.get_value())
                    else {
                        pause(1000).await;
                        continue;
                    };
                    // After what the page shows, or what waits to be shown.
                    let queued = self
                        .board_inbox
                        .with_untracked(|q| q.last().map(|(n, _)| *n));
                    let after = queued.unwrap_or(seq).max(seq);
                    match poll_board(board, after).await {
                        Ok(events) => self.board_inbox.update(|q| {
                            for event in events {
                                if let crate::protocol::Event::BoardEvent { seq, change, .. } =
                                    event
                                {
                                    q.push((seq, change));
                                }
                            }
                        }),
                        Err(_) => pause(3000).await,
                    }
                }
            });
            spawn_local(async move {
                while polling() {
                    if let Ok(unread) = unread_notifications().await {
                        if unread != self.notifications.unread.get_untracked() {
                            self.notifications.changed(unread);
                        }
                    }
                    pause(15_000).await;
                }
            });
            // What was typed while nothing got through goes now, over HTTP.
            self.flush_outbox();
        }
    }
}
