//! The device's IndexedDB (through rexie): its ops, its confirmed view and who it is.
//!
//! Pending ops are the one thing a device must never lose, so each is written before the
//! app tells staff it is done, and confirmed ops are written in the same transaction as the
//! position (epoch and cursor) they bring the device to. The whole confirmed view is written
//! only every [`SNAPSHOT_EVERY`] confirmed ops, not on every round trip: at start-up the app
//! reads that view and folds the few confirmed ops stored after it, never the whole log.

use loket_core::enrol::Enrolment;
use loket_core::sync::{Epoch, ServerOp};
use loket_core::{DeviceId, OfficeState, Op};
use rexie::{Index, KeyRange, ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// The database's name in production; tests use their own.
pub const DB_NAME: &str = "loket";
const VERSION: u32 = 1;
const OPS: &str = "ops";
const VIEW: &str = "view";
const META: &str = "meta";
/// Index of pending ops by local order; confirmed records lack the field and drop out.
const PENDING: &str = "pending";
/// Unique index of confirmed ops by server sequence number.
const SEQ: &str = "seq";
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
        let obj = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            js_sys::Reflect::set(&obj, &JsValue::from_str(k), &v)
                .map(|_| ())
                .map_err(|_| decode_err("cannot build a record"))
        };
        set("id", JsValue::from_str(&self.id))?;
        set("op", JsValue::from_str(&self.op))?;
        if let Some(p) = self.pending {
            set("pending", JsValue::from_f64(p))?;
        }
        if let Some(seq) = self.seq {
            set("seq", JsValue::from_f64(seq))?;
        }
        if let Some(o) = &self.outcome {
            set("outcome", JsValue::from_str(o))?;
        }
        Ok(obj.into())
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

    /// Reads what start-up needs: the enrolment, the confirmed view, the pending ops.
    pub async fn load(&self) -> Result<Loaded> {
        let tx = self
            .rexie
            .transaction(&[OPS, VIEW, META], TransactionMode::ReadOnly)?;
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
        let ops = tx.store(OPS)?;
        // The confirmed ops stored after the view was: folded in, in server order.
        let mut cursor = snapshot_cursor;
        let range = KeyRange::lower_bound(&JsValue::from_f64(cursor as f64), Some(true))
            .map_err(rexie::Error::from)?;
        for v in ops.index(SEQ)?.get_all(Some(range), None).await? {
            let o = server_op(&v)?;
            confirmed.apply_ordered(&o.op, &o.outcome);
            cursor = o.seq;
        }
        let mut pending = Vec::new();
        for v in ops.index(PENDING)?.get_all(None, None).await? {
            let rec = OpRecord::from_js(&v)?;
            let op: Op = serde_json::from_str(&rec.op).map_err(decode_err)?;
            pending.push((rec.pending.unwrap_or_default(), op));
        }
        tx.done().await?;
        Ok(Loaded {
            enrolment,
            epoch,
            confirmed,
            cursor,
            snapshot_cursor,
            pending,
        })
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
        let tx = self.rexie.transaction(&[OPS], TransactionMode::ReadWrite)?;
        tx.store(OPS)?.add(&rec.to_js()?, None).await?;
        tx.done().await?;
        Ok(())
    }

    /// Stores confirmed ops with the position (`cursor` of history `epoch`) they bring
    /// the device to, and the whole view when `snapshot` is given, all or nothing.
    pub async fn commit_confirmed(
        &self,
        confirmed: &[ServerOp],
        epoch: Option<&Epoch>,
        cursor: u64,
        snapshot: Option<&SnapshotText>,
    ) -> Result<()> {
        let position = json(&Position {
            epoch: epoch.cloned(),
            cursor,
        })?;
        let mut records = Vec::with_capacity(confirmed.len());
        for o in confirmed {
            let rec = OpRecord {
                id: o.op.id.to_string(),
                op: json_text(&o.op)?,
                pending: None,
                seq: Some(o.seq as f64),
                outcome: Some(json_text(&o.outcome)?),
            };
            records.push((rec.to_js()?, None));
        }
        let tx = self
            .rexie
            .transaction(&[OPS, VIEW], TransactionMode::ReadWrite)?;
        tx.store(OPS)?.put_all(records.into_iter()).await?;
        let view = tx.store(VIEW)?;
        view.put(&position, Some(&JsValue::from_str(POSITION)))
            .await?;
        if let Some(snapshot) = snapshot {
            view.put(&snapshot.json, Some(&JsValue::from_str(SNAPSHOT)))
                .await?;
        }
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
            .transaction(&[OPS, VIEW], TransactionMode::ReadWrite)?;
        let ops = tx.store(OPS)?;
        // Both indexes give their records in order: server order, then local order.
        let confirmed = ops.index(SEQ)?.get_all(None, None).await?;
        let pending = ops.index(PENDING)?.get_all(None, None).await?;
        let mut own = Vec::new();
        let mut records = Vec::with_capacity(confirmed.len() + pending.len());
        for value in confirmed.iter().chain(&pending) {
            let mut rec = OpRecord::from_js(value)?;
            let op: Op = serde_json::from_str(&rec.op).map_err(decode_err)?;
            if rec.pending.is_none() {
                if &op.device != device {
                    continue;
                }
                own.push(op);
            }
            rec.pending = Some(records.len() as f64 + 1.0);
            rec.seq = None;
            rec.outcome = None;
            records.push((rec.to_js()?, None));
        }
        ops.clear().await?;
        ops.put_all(records.into_iter()).await?;
        // The old history's view and position go: the new history starts from nothing.
        tx.store(VIEW)?.clear().await?;
        tx.done().await?;
        Ok(own)
    }

    /// One stored op by its id (a handover's signature, for reprinting its receipt).
    pub async fn op(&self, id: &loket_core::OpId) -> Result<Option<Op>> {
        let tx = self.rexie.transaction(&[OPS], TransactionMode::ReadOnly)?;
        let value = tx
            .store(OPS)?
            .get(JsValue::from_str(&id.to_string()))
            .await?;
        tx.done().await?;
        match value {
            Some(v) if !v.is_undefined() => {
                let rec = OpRecord::from_js(&v)?;
                serde_json::from_str(&rec.op).map(Some).map_err(decode_err)
            }
            _ => Ok(None),
        }
    }

    /// How many ops are stored, and how many of them are pending.
    pub async fn count_ops(&self) -> Result<(u32, u32)> {
        let tx = self.rexie.transaction(&[OPS], TransactionMode::ReadOnly)?;
        let ops = tx.store(OPS)?;
        let all = ops.count(None).await?;
        let pending = ops.index(PENDING)?.count(None).await?;
        tx.done().await?;
        Ok((all, pending))
    }

    /// Confirmed ops with a sequence number from `from` on, in server order.
    pub async fn confirmed_since(&self, from: u64) -> Result<Vec<ServerOp>> {
        let tx = self.rexie.transaction(&[OPS], TransactionMode::ReadOnly)?;
        let range = KeyRange::lower_bound(&JsValue::from_f64(from as f64), Some(false))
            .map_err(rexie::Error::from)?;
        let values = tx
            .store(OPS)?
            .index(SEQ)?
            .get_all(Some(range), None)
            .await?;
        tx.done().await?;
        values.iter().map(server_op).collect()
    }
}

/// A confirmed op record as the op, its sequence number and its outcome.
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
