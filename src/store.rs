//! The device's IndexedDB (through rexie): its ops, its confirmed view and who it is.
//!
//! Pending ops are the one thing a device must never lose, so each is written before the
//! app tells staff it is done, one record per op. Confirmed ops are written a round at a
//! time, as one record holding the round's ops (a round of 2,000 is one write, not 2,000),
//! in the same transaction as the position (epoch and cursor) they bring the device to and
//! the deletion of its own ops that came back. The whole confirmed view is written only
//! every [`SNAPSHOT_EVERY`] confirmed ops, not on every round trip (at a sync's end, just
//! after staff see it done): at start-up the app reads that view and folds the few
//! confirmed ops stored after it, never the whole log.

use loket_core::enrol::Enrolment;
use loket_core::sync::{Epoch, ServerOp};
use loket_core::{DeviceId, OfficeState, Op, OpId};
use rexie::{Index, KeyRange, ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// The database's name in production; tests use their own.
pub const DB_NAME: &str = "loket";
/// Version 2 keeps pending ops by their local order in [`PENDING_OPS`] and confirmed ops
/// a round to a record in [`LOG`]; what a database of version 1 holds in [`OPS`] is moved
/// over when it is first loaded.
const VERSION: u32 = 2;
/// Version 1's ops, pending and confirmed, one record each: empty once moved over.
const OPS: &str = "ops";
/// Pending ops, one record each (`{id, op, pending}`), keyed by their local order, so the
/// oldest ones a round confirmed go with one range deletion.
const PENDING_OPS: &str = "pending_ops";
/// Unique index of [`PENDING_OPS`] by op id: an op is stored once, and found by its id.
const ID: &str = "id";
/// Confirmed ops, one record per round: `{first, last, n, ops}`, `ops` the JSON text of
/// the round's [`ServerOp`]s in server order.
const LOG: &str = "log";
/// Index of [`LOG`] by the last sequence number a record holds.
const LAST: &str = "last";
const VIEW: &str = "view";
const META: &str = "meta";
/// Index of version 1's pending ops by local order (and [`PENDING_OPS`]' key path).
const PENDING: &str = "pending";
/// Unique index of version 1's confirmed ops by server sequence number.
const SEQ: &str = "seq";
/// At most this many confirmed ops to a [`LOG`] record when version 1's are moved over.
const MOVED_PER_RECORD: usize = 2_000;
/// The `view` key of the whole confirmed state, as of some cursor.
const SNAPSHOT: &str = "confirmed";
/// The `view` key of the device's position: the epoch and cursor of its last confirmed op.
const POSITION: &str = "position";
/// How many confirmed ops may follow the stored view before it is written again: start-up
/// folds at most this many, and a round trip mostly writes just its own ops.
pub const SNAPSHOT_EVERY: u64 = 200;
/// During a sync of many rounds the view is written once, at its last round, unless it
/// falls this far behind: writing the whole view every round of a 10,000-op sync cost more
/// than the rest of the sync (and a tab closed mid-sync folds at most this many at start).
pub const SNAPSHOT_AT_MOST_BEHIND: u64 = 5_000;

/// Whether a commit `behind` ops past the stored view writes the view too; `last` when
/// it is the last round of a sync.
pub fn snapshot_due(behind: u64, last: bool) -> bool {
    behind >= SNAPSHOT_EVERY && (last || behind >= SNAPSHOT_AT_MOST_BEHIND)
}

/// A storage failure, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The browser's IndexedDB refused (quota, private mode, a constraint).
    #[error("IndexedDB: {0}")]
    Db(#[from] rexie::Error),
    /// A stored value could not be read back into its type.
    #[error("stored data is unreadable: {0}")]
    Decode(String),
}

/// The result of store operations.
pub type Result<T> = std::result::Result<T, StoreError>;

/// One op as stored: `{id, op, pending?, seq?, outcome?}`, the op and outcome as JSON text.
/// `pending` (local order) exists only while the op is pending, so the `pending` index
/// holds exactly the pending ops; `seq` only once confirmed.
struct OpRecord {
    id: String,
    op: String,
    pending: Option<f64>,
    seq: Option<f64>,
    outcome: Option<String>,
}

impl OpRecord {
    fn to_js(&self) -> Result<JsValue> {
        let mut fields = vec![
            ("id", JsValue::from_str(&self.id)),
            ("op", JsValue::from_str(&self.op)),
        ];
        if let Some(p) = self.pending {
            fields.push(("pending", JsValue::from_f64(p)));
        }
        if let Some(seq) = self.seq {
            fields.push(("seq", JsValue::from_f64(seq)));
        }
        if let Some(o) = &self.outcome {
            fields.push(("outcome", JsValue::from_str(o)));
        }
        object(fields)
    }

    fn from_js(value: &JsValue) -> Result<Self> {
        let get = |k: &str| js_sys::Reflect::get(value, &JsValue::from_str(k)).ok();
        let text = |k: &str| get(k).and_then(|v| v.as_string());
        let num = |k: &str| get(k).and_then(|v| v.as_f64());
        Ok(Self {
            id: text("id").ok_or_else(|| decode_err("an op record without id"))?,
            op: text("op").ok_or_else(|| decode_err("an op record without op"))?,
            pending: num("pending"),
            seq: num("seq"),
            outcome: text("outcome"),
        })
    }
}

/// A JS object of `fields`, a record to store.
fn object(fields: Vec<(&str, JsValue)>) -> Result<JsValue> {
    let obj = js_sys::Object::new();
    for (k, v) in fields {
        js_sys::Reflect::set(&obj, &JsValue::from_str(k), &v)
            .map_err(|_| decode_err("cannot build a record"))?;
    }
    Ok(obj.into())
}

/// Confirmed ops of one round (or of a stretch of version 1's) as stored in [`LOG`].
struct LogRecord {
    first: u64,
    last: u64,
    ops: String,
}

impl LogRecord {
    /// The record of `confirmed` (in server order), none when it is empty.
    fn new(confirmed: &[ServerOp]) -> Result<Option<Self>> {
        let (Some(first), Some(last)) = (confirmed.first(), confirmed.last()) else {
            return Ok(None);
        };
        Ok(Some(Self {
            first: first.seq,
            last: last.seq,
            ops: json_text(&confirmed)?,
        }))
    }

    fn to_js(&self, n: usize) -> Result<JsValue> {
        object(vec![
            ("first", JsValue::from_f64(self.first as f64)),
            (LAST, JsValue::from_f64(self.last as f64)),
            ("n", JsValue::from_f64(n as f64)),
            ("ops", JsValue::from_str(&self.ops)),
        ])
    }

    /// The ops of a stored record.
    fn ops_of(value: &JsValue) -> Result<Vec<ServerOp>> {
        let text = js_sys::Reflect::get(value, &JsValue::from_str("ops"))
            .ok()
            .and_then(|v| v.as_string())
            .ok_or_else(|| decode_err("a log record without ops"))?;
        serde_json::from_str(&text).map_err(decode_err)
    }

    /// How many ops a stored record holds, without reading them.
    fn count_of(value: &JsValue) -> u32 {
        js_sys::Reflect::get(value, &JsValue::from_str("n"))
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or_default() as u32
    }
}

/// The confirmed state and the cursor it stands at, stored as one JSON text.
#[derive(Serialize, Deserialize)]
struct Snapshot<S> {
    cursor: u64,
    state: S,
}

/// Where the device stands: the history and cursor of its last confirmed op.
#[derive(Serialize, Deserialize)]
struct Position {
    epoch: Option<Epoch>,
    cursor: u64,
}

/// The confirmed view serialised once, ready to be stored with a commit.
pub struct SnapshotText {
    json: JsValue,
}

impl SnapshotText {
    /// Serialises `state`, the confirmed view at `cursor` (call it where the state lives,
    /// so it is never cloned to be written).
    pub fn new(state: &OfficeState, cursor: u64) -> Result<Self> {
        Ok(Self {
            json: json(&Snapshot { cursor, state })?,
        })
    }
}

/// What the app needs at start-up.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The enrolment, if this device has one.
    pub enrolment: Option<Enrolment>,
    /// The history the cursor belongs to.
    pub epoch: Option<Epoch>,
    /// The confirmed state.
    pub confirmed: OfficeState,
    /// The cursor it stands at.
    pub cursor: u64,
    /// The cursor of the stored whole view (start-up folded the confirmed ops after it).
    pub snapshot_cursor: u64,
    /// Pending ops, oldest first, with their local order.
    pub pending: Vec<(f64, Op)>,
}

