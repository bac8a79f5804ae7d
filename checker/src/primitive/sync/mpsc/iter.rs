//! `Iter`, `TryIter` and `IntoIter`: iterating over a [`Receiver`].

use std::fmt;
use std::panic::Location;

use crate::event::Site;

use super::receiver::Receiver;

/// Waits for each message in turn; ends once the channel is empty and every sender has been
/// dropped. Made by [`Receiver::iter`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a, T: 'a> {
    rx: &'a Receiver<T>,
    /// Where the iterator was made: the site of its receives inside a model.
    site: Site,
}

/// Yields the messages that are there now, never blocking. Made by [`Receiver::try_iter`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct TryIter<'a, T: 'a> {
    rx: &'a Receiver<T>,
    site: Site,
}

/// Owns a [`Receiver`] and waits for each message in turn, like [`Iter`]. Made by
/// `Receiver::into_iter`.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct IntoIter<T> {
    rx: Receiver<T>,
    site: Site,
}

impl<T> Receiver<T> {
    /// An iterator that waits for each message and ends once every sender has been dropped.
    #[track_caller]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(self, Location::caller())
    }

    /// An iterator over the messages that are there now; it never blocks.
    #[track_caller]
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter::new(self, Location::caller())
    }
}

impl<'a, T> Iter<'a, T> {
    pub(super) fn new(rx: &'a Receiver<T>, site: Site) -> Self {
        Iter { rx, site }
    }
}

impl<'a, T> TryIter<'a, T> {
    pub(super) fn new(rx: &'a Receiver<T>, site: Site) -> Self {
        TryIter { rx, site }
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv_at(self.site).ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv_at(self.site).ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv_at(self.site).ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    /// [`Receiver::iter`].
    #[track_caller]
    fn into_iter(self) -> Iter<'a, T> {
        Iter::new(self, Location::caller())
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    /// An iterator that owns the receiver.
    #[track_caller]
    fn into_iter(self) -> IntoIter<T> {
        IntoIter {
            rx: self,
            site: Location::caller(),
        }
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("rx", self.rx).finish()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").field("rx", self.rx).finish()
    }
}

impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").field("rx", &self.rx).finish()
    }
}
