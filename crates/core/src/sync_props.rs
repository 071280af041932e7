//! Property tests of the sync protocol: several devices act offline, sync in any order,
//! lose responses and reload; afterwards every device holds exactly the server's state.

use crate::ids::DeviceLetter;
use crate::op::OpBody;
use crate::state::{ConflictReason, OfficeState, Outcome};
use crate::sync::{Ledger, Replica};
use crate::test_support::{call, day, issue, staffed_ledger};
use proptest::prelude::*;
use std::collections::HashSet;

#[derive(Debug, Clone)]
enum Step {
    /// A device issues a ticket with its own letter and next serial.
    Issue { device: usize, priority: bool },
    /// A device calls what its own view says is next.
    CallNext { device: usize, counter: u8 },
    /// A device calls some ticket it knows of, whatever its status (provokes conflicts).
    CallAny { device: usize, pick: usize },
    /// A round trip; the response may be lost on the way back.
    Sync { device: usize, lose_response: bool },
    /// The tab is closed and opened: unacknowledged state is rebuilt from what was persisted.
    Reload { device: usize },
}

fn step(devices: usize) -> impl Strategy<Value = Step> {
    let d = 0..devices;
    prop_oneof![
        3 => (d.clone(), any::<bool>()).prop_map(|(device, priority)| Step::Issue { device, priority }),
        2 => (d.clone(), 1u8..4).prop_map(|(device, counter)| Step::CallNext { device, counter }),
        1 => (d.clone(), 0usize..50).prop_map(|(device, pick)| Step::CallAny { device, pick }),
        2 => (d.clone(), any::<bool>()).prop_map(|(device, lose_response)| Step::Sync { device, lose_response }),
        1 => d.prop_map(|device| Step::Reload { device }),
    ]
}

struct Device {
    name: String,
    letter: String,
    replica: Replica,
}

/// Plays the steps, then syncs everyone to quiescence; returns the server and the devices.
fn play(devices: usize, steps: &[Step], page: usize) -> (Ledger, Vec<Device>) {
    let mut server = staffed_ledger();
    let mut devs: Vec<Device> = (0..devices)
        .map(|i| Device {
            name: format!("dev-{i}"),
            letter: DeviceLetter::nth(i as u32).unwrap().to_string(),
            replica: Replica::default(),
        })
        .collect();
    // Every device has its staff before anyone works: the lock screen needs them.
    for d in &mut devs {
        let response = server.sync(d.replica.request(7), 100).unwrap();
        d.replica.receive(response).unwrap();
    }
    let mut next_id = 1u32;
    let mut clock = 0i64;
    for step in steps {
        next_id += 1;
        clock += 7;
        match *step {
            Step::Issue { device, priority } => {
                let d = &mut devs[device];
                let letter = DeviceLetter::new(d.letter.clone()).unwrap();
                let serial = d.replica.view().next_serial(day(), &letter).unwrap();
                d.replica
                    .record(issue(next_id, &d.name, &d.letter, serial, priority, clock));
            }
            Step::CallNext { device, counter } => {
                let d = &mut devs[device];
                if let Some(t) = d.replica.view().next_to_call(day()) {
                    let (letter, serial) = (t.number.letter.to_string(), t.number.serial);
                    d.replica
                        .record(call(next_id, &d.name, &letter, serial, counter));
                }
            }
            Step::CallAny { device, pick } => {
                let d = &mut devs[device];
                let known: Vec<_> = d
                    .replica
                    .view()
                    .tickets()
                    .map(|t| t.number.clone())
                    .collect();
                if !known.is_empty() {
                    let t = &known[pick % known.len()];
                    let letter = t.letter.to_string();
                    d.replica
                        .record(call(next_id, &d.name, &letter, t.serial, 1));
                }
            }
            Step::Sync {
                device,
                lose_response,
            } => {
                let d = &mut devs[device];
                let response = server.sync(d.replica.request(7), page).unwrap();
                if !lose_response {
                    d.replica.receive(response).unwrap();
                }
            }
            Step::Reload { device } => {
                let r = &devs[device].replica;
                devs[device].replica =
                    Replica::new(r.confirmed().clone(), r.cursor(), r.pending().to_vec());
            }
        }
    }
    // Everyone comes back online and syncs until nothing is left to exchange.
    for _ in 0..1000 {
        let mut busy = false;
        for d in &mut devs {
            let response = server.sync(d.replica.request(7), page).unwrap();
            busy |= response.more || !response.ops.is_empty() || !response.pushed.is_empty();
            let received = d.replica.receive(response).unwrap();
            assert!(
                received.disagreements.is_empty(),
                "device and server folded differently"
            );
        }
        if !busy {
            break;
        }
    }
    (server, devs)
}

/// Keeps the steps of the first `devices` devices (the strategy draws from four).
fn for_devices(steps: Vec<Step>, devices: usize) -> Vec<Step> {
    steps
        .into_iter()
        .filter(|s| match s {
            Step::Issue { device, .. }
            | Step::CallNext { device, .. }
            | Step::CallAny { device, .. }
            | Step::Sync { device, .. }
            | Step::Reload { device } => *device < devices,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_device_converges_on_the_servers_state(
        devices in 1usize..5,
        steps in prop::collection::vec(step(4), 0..80),
        page in 1usize..20,
    ) {
        let steps = for_devices(steps, devices);
        let (server, devs) = play(devices, &steps, page);
        for d in &devs {
            prop_assert!(d.replica.pending().is_empty());
            prop_assert_eq!(d.replica.view(), server.state());
        }
        // Each op reached the server once.
        let ids: HashSet<_> = server.log().iter().map(|o| o.op.id).collect();
        prop_assert_eq!(ids.len(), server.log().len());
        // Replaying the log gives the same state: the fold is deterministic.
        let refold = OfficeState::fold(server.log().iter().map(|o| &o.op));
        prop_assert_eq!(&refold, server.state());
    }

    #[test]
    fn ticket_numbers_never_collide(
        devices in 1usize..5,
        steps in prop::collection::vec(step(4), 0..80),
    ) {
        let steps = for_devices(steps, devices);
        let issued = steps.iter().filter(|s| matches!(s, Step::Issue { .. })).count();
        let (server, _) = play(devices, &steps, 50);
        let mut numbers = HashSet::new();
        for o in server.log() {
            if let OpBody::IssueTicket(b) = &o.op.body {
                prop_assert_eq!(&o.outcome, &Outcome::Applied);
                prop_assert!(numbers.insert((b.day, b.number.clone())));
            }
        }
        prop_assert_eq!(numbers.len(), issued);
        let duplicate = |c: &crate::state::Conflict| matches!(c.reason, ConflictReason::DuplicateNumber { .. });
        let duplicates = server.state().conflicts().iter().filter(|c| duplicate(c)).count();
        prop_assert_eq!(duplicates, 0);
    }

    #[test]
    fn a_ticket_is_called_at_most_once(
        devices in 2usize..5,
        steps in prop::collection::vec(step(4), 0..80),
    ) {
        let steps = for_devices(steps, devices);
        let (server, _) = play(devices, &steps, 50);
        let mut called = HashSet::new();
        for o in server.log() {
            if let (OpBody::CallTicket(b), Outcome::Applied) = (&o.op.body, &o.outcome) {
                prop_assert!(called.insert(b.number.clone()), "{} called twice", b.number);
            }
        }
    }
}