fn decode_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Decode(e.to_string())
}

fn json<T: Serialize>(value: &T) -> Result<JsValue> {
    serde_json::to_string(value)
        .map(|s| JsValue::from_str(&s))
        .map_err(decode_err)
}

fn from_json<T: for<'de> Deserialize<'de>>(value: &JsValue) -> Result<T> {
    let text = value
        .as_string()
        .ok_or_else(|| decode_err("a stored value is not text"))?;
    serde_json::from_str(&text).map_err(decode_err)
}

fn json_text<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(decode_err)
}

/// An open device database.
#[derive(Debug)]
pub struct Db {
    rexie: Rexie,
}

impl Db {
    /// Opens (creating or upgrading) the database `name`.
    pub async fn open(name: &str) -> Result<Self> {
        let rexie = Rexie::builder(name)
            .version(VERSION)
            .add_object_store(
                ObjectStore::new(OPS)
                    .key_path("id")
                    .add_index(Index::new(PENDING, "pending"))
                    .add_index(Index::new(SEQ, "seq").unique(true)),
            )
            .add_object_store(
                ObjectStore::new(PENDING_OPS)
                    .key_path(PENDING)
                    .add_index(Index::new(ID, ID).unique(true)),
            )
            .add_object_store(
                ObjectStore::new(LOG)
                    .key_path("first")
                    .add_index(Index::new(LAST, LAST).unique(true)),
            )
            .add_object_store(ObjectStore::new(VIEW))
            .add_object_store(ObjectStore::new(META))
            .build()
            .await?;
        Ok(Self { rexie })
    }

