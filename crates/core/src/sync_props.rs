//! Property tests of the sync protocol, over the same [`serve`](crate::sync::serve) the
//! server runs: devices of two offices act offline, sync in any order, lose responses,
//! reload, and live through their server being restored from a backup; afterwards every
//! device holds exactly its office's state, and every op ever made is in it exactly once.

use crate::ids::{DeviceLetter, OfficeCode, OpId};
use crate::op::{Op, OpBody};
use crate::state::{ConflictReason, OfficeState, Outcome};
use crate::sync::{Epoch, Ledger, Origin, Replica, SyncError};
use crate::test_support::{call, credentials_at, day, issue, now, staff_ops};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const OFFICES: [&str; 2] = ["51.02.02", "51.02.03"];

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
    /// The admin of an office backs its database up.
    Backup { office: usize },
    /// The admin restores the office's last backup (a new history).
    Restore { office: usize },
}

fn step(devices: usize) -> impl Strategy<Value = Step> {
    let d = 0..devices;
    prop_oneof![
        6 => (d.clone(), any::<bool>()).prop_map(|(device, priority)| Step::Issue { device, priority }),
        4 => (d.clone(), 1u8..4).prop_map(|(device, counter)| Step::CallNext { device, counter }),
        2 => (d.clone(), 0usize..50).prop_map(|(device, pick)| Step::CallAny { device, pick }),
        4 => (d.clone(), any::<bool>()).prop_map(|(device, lose_response)| Step::Sync { device, lose_response }),
        2 => d.prop_map(|device| Step::Reload { device }),
        1 => (0..OFFICES.len()).prop_map(|office| Step::Backup { office }),
        1 => (0..OFFICES.len()).prop_map(|office| Step::Restore { office }),
    ]
}

struct Device {
    name: String,
    letter: String,
    office: usize,
    origin: Origin,
    replica: Replica,
    /// Its own ops the server confirmed: what the app keeps in IndexedDB for a restart.
    own_confirmed: Vec<Op>,
}

struct Office {
    server: Ledger,
    backup: Option<Ledger>,
    restores: u8,
}

/// An op made for office `office` (the builders make them for the first).
fn at_office(mut op: Op, office: usize) -> Op {
    op.office = OfficeCode::new(OFFICES[office]).unwrap();
    crate::testing::signed(op)
}

fn staffed(office: usize) -> Ledger {
    let mut server = Ledger::new(Epoch::from_bytes([office as u8; 16]))
        .with_credentials(credentials_at(OFFICES[office]));
    let setup = crate::sync::SyncRequest {
        epoch: None,
        cursor: 0,
        push: staff_ops()
            .into_iter()
            .map(|op| at_office(op, office))
            .collect(),
        pending: 0,
    };
    let admin = Origin::new(OFFICES[office], "dev-admin", "Z").unwrap();
    server.sync(&admin, setup, now()).unwrap();
    server
}

impl Device {
    /// One round trip; a server with another history makes the device start again.
    fn sync(&mut self, office: &mut Office, lose_response: bool) {
        let response = match office
            .server
            .sync(&self.origin, self.replica.request(7), now())
        {
            Ok(response) => response,
            Err(e) if e.needs_restart() => {
                self.replica
                    .restart(std::mem::take(&mut self.own_confirmed));
                return;
            }
            Err(e) => panic!("a well-behaved device was refused: {e}"),
        };
        if lose_response {
            return;
        }
        let (view_before, changes_before) =
            (self.replica.view().clone(), self.replica.view_changes());
        let received = self.replica.receive(response).unwrap();
        // A page redraws only when the count moved: when it did not, the view is the same.
        if self.replica.view_changes() == changes_before {
            assert!(
                self.replica.view() == &view_before,
                "the view changed without its count moving"
            );
        }
        assert!(
            received.disagreements.is_empty(),
            "device and server folded differently"
        );
        // However a response was taken in (the view left as it was when the server confirmed
        // the first pending ops as replayed, or replayed again), the view is the confirmed
        // state with the pending ops on top.
        if !self.replica.is_rebuilding() {
            let r = &self.replica;
            let fresh = Replica::new(
                r.epoch().cloned(),
                r.confirmed().clone(),
                r.cursor(),
                r.pending().to_vec(),
            );
            assert_eq!(r.view(), fresh.view(), "the view drifted from its replay");
        }
        self.own_confirmed.extend(
            received
                .confirmed
                .into_iter()
                .filter(|o| o.op.device == self.origin.device)
                .map(|o| o.op),
        );
    }
}

