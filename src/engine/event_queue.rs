//! `EventQueue`: a binary heap ordered by `(time, insertion sequence)`, plus
//! timer slots.
//!
//! A timer slot holds at most one pending event: setting it again replaces
//! the event (with a new sequence number, as scheduling it afresh would give).
//! It serves the checks a model reschedules after every change (when will
//! this backlog empty?): without slots each change leaves a stale check in
//! the heap, to be popped and ignored later.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::SimTime;

/// Pending events, delivered earliest first; events at the same instant leave in
/// the order they were scheduled (FIFO), which makes every run reproducible.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    next_sequence: u64,
    now: SimTime,
    delivered: u64,
    /// The timer slots' pending events.
    timers: Vec<Option<Entry<E>>>,
    /// The slot of the earliest pending timer, if any.
    next_timer: Option<usize>,
}

#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    sequence: u64,
    event: E,
}

impl<E> Entry<E> {
    /// `(time, sequence)` as one number ordered the same way (time's sign
    /// bit flipped so that earlier instants, negative ones too, compare
    /// lower): one wide comparison instead of two with a branch between.
    fn key(&self) -> u128 {
        let time = (self.time.as_millis() as u64) ^ (1 << 63);
        (u128::from(time) << 64) | u128::from(self.sequence)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl<E> EventQueue<E> {
    /// An empty queue whose clock reads `start`.
    pub fn new(start: SimTime) -> Self {
        Self::with_capacity(start, 0)
    }

    pub fn with_capacity(start: SimTime, capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_sequence: 0,
            now: start,
            delivered: 0,
            timers: Vec::new(),
            next_timer: None,
        }
    }

    /// The same queue with `slots` timer slots, numbered from 0.
    pub fn with_timers(mut self, slots: usize) -> Self {
        self.timers = std::iter::repeat_with(|| None).take(slots).collect();
        self
    }

    /// Empties the queue and resets the clock, keeping the allocation.
    pub fn reset(&mut self, start: SimTime) {
        self.heap.clear();
        self.timers.iter_mut().for_each(|t| *t = None);
        self.next_timer = None;
        self.next_sequence = 0;
        self.now = start;
        self.delivered = 0;
    }

    /// The time of the last delivered event (the start time before any).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// How many events have been delivered since the last reset.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.next_timer.is_none()
    }

    /// Pending events, timers included.
    pub fn len(&self) -> usize {
        self.heap.len() + self.timers.iter().filter(|t| t.is_some()).count()
    }

    /// Schedules `event` at `time`. Scheduling in the past is a logic error: the
    /// clock never runs backwards, so such an event is delivered at `now`.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let entry = self.entry(time, event);
        self.heap.push(Reverse(entry));
    }

    /// `event` at `time` with the next sequence number.
    fn entry(&mut self, time: SimTime, event: E) -> Entry<E> {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let time = time.max(self.now);
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        Entry {
            time,
            sequence,
            event,
        }
    }

    /// Sets timer `slot` to deliver `event` at `time`, replacing the event
    /// it held: delivered exactly when scheduling it would deliver it.
    pub fn set_timer(&mut self, slot: usize, time: SimTime, event: E) {
        let entry = self.entry(time, event);
        let earlier = self
            .next_timer
            .and_then(|k| self.timers[k].as_ref())
            .is_none_or(|first| entry < *first);
        self.timers[slot] = Some(entry);
        if earlier {
            self.next_timer = Some(slot);
        } else if self.next_timer == Some(slot) {
            self.find_next_timer();
        }
    }

    /// Empties timer `slot` (its event will not be delivered).
    pub fn cancel_timer(&mut self, slot: usize) {
        if self.timers[slot].take().is_some() && self.next_timer == Some(slot) {
            self.find_next_timer();
        }
    }

    /// The event timer `slot` holds and when it is due, if any.
    pub fn timer(&self, slot: usize) -> Option<(SimTime, &E)> {
        self.timers[slot].as_ref().map(|e| (e.time, &e.event))
    }

    fn find_next_timer(&mut self) {
        self.next_timer = self
            .timers
            .iter()
            .enumerate()
            .filter_map(|(k, t)| t.as_ref().map(|e| (k, e)))
            .min_by(|a, b| a.1.cmp(b.1))
            .map(|(k, _)| k);
    }

    /// The earliest pending timer, if it comes before the heap's first event.
    fn timer_first(&self) -> Option<usize> {
        let k = self.next_timer?;
        let timer = self.timers[k].as_ref()?;
        match self.heap.peek() {
            Some(Reverse(first)) if first < timer => None,
            _ => Some(k),
        }
    }

    /// The time of the next event, if any, without delivering it.
    pub fn peek_time(&self) -> Option<SimTime> {
        match self.timer_first() {
            Some(k) => self.timers[k].as_ref().map(|e| e.time),
            None => self.heap.peek().map(|Reverse(e)| e.time),
        }
    }

    /// Delivers the next event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = match self.timer_first() {
            Some(k) => {
                let entry = self.timers[k].take()?;
                self.find_next_timer();
                entry
            }
            None => self.heap.pop()?.0,
        };
        self.now = entry.time;
        self.delivered += 1;
        Some((entry.time, entry.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_in_time_order_and_fifo_on_ties() {
        let mut q = EventQueue::new(SimTime::EPOCH);
        q.schedule(SimTime::from_millis(30), "c");
        q.schedule(SimTime::from_millis(10), "a1");
        q.schedule(SimTime::from_millis(20), "b");
        q.schedule(SimTime::from_millis(10), "a2");
        q.schedule(SimTime::from_millis(10), "a3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a1", "a2", "a3", "b", "c"]);
        assert_eq!(q.now(), SimTime::from_millis(30));
        assert_eq!(q.delivered(), 5);
    }

    #[test]
    fn a_timer_is_delivered_as_if_scheduled_when_last_set() {
        let mut q = EventQueue::new(SimTime::EPOCH).with_timers(2);
        let ms = SimTime::from_millis;
        q.set_timer(0, ms(10), "stale");
        q.schedule(ms(20), "a");
        q.set_timer(1, ms(20), "t1");
        q.set_timer(0, ms(20), "t0");
        q.schedule(ms(20), "b");
        q.set_timer(1, ms(5), "t1 moved earlier");
        q.schedule(ms(30), "c");
        q.set_timer(0, ms(30), "t0 again, after c");
        assert_eq!(q.len(), 5);
        assert_eq!(q.timer(0), Some((ms(30), &"t0 again, after c")));
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            ["t1 moved earlier", "a", "b", "c", "t0 again, after c"]
        );
        q.set_timer(1, ms(40), "cancelled");
        q.schedule(ms(50), "d");
        q.cancel_timer(1);
        assert_eq!(q.peek_time(), Some(ms(50)));
        assert_eq!(q.pop(), Some((ms(50), "d")));
        assert!(q.is_empty());
    }

    #[test]
    fn instants_before_the_epoch_come_first() {
        // A replication's history starts before the week it is placed in.
        let mut q = EventQueue::new(SimTime::from_millis(-100));
        for (ms, name) in [(3, "c"), (-5, "b"), (-10, "a"), (3, "d")] {
            q.schedule(SimTime::from_millis(ms), name);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }

    #[test]
    fn reset_restarts_sequence_and_clock() {
        let mut q = EventQueue::new(SimTime::from_millis(5));
        q.schedule(SimTime::from_millis(7), 1);
        q.reset(SimTime::EPOCH);
        assert!(q.is_empty());
        assert_eq!(q.now(), SimTime::EPOCH);
        assert_eq!(q.delivered(), 0);
    }
}