    /// Deletes the database `name` (tests start from nothing).
    pub async fn delete(name: &str) -> Result<()> {
        Ok(Rexie::delete(name).await?)
    }

    /// Closes the database, so it can be reopened or deleted.
    pub fn close(self) {
        self.rexie.close();
    }

    /// Reads what start-up needs: the enrolment, the confirmed view, the pending ops. A
    /// database of version 1 has its ops moved over first, once.
    pub async fn load(&self) -> Result<Loaded> {
        if let Some(loaded) = self.read().await? {
            return Ok(loaded);
        }
        self.move_version_1().await?;
        self.read()
            .await?
            .ok_or_else(|| decode_err("version 1's ops are still there"))
    }

    /// What [`Db::load`] gives, or `None` while version 1's ops wait to be moved.
    async fn read(&self) -> Result<Option<Loaded>> {
        let tx = self.rexie.transaction(
            &[OPS, PENDING_OPS, LOG, VIEW, META],
            TransactionMode::ReadOnly,
        )?;
        if tx.store(OPS)?.count(None).await? > 0 {
            tx.done().await?;
            return Ok(None);
        }
        let meta = tx.store(META)?;
        let enrolment = match meta.get(JsValue::from_str("enrolment")).await? {
            Some(v) if !v.is_undefined() => Some(from_json::<Enrolment>(&v)?),
            _ => None,
        };
        let view = tx.store(VIEW)?;
        let (mut confirmed, snapshot_cursor) = match view.get(JsValue::from_str(SNAPSHOT)).await? {
            Some(v) if !v.is_undefined() => {
                let snap: Snapshot<OfficeState> = from_json(&v)?;
                (snap.state, snap.cursor)
            }
            _ => (OfficeState::default(), 0),
        };
        let epoch = match view.get(JsValue::from_str(POSITION)).await? {
            Some(v) if !v.is_undefined() => from_json::<Position>(&v)?.epoch,
            _ => None,
        };
        // The confirmed ops stored after the view was: folded in, in server order.
        let mut cursor = snapshot_cursor;
        for o in after(&tx.store(LOG)?, snapshot_cursor).await? {
            confirmed.apply_ordered(&o.op, &o.outcome);
            cursor = o.seq;
        }
        let mut pending = Vec::new();
        for v in tx.store(PENDING_OPS)?.get_all(None, None).await? {
            let rec = OpRecord::from_js(&v)?;
            let op: Op = serde_json::from_str(&rec.op).map_err(decode_err)?;
            pending.push((rec.pending.unwrap_or_default(), op));
        }
        tx.done().await?;
        Ok(Some(Loaded {
            enrolment,
            epoch,
            confirmed,
            cursor,
            snapshot_cursor,
            pending,
        }))
    }

