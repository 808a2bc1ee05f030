//! The user's notifications as the tab sees them: the unread count (the
//! bell, the tab title) and a version that bumps whenever they change (open
//! lists reload); a desktop notification while the tab is hidden.

use leptos::prelude::*;

use crate::model::Notification;
use crate::ui::common::browser;

/// Cheap to copy (signals).
#[derive(Clone, Copy)]
pub struct Notifications {
    pub unread: RwSignal<i64>,
    /// Bumped whenever the notifications change (lists reload).
    pub version: RwSignal<u64>,
}

impl Default for Notifications {
    fn default() -> Self {
        Self::new()
    }
}

impl Notifications {
    pub fn new() -> Self {
        Self {
            unread: RwSignal::new(0),
            version: RwSignal::new(0),
        }
    }

    /// The unread count changed (read here or elsewhere, withdrawn…).
    pub(super) fn changed(self, unread: i64) {
        self.unread.set(unread);
        self.version.update(|v| *v += 1);
    }

    /// A new one: counted, and shown on the desktop if the tab is hidden.
    pub(super) fn arrived(self, n: &Notification, unread: i64) {
        self.changed(unread);
        if browser::tab_hidden() {
            browser::desktop_notification(&n.headline(), &n.snippet, &n.link);
        }
    }
}