/// Plays the steps, then syncs everyone to quiescence; returns the offices, the devices
/// and the id of every op any device recorded.
fn play(
    devices: usize,
    steps: &[Step],
    page: usize,
) -> (Vec<Office>, Vec<Device>, HashMap<OpId, &'static str>) {
    let mut offices: Vec<Office> = (0..OFFICES.len())
        .map(|o| Office {
            server: staffed(o).with_page(page),
            backup: None,
            restores: 0,
        })
        .collect();
    let mut devs: Vec<Device> = (0..devices)
        .map(|i| {
            // Devices alternate between the offices; letters are per office.
            let office = i % OFFICES.len();
            let name = format!("dev-{i}");
            let letter = DeviceLetter::nth((i / OFFICES.len()) as u32)
                .unwrap()
                .to_string();
            Device {
                origin: Origin::new(OFFICES[office], &name, &letter).unwrap(),
                name,
                letter,
                office,
                replica: Replica::default(),
                own_confirmed: Vec::new(),
            }
        })
        .collect();
    // Every device has its staff before anyone works: the lock screen needs them.
    for d in &mut devs {
        while d.replica.cursor() < offices[d.office].server.head() {
            d.sync(&mut offices[d.office], false);
        }
    }
    let mut made = HashMap::new();
    let mut next_id = 1u32;
    let mut clock = 0i64;
    for step in steps {
        next_id += 1;
        clock += 7;
        let mut record = |d: &mut Device, op: Op| {
            // The lock screen signs in only staff the device's view knows: a device that
            // reloaded while its history was rebuilt from nothing waits for the pull.
            if d.replica.view().staff_member(&op.actor).is_none() {
                return;
            }
            let op = at_office(op, d.office);
            made.insert(op.id, op.kind());
            d.replica.record(op);
        };
        match *step {
            Step::Issue { device, priority } => {
                let d = &mut devs[device];
                let letter = DeviceLetter::new(d.letter.clone()).unwrap();
                let serial = d.replica.view().next_serial(day(), &letter).unwrap();
                let op = issue(next_id, &d.name, &d.letter, serial, priority, clock);
                record(d, op);
            }
            Step::CallNext { device, counter } => {
                let d = &mut devs[device];
                if let Some(t) = d.replica.view().next_to_call(day()) {
                    let (letter, serial) = (t.number.letter.to_string(), t.number.serial);
                    let op = call(next_id, &d.name, &letter, serial, counter);
                    record(d, op);
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
                    let op = call(next_id, &d.name, t.letter.as_str(), t.serial, 1);
                    record(d, op);
                }
            }
            Step::Sync {
                device,
                lose_response,
            } => {
                let d = &mut devs[device];
                d.sync(&mut offices[d.office], lose_response);
            }
            Step::Reload { device } => {
                let r = &devs[device].replica;
                devs[device].replica = Replica::new(
                    r.epoch().cloned(),
                    r.confirmed().clone(),
                    r.cursor(),
                    r.pending().to_vec(),
                );
            }
            Step::Backup { office } => {
                offices[office].backup = Some(offices[office].server.clone());
            }
            Step::Restore { office } => {
                let o = &mut offices[office];
                if let Some(backup) = o.backup.clone() {
                    o.restores += 1;
                    let epoch = Epoch::from_bytes([100 + o.restores; 16]);
                    let lost_head = o.server.head();
                    o.server = backup.restored(epoch, lost_head);
                }
            }
        }
    }
    // Everyone comes back online and syncs until nothing is left to exchange.
    for _ in 0..1000 {
        let mut busy = false;
        for d in &mut devs {
            let o = &mut offices[d.office];
            let before = (
                d.replica.cursor(),
                d.replica.pending().len(),
                o.server.head(),
            );
            d.sync(o, false);
            let after = (
                d.replica.cursor(),
                d.replica.pending().len(),
                o.server.head(),
            );
            busy |= before != after || d.replica.has_unsent() || d.replica.cursor() < after.2;
        }
        if !busy {
            break;
        }
    }
    (offices, devs, made)
}

