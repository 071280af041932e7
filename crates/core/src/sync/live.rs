//! Live updates: the server tells an office's connected devices that its log grew, as
//! server-sent events, and each pulls at once. The event says only where the log stands
//! (its history and head), never what is in it: the pull, authenticated and paced like any
//! other, brings the ops. A device that misses an event loses nothing (the poll remains).
//!
//! [`EventReader`] reads the `text/event-stream` format as bytes arrive in arbitrary
//! pieces, so the app's streaming fetch and the tests share one parser.

use super::Epoch;
use serde::{Deserialize, Serialize};

/// The event name of a [`LiveHead`].
pub const HEAD_EVENT: &str = "head";

/// Seconds between the server's heartbeats (comment lines) on an idle stream, which keep
/// proxies from closing it and let a device notice a dead one.
pub const HEARTBEAT_SECS: u64 = 15;

/// A device that has heard nothing (not even a heartbeat) for this long takes its stream
/// for dead and opens a new one.
pub const SILENCE_SECS: u64 = 3 * HEARTBEAT_SECS;

/// Where an office's log stands: sent when a stream opens and whenever the log grows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveHead {
    /// The history the log is.
    pub epoch: Epoch,
    /// The last sequence number given out.
    pub head: u64,
}

/// The longest event a reader keeps before it gives up on the stream (a server never
/// sends more than a few dozen bytes an event).
const MAX_EVENT: usize = 4096;

/// One event of a stream: its name (`message` when the server named none) and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field.
    pub name: String,
    /// The `data:` lines, joined by newlines.
    pub data: String,
}

/// Why a stream cannot be read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// An event grew past what any server sends.
    #[error("an event longer than {MAX_EVENT} bytes")]
    TooLong,
}

/// Reads `text/event-stream` text fed in pieces of any size.
#[derive(Debug, Default)]
pub struct EventReader {
    line: String,
    name: String,
    data: Vec<String>,
}

impl EventReader {
    /// Feeds the next piece of the stream; answers the events it completed.
    pub fn feed(&mut self, text: &str) -> Result<Vec<Event>, StreamError> {
        let mut events = Vec::new();
        for c in text.chars() {
            if c != '\n' {
                self.line.push(c);
                if self.line.len() > MAX_EVENT {
                    return Err(StreamError::TooLong);
                }
                continue;
            }
            let line = std::mem::take(&mut self.line);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if line.is_empty() {
                if !self.data.is_empty() {
                    events.push(Event {
                        name: match std::mem::take(&mut self.name) {
                            n if n.is_empty() => "message".to_owned(),
                            n => n,
                        },
                        data: std::mem::take(&mut self.data).join("\n"),
                    });
                }
                self.name.clear();
                continue;
            }
            // A line starting with ':' is a comment (the server's heartbeat).
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => self.name = value.to_owned(),
                "data" => {
                    self.data.push(value.to_owned());
                    if self.data.iter().map(String::len).sum::<usize>() > MAX_EVENT {
                        return Err(StreamError::TooLong);
                    }
                }
                _ => {}
            }
        }
        Ok(events)
    }
}

impl LiveHead {
    /// The head an event carries, if it is a [`HEAD_EVENT`] that reads as one.
    pub fn from_event(event: &Event) -> Option<Self> {
        (event.name == HEAD_EVENT)
            .then(|| serde_json::from_str(&event.data).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STREAM: &str = ": heartbeat\n\nevent: head\ndata: {\"epoch\":\"00112233445566778899aabbccddeeff\",\"head\":7}\n\n:\n\nevent: head\r\ndata:{\"epoch\":\"00112233445566778899aabbccddeeff\",\"head\":9}\r\n\r\n";

    fn heads(events: &[Event]) -> Vec<u64> {
        events
            .iter()
            .filter_map(LiveHead::from_event)
            .map(|h| h.head)
            .collect()
    }

    #[test]
    fn heads_are_read_and_heartbeats_skipped() {
        let events = EventReader::default().feed(STREAM).unwrap();
        assert_eq!(heads(&events), [7, 9]);
        assert_eq!(events.len(), 2, "comments are no events: {events:?}");
    }

    #[test]
    fn an_event_without_a_name_is_a_message_and_no_head() {
        let events = EventReader::default().feed("data: x\ndata: y\n\n").unwrap();
        assert_eq!(events[0].name, "message");
        assert_eq!(events[0].data, "x\ny");
        assert!(LiveHead::from_event(&events[0]).is_none());
    }

    #[test]
    fn an_endless_line_is_refused() {
        let mut reader = EventReader::default();
        assert_eq!(
            reader.feed(&"x".repeat(MAX_EVENT + 1)),
            Err(StreamError::TooLong)
        );
    }

    proptest! {
        /// However the bytes arrive, the same events come out.
        #[test]
        fn pieces_of_any_size_read_the_same(cuts in proptest::collection::vec(0usize..STREAM.len(), 0..8)) {
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|c| STREAM.is_char_boundary(*c)).collect();
            cuts.sort_unstable();
            let mut reader = EventReader::default();
            let mut events = Vec::new();
            let mut from = 0;
            for cut in cuts.into_iter().chain([STREAM.len()]) {
                events.extend(reader.feed(&STREAM[from..cut]).unwrap());
                from = cut;
            }
            prop_assert_eq!(heads(&events), vec![7, 9]);
        }
    }
}