    /// Moves version 1's ops (a record each in [`OPS`]) over, in one transaction: the
    /// pending ones to [`PENDING_OPS`] with their order, the confirmed ones to [`LOG`]. A
    /// tablet updated with a long log does this once, at its first start.
    async fn move_version_1(&self) -> Result<()> {
        let tx = self
            .rexie
            .transaction(&[OPS, PENDING_OPS, LOG], TransactionMode::ReadWrite)?;
        let ops = tx.store(OPS)?;
        let mut confirmed = Vec::new();
        for value in ops.index(SEQ)?.get_all(None, None).await? {
            confirmed.push(server_op(&value)?);
        }
        let log = tx.store(LOG)?;
        for part in confirmed.chunks(MOVED_PER_RECORD) {
            if let Some(record) = LogRecord::new(part)? {
                log.put(&record.to_js(part.len())?, None).await?;
            }
        }
        let pending = ops.index(PENDING)?.get_all(None, None).await?;
        let records = pending
            .iter()
            .map(|value| {
                let rec = OpRecord::from_js(value)?;
                let rec = OpRecord {
                    seq: None,
                    outcome: None,
                    ..rec
                };
                rec.to_js().map(|v| (v, None))
            })
            .collect::<Result<Vec<_>>>()?;
        tx.store(PENDING_OPS)?.put_all(records.into_iter()).await?;
        ops.clear().await?;
        tx.done().await?;
        Ok(())
    }

    /// Saves the enrolment.
    pub async fn save_enrolment(&self, enrolment: &Enrolment) -> Result<()> {
        let tx = self
            .rexie
            .transaction(&[META], TransactionMode::ReadWrite)?;
        tx.store(META)?
            .put(&json(enrolment)?, Some(&JsValue::from_str("enrolment")))
            .await?;
        tx.done().await?;
        Ok(())
    }

    /// Writes one op made on this device as pending. A second write of the same id fails.
    pub async fn record_local(&self, op: &Op, order: f64) -> Result<()> {
        let rec = OpRecord {
            id: op.id.to_string(),
            op: json_text(op)?,
            pending: Some(order),
            seq: None,
            outcome: None,
        };
        let tx = self
            .rexie
            .transaction(&[PENDING_OPS], TransactionMode::ReadWrite)?;
        tx.store(PENDING_OPS)?.add(&rec.to_js()?, None).await?;
        tx.done().await?;
        Ok(())
    }

    /// Stores a round's confirmed ops (as one record) with the position (`cursor` of
    /// history `epoch`) they bring the device to, removes the pending ops they `settled`,
    /// and writes the whole view when `snapshot` is given: all or nothing.
    pub async fn commit_confirmed(
        &self,
        confirmed: &[ServerOp],
        settled: &[OpId],
        epoch: Option<&Epoch>,
        cursor: u64,
        snapshot: Option<&SnapshotText>,
    ) -> Result<()> {
        let position = json(&Position {
            epoch: epoch.cloned(),
            cursor,
        })?;
        let record = LogRecord::new(confirmed)?
            .map(|r| r.to_js(confirmed.len()))
            .transpose()?;
        let tx = self
            .rexie
            .transaction(&[PENDING_OPS, LOG, VIEW], TransactionMode::ReadWrite)?;
        remove_settled(&tx.store(PENDING_OPS)?, settled).await?;
        let view = tx.store(VIEW)?;
        view.put(&position, Some(&JsValue::from_str(POSITION)))
            .await?;
        if let Some(snapshot) = snapshot {
            view.put(&snapshot.json, Some(&JsValue::from_str(SNAPSHOT)))
                .await?;
        }
        // Added, not put: a round that repeats a stored one's numbers undoes it all.
        if let Some(record) = record {
            tx.store(LOG)?.add(&record, None).await?;
        }
        tx.done().await?;
        Ok(())
    }

