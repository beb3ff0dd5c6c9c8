//! `EventQueue`: a binary heap ordered by `(time, insertion sequence)`.

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
}

#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    sequence: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.sequence) == (other.time, other.sequence)
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
        (self.time, self.sequence).cmp(&(other.time, other.sequence))
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
        }
    }

    /// Empties the queue and resets the clock, keeping the allocation.
    pub fn reset(&mut self, start: SimTime) {
        self.heap.clear();
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
        self.heap.is_empty()
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Schedules `event` at `time`. Scheduling in the past is a logic error: the
    /// clock never runs backwards, so such an event is delivered at `now`.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let time = time.max(self.now);
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.heap.push(Reverse(Entry {
            time,
            sequence,
            event,
        }));
    }

    /// The time of the next event, if any, without delivering it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse(e)| e.time)
    }

    /// Delivers the next event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let Reverse(entry) = self.heap.pop()?;
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
    fn reset_restarts_sequence_and_clock() {
        let mut q = EventQueue::new(SimTime::from_millis(5));
        q.schedule(SimTime::from_millis(7), 1);
        q.reset(SimTime::EPOCH);
        assert!(q.is_empty());
        assert_eq!(q.now(), SimTime::EPOCH);
        assert_eq!(q.delivered(), 0);
    }
}