/// Keeps the steps of the first `devices` devices (the strategy draws from six).
fn for_devices(steps: Vec<Step>, devices: usize) -> Vec<Step> {
    steps
        .into_iter()
        .filter(|s| match s {
            Step::Issue { device, .. }
            | Step::CallNext { device, .. }
            | Step::CallAny { device, .. }
            | Step::Sync { device, .. }
            | Step::Reload { device } => *device < devices,
            Step::Backup { .. } | Step::Restore { .. } => true,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_device_converges_on_its_offices_state_and_no_op_is_lost_or_doubled(
        devices in 1usize..7,
        steps in prop::collection::vec(step(6), 0..100),
        page in 1usize..20,
    ) {
        let steps = for_devices(steps, devices);
        let (offices, devs, made) = play(devices, &steps, page);
        for d in &devs {
            let server = &offices[d.office].server;
            prop_assert!(d.replica.pending().is_empty());
            prop_assert_eq!(d.replica.view(), server.state());
            prop_assert_eq!(d.replica.epoch(), Some(server.epoch()));
        }
        let mut everywhere = HashSet::new();
        for (i, o) in offices.iter().enumerate() {
            let log = o.server.log();
            // Each op reached its office once, and only its own office's ops are there.
            let ids: HashSet<_> = log.iter().map(|o| o.op.id).collect();
            prop_assert_eq!(ids.len(), log.len());
            prop_assert!(log.iter().all(|o| o.op.office.as_str() == OFFICES[i]));
            // Sequence numbers only go up, even across restores.
            prop_assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
            // Replaying the log gives the same state: the fold is deterministic.
            let mut refold = OfficeState::default();
            for o in log {
                refold.apply_ordered(&o.op, &o.outcome);
            }
            prop_assert_eq!(&refold, o.server.state());
            everywhere.extend(ids);
        }
        // Nothing a device recorded is lost, whatever was restored.
        prop_assert!(made.keys().all(|id| everywhere.contains(id)));
    }

    #[test]
    fn ticket_numbers_never_collide(
        devices in 1usize..7,
        steps in prop::collection::vec(step(6), 0..100),
    ) {
        let steps = for_devices(steps, devices);
        let (offices, _, made) = play(devices, &steps, 50);
        let issued = made.values().filter(|kind| **kind == "issue_ticket").count();
        let mut numbers = HashSet::new();
        for (i, o) in offices.iter().enumerate() {
            for o in o.server.log() {
                if let OpBody::IssueTicket(b) = &o.op.body {
                    prop_assert_eq!(&o.outcome, &Outcome::Applied);
                    prop_assert!(numbers.insert((i, b.day, b.number.clone())));
                }
            }
            let duplicate = |c: &crate::state::Conflict| matches!(c.reason, ConflictReason::DuplicateNumber { .. });
            prop_assert_eq!(o.server.state().conflicts().iter().filter(|c| duplicate(c)).count(), 0);
        }
        prop_assert_eq!(numbers.len(), issued);
    }

    #[test]
    fn a_ticket_is_called_at_most_once(
        devices in 2usize..7,
        steps in prop::collection::vec(step(6), 0..100),
    ) {
        let steps = for_devices(steps, devices);
        let (offices, _, _) = play(devices, &steps, 50);
        for o in &offices {
            let mut called = HashSet::new();
            for o in o.server.log() {
                if let (OpBody::CallTicket(b), Outcome::Applied) = (&o.op.body, &o.outcome) {
                    prop_assert!(called.insert(b.number.clone()), "{} called twice", b.number);
                }
            }
        }
    }
}

#[test]
fn a_device_can_never_push_into_another_office() {
    let mut office = staffed(0);
    let stranger = Origin::new(OFFICES[1], "dev-9", "A").unwrap();
    let request = crate::sync::SyncRequest {
        epoch: None,
        cursor: 0,
        push: vec![issue(1, "dev-9", "A", 1, false, 0)],
        pending: 0,
    };
    // The op says office 0 but the device is of office 1: refused as a whole.
    let err = office.sync(&stranger, request, now());
    assert!(matches!(err, Err(SyncError::Origin(_))), "{err:?}");
}