    /// Writes the whole confirmed view (as of the cursor it was made at) on its own: the
    /// ops it holds are stored already, and start-up folds those after it.
    pub async fn save_view(&self, snapshot: &SnapshotText) -> Result<()> {
        let tx = self
            .rexie
            .transaction(&[VIEW], TransactionMode::ReadWrite)?;
        tx.store(VIEW)?
            .put(&snapshot.json, Some(&JsValue::from_str(SNAPSHOT)))
            .await?;
        tx.done().await?;
        Ok(())
    }

    /// Starts again from nothing for a server restored from a backup (see
    /// `Replica::restart`): in one transaction, this device's confirmed ops become pending
    /// again ahead of the pending ones, other devices' ops and the view go (the server
    /// sends them again). Returns the device's own confirmed ops, in server order.
    pub async fn restart(&self, device: &DeviceId) -> Result<Vec<Op>> {
        let tx = self
            .rexie
            .transaction(&[PENDING_OPS, LOG, VIEW], TransactionMode::ReadWrite)?;
        let ops = tx.store(PENDING_OPS)?;
        let log = tx.store(LOG)?;
        let own: Vec<Op> = after(&log, 0)
            .await?
            .into_iter()
            .map(|o| o.op)
            .filter(|op| &op.device == device)
            .collect();
        let pending = ops.get_all(None, None).await?;
        let mut records = Vec::with_capacity(own.len() + pending.len());
        for op in &own {
            records.push(OpRecord {
                id: op.id.to_string(),
                op: json_text(op)?,
                pending: None,
                seq: None,
                outcome: None,
            });
        }
        for value in &pending {
            records.push(OpRecord::from_js(value)?);
        }
        for (i, rec) in records.iter_mut().enumerate() {
            rec.pending = Some(i as f64 + 1.0);
        }
        let records = records
            .iter()
            .map(|rec| rec.to_js().map(|v| (v, None)))
            .collect::<Result<Vec<_>>>()?;
        ops.clear().await?;
        ops.put_all(records.into_iter()).await?;
        log.clear().await?;
        // The old history's view and position go: the new history starts from nothing.
        tx.store(VIEW)?.clear().await?;
        tx.done().await?;
        Ok(own)
    }

    /// One stored op by its id (a handover's signature, for reprinting its receipt):
    /// pending, or in the log (whose records are searched as text before one is read).
    pub async fn op(&self, id: &loket_core::OpId) -> Result<Option<Op>> {
        let key = id.to_string();
        let tx = self
            .rexie
            .transaction(&[PENDING_OPS, LOG], TransactionMode::ReadOnly)?;
        let pending = tx
            .store(PENDING_OPS)?
            .index(ID)?
            .get(JsValue::from_str(&key))
            .await?;
        let found = match pending {
            Some(v) if !v.is_undefined() => {
                let rec = OpRecord::from_js(&v)?;
                Some(serde_json::from_str(&rec.op).map_err(decode_err)?)
            }
            _ => {
                let mut found = None;
                // Newest first: a receipt reprinted is mostly of a recent handover.
                for value in tx.store(LOG)?.get_all(None, None).await?.iter().rev() {
                    let holds = js_sys::Reflect::get(value, &JsValue::from_str("ops"))
                        .ok()
                        .and_then(|v| v.as_string())
                        .is_some_and(|text| text.contains(&key));
                    if holds {
                        found = LogRecord::ops_of(value)?
                            .into_iter()
                            .find(|o| o.op.id == *id)
                            .map(|o| o.op);
                        break;
                    }
                }
                found
            }
        };
        tx.done().await?;
        Ok(found)
    }

