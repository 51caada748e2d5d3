//! In-process fan-out of committed events to the WebSocket connections of each user.
//!
//! A subscriber's queue is bounded; one that falls behind is dropped from the hub, and its
//! connection catches up from the database by cursor, so a slow client never holds up others and
//! never misses an event.

use okno_proto::UserId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// A committed event, ready to send.
#[derive(Debug, Clone)]
pub struct Published {
    pub user: UserId,
    pub seq: i64,
    pub at: i64,
    /// The event body's JSON, shared by every user the event went to. The frame around it is
    /// built by the connection that sends it (`Pushed::frame`), not by the writer for everyone.
    pub body: Arc<str>,
}

#[derive(Debug, Clone)]
pub struct Pushed {
    pub seq: i64,
    pub at: i64,
    pub body: Arc<str>,
}

impl Pushed {
    /// The whole `ServerFrame::Event` JSON text.
    pub fn frame(&self) -> String {
        crate::store::event_frame(self.seq, self.at, &self.body)
    }
}

const QUEUE: usize = 1024;

type Subscribers = HashMap<UserId, Vec<(u64, mpsc::Sender<Pushed>)>>;

#[derive(Default)]
pub struct Hub {
    subs: Mutex<Subscribers>,
    next_id: AtomicU64,
}

pub struct Subscription {
    pub rx: mpsc::Receiver<Pushed>,
    id: u64,
    user: UserId,
    hub: Arc<Hub>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Ok(mut subs) = self.hub.subs.lock() {
            if let Some(list) = subs.get_mut(&self.user) {
                list.retain(|(id, _)| *id != self.id);
                if list.is_empty() {
                    subs.remove(&self.user);
                }
            }
        }
    }
}

impl Hub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn subscribe(self: &Arc<Self>, user: UserId) -> Subscription {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut subs) = self.subs.lock() {
            subs.entry(user).or_default().push((id, tx));
        }
        Subscription {
            rx,
            id,
            user,
            hub: self.clone(),
        }
    }

    /// Pushes events in the order given.
    pub fn publish_all(&self, events: Vec<Published>) {
        if events.is_empty() {
            return;
        }
        let Ok(mut subs) = self.subs.lock() else {
            return;
        };
        for ev in events {
            if let Some(list) = subs.get_mut(&ev.user) {
                list.retain(|(_, tx)| {
                    tx.try_send(Pushed {
                        seq: ev.seq,
                        at: ev.at,
                        body: ev.body.clone(),
                    })
                    .is_ok()
                });
                if list.is_empty() {
                    subs.remove(&ev.user);
                }
            }
        }
    }

    /// How many connections are subscribed (for health and tests).
    pub fn connections(&self) -> usize {
        self.subs
            .lock()
            .map(|s| s.values().map(Vec::len).sum())
            .unwrap_or(0)
    }
}

impl Hub {
    /// Whether anyone on this node listens to the user's stream.
    pub fn has(&self, user: UserId) -> bool {
        self.subs
            .lock()
            .map(|s| s.contains_key(&user))
            .unwrap_or(false)
    }
}