    /// How many ops are stored, and how many of them are pending.
    pub async fn count_ops(&self) -> Result<(u32, u32)> {
        let tx = self
            .rexie
            .transaction(&[PENDING_OPS, LOG], TransactionMode::ReadOnly)?;
        let pending = tx.store(PENDING_OPS)?.count(None).await?;
        let confirmed: u32 = tx
            .store(LOG)?
            .get_all(None, None)
            .await?
            .iter()
            .map(LogRecord::count_of)
            .sum();
        tx.done().await?;
        Ok((confirmed + pending, pending))
    }

    /// Confirmed ops with a sequence number from `from` on, in server order.
    pub async fn confirmed_since(&self, from: u64) -> Result<Vec<ServerOp>> {
        let tx = self.rexie.transaction(&[LOG], TransactionMode::ReadOnly)?;
        let ops = after(&tx.store(LOG)?, from.saturating_sub(1)).await?;
        tx.done().await?;
        Ok(ops)
    }
}

/// Deletes the pending ops a round `settled` from `pending`. They are the oldest ones (the
/// server confirms a device's ops in the order it sends them), so they mostly go with one
/// range deletion; when they are not, one by one, every request made before any is
/// awaited (deleting 2,000 ops one awaited after another took longer than the round).
async fn remove_settled(pending: &rexie::Store, settled: &[OpId]) -> Result<()> {
    let Ok(count) = u32::try_from(settled.len()) else {
        return Err(decode_err("too many ops settled at once"));
    };
    if count == 0 {
        return Ok(());
    }
    let oldest = pending.get_all(None, Some(count)).await?;
    let settled: std::collections::HashSet<String> =
        settled.iter().map(|id| id.to_string()).collect();
    let records = oldest
        .iter()
        .map(OpRecord::from_js)
        .collect::<Result<Vec<_>>>()?;
    let orders = || records.iter().filter_map(|r| r.pending);
    let (Some(first), Some(last)) = (orders().next(), orders().next_back()) else {
        return Ok(());
    };
    if records.len() == settled.len() && records.iter().all(|r| settled.contains(&r.id)) {
        let range = KeyRange::bound(
            &JsValue::from_f64(first),
            &JsValue::from_f64(last),
            Some(false),
            Some(false),
        )
        .map_err(rexie::Error::from)?;
        return Ok(pending.delete(range.into()).await?);
    }
    let by_id = pending.index(ID)?;
    let mut keys = Vec::new();
    for id in &settled {
        if let Some(value) = by_id.get(JsValue::from_str(id)).await?
            && let Some(order) = OpRecord::from_js(&value)?.pending
        {
            keys.push(order);
        }
    }
    futures::future::try_join_all(keys.iter().map(|k| pending.delete(JsValue::from_f64(*k))))
        .await?;
    Ok(())
}

/// The confirmed ops of `log` with a sequence number past `cursor`, in server order.
async fn after(log: &rexie::Store, cursor: u64) -> Result<Vec<ServerOp>> {
    let range = KeyRange::lower_bound(&JsValue::from_f64(cursor as f64), Some(true))
        .map_err(rexie::Error::from)?;
    let mut ops = Vec::new();
    for value in log.index(LAST)?.get_all(Some(range), None).await? {
        ops.extend(
            LogRecord::ops_of(&value)?
                .into_iter()
                .filter(|o| o.seq > cursor),
        );
    }
    Ok(ops)
}

/// A confirmed op record of version 1 as the op, its sequence number and its outcome.
fn server_op(value: &JsValue) -> Result<ServerOp> {
    let rec = OpRecord::from_js(value)?;
    let op = serde_json::from_str(&rec.op).map_err(decode_err)?;
    let outcome =
        serde_json::from_str(rec.outcome.as_deref().unwrap_or("null")).map_err(decode_err)?;
    Ok(ServerOp {
        seq: rec.seq.unwrap_or_default() as u64,
        op,
        outcome,
    })
}
