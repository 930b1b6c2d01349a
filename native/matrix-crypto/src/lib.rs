//! Parley's Node-API binding over the Matrix team's Rust crypto (`matrix-sdk-crypto`) and its
//! SQLite store (`matrix-sdk-sqlite`). The boundary is deliberately coarse: every call takes and
//! returns JSON strings, so the glue monomorphised here stays small (compile time on 2 cores) and
//! the TypeScript side (main/daemon/connectors/matrix/crypto/) owns HTTP, locking and policy.
//!
//! Nothing here performs network I/O: outgoing requests are described as JSON
//! ({kind, id, body, ...}); the daemon sends them and hands the server's answer back.
#![deny(clippy::all)]

use std::{
    collections::BTreeMap,
    fs::{File, OpenOptions},
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use matrix_sdk_crypto::{
    types::{
        events::room::encrypted::EncryptedEvent,
        requests::{AnyOutgoingRequest, OutgoingRequest, ToDeviceRequest},
    },
    DecryptionSettings, EncryptionSettings, EncryptionSyncChanges, OlmMachine,
    RoomEventDecryptionResult, TrustRequirement,
};
use matrix_sdk_common::deserialized_responses::{
    DeviceLinkProblem, UnableToDecryptReason, VerificationLevel, VerificationState,
};
use matrix_sdk_sqlite::SqliteCryptoStore;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use ruma::{
    api::{
        client::{
            keys::{claim_keys, get_keys, upload_keys, upload_signatures},
            message::send_message_event,
            sync::sync_events::DeviceLists,
            to_device::send_event_to_device,
        },
        IncomingResponse,
    },
    events::{
        room::history_visibility::HistoryVisibility, AnyMessageLikeEventContent,
        AnyToDeviceEvent, MessageLikeEventContent,
    },
    serde::Raw,
    DeviceId, OneTimeKeyAlgorithm, OwnedUserId, RoomId, TransactionId, UInt, UserId,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

mod verification;

fn err<E: std::fmt::Display>(context: &'static str) -> impl FnOnce(E) -> Error {
    move |e| Error::from_reason(format!("{context}: {e}"))
}

fn parse<T: for<'de> Deserialize<'de>>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(err(what))
}

fn to_json(v: &Value) -> String {
    v.to_string()
}

/// One Olm machine (our device) over its encrypted SQLite store, plus the OS lock that keeps a
/// second process (or a second open in this one) from writing the same store.
#[napi]
pub struct CryptoMachine {
    inner: Mutex<Option<(OlmMachine, File)>>,
}

/// Opens (creating on first use) the store in `dir` with the 32-byte key (base64) and loads or
/// creates the account for `user_id`/`device_id`. Fails when another process holds the store.
#[napi]
pub async fn open_crypto_machine(
    dir: String,
    key_base64: String,
    user_id: String,
    device_id: String,
) -> Result<CryptoMachine> {
    let key = decode_key(&key_base64)?;
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).map_err(err("cannot create the crypto store directory"))?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("store.lock"))
        .map_err(err("cannot open the crypto store lock"))?;
    lock.try_lock().map_err(|_| {
        Error::from_reason("the crypto store is in use by another Parley process".to_string())
    })?;
    let user = UserId::parse(&user_id).map_err(err("bad user id"))?;
    let device: &DeviceId = device_id.as_str().into();
    let store = SqliteCryptoStore::open_with_key(&dir, Some(&key))
        .await
        .map_err(err("cannot open the crypto store"))?;
    let machine = OlmMachine::with_store(&user, device, store, None)
        .await
        .map_err(err("cannot load the Olm account"))?;
    Ok(CryptoMachine { inner: Mutex::new(Some((machine, lock))) })
}

fn decode_key(b64: &str) -> Result<[u8; 32]> {
    let bytes = base64_decode(b64).ok_or_else(|| Error::from_reason("the store key is not base64"))?;
    bytes.try_into().map_err(|_| Error::from_reason("the store key must be 32 bytes"))
}

/// Standard base64 with padding (the key comes from Node's Buffer.toString('base64')).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The store's connection pool hands its connections to Tokio when it is dropped, so the machine
/// must be dropped inside the runtime (not on the JS thread, where close() and GC run).
fn release(inner: Option<(OlmMachine, File)>) {
    if let Some(inner) = inner {
        within_runtime_if_available(move || drop(inner));
    }
}

/// A machine the daemon never closed is collected by the GC, possibly while Node exits and the
/// runtime is gone: it is leaked then (the OS releases the lock; SQLite's WAL keeps what was
/// committed), since dropping it outside the runtime would abort the process.
impl Drop for CryptoMachine {
    fn drop(&mut self) {
        if let Ok(inner) = self.inner.get_mut() {
            if let Some(inner) = inner.take() {
                std::mem::forget(inner);
            }
        }
    }
}

#[derive(Deserialize)]
struct SyncChangesInput {
    #[serde(default)]
    to_device_events: Vec<Raw<AnyToDeviceEvent>>,
    #[serde(default)]
    device_lists: DeviceLists,
    #[serde(default)]
    one_time_keys_counts: BTreeMap<OneTimeKeyAlgorithm, UInt>,
    #[serde(default)]
    unused_fallback_keys: Option<Vec<OneTimeKeyAlgorithm>>,
    #[serde(default)]
    next_batch_token: Option<String>,
}

#[derive(Deserialize)]
struct ShareSettingsInput {
    history_visibility: Option<String>,
    rotation_period_ms: Option<u64>,
    rotation_period_msgs: Option<u64>,
}

#[napi]
impl CryptoMachine {
    fn machine(&self) -> Result<OlmMachine> {
        let guard = self.inner.lock().map_err(|_| Error::from_reason("crypto lock poisoned"))?;
        guard
            .as_ref()
            .map(|(m, _)| m.clone())
            .ok_or_else(|| Error::from_reason("the crypto machine is closed"))
    }

    /// Releases the store (and its lock) once in-flight calls finish.
    #[napi]
    pub fn close(&self) -> Result<()> {
        let taken = {
            let mut guard =
                self.inner.lock().map_err(|_| Error::from_reason("crypto lock poisoned"))?;
            guard.take()
        };
        release(taken);
        Ok(())
    }

    /// {user_id, device_id, ed25519, curve25519}
    #[napi]
    pub fn identity(&self) -> Result<String> {
        let m = self.machine()?;
        let keys = m.identity_keys();
        Ok(to_json(&json!({
            "user_id": m.user_id(),
            "device_id": m.device_id(),
            "ed25519": keys.ed25519.to_base64(),
            "curve25519": keys.curve25519.to_base64(),
        })))
    }

    /// To-device events, device list changes and key counts of one /sync, processed and saved in
    /// one store transaction. Returns {room_keys: [{room_id, session_id}], to_device: count}.
    #[napi]
    pub async fn receive_sync_changes(&self, input: String) -> Result<String> {
        let m = self.machine()?;
        let i: SyncChangesInput = parse("sync changes", &input)?;
        let changes = EncryptionSyncChanges {
            to_device_events: i.to_device_events,
            changed_devices: &i.device_lists,
            one_time_keys_counts: &i.one_time_keys_counts,
            unused_fallback_keys: i.unused_fallback_keys.as_deref(),
            next_batch_token: i.next_batch_token,
        };
        let (events, keys) = m
            .receive_sync_changes(changes, &decryption_settings())
            .await
            .map_err(err("cannot process the sync's crypto changes"))?;
        let room_keys: Vec<Value> = keys
            .iter()
            .map(|k| json!({ "room_id": k.room_id, "session_id": k.session_id }))
            .collect();
        Ok(to_json(&json!({ "room_keys": room_keys, "to_device": events.len() })))
    }

    /// The requests the machine wants sent (key upload, key query, to-device…), as JSON.
    #[napi]
    pub async fn outgoing_requests(&self) -> Result<String> {
        let m = self.machine()?;
        let requests = m.outgoing_requests().await.map_err(err("outgoing requests"))?;
        let out: Vec<Value> = requests.iter().filter_map(describe_outgoing).collect();
        Ok(to_json(&Value::Array(out)))
    }

    /// Hands the server's answer (JSON body) to a request back to the machine.
    #[napi]
    pub async fn mark_request_as_sent(&self, id: String, kind: String, body: String) -> Result<()> {
        let m = self.machine()?;
        let txn: &TransactionId = id.as_str().into();
        let http = http::Response::builder()
            .status(200)
            .body(body.into_bytes())
            .map_err(err("response"))?;
        macro_rules! mark {
            ($ty:ty) => {{
                let r = <$ty>::try_from_http_response(http).map_err(err("unreadable response"))?;
                m.mark_request_as_sent(txn, &r).await.map_err(err("mark as sent"))?;
            }};
        }
        match kind.as_str() {
            "keys_upload" => mark!(upload_keys::v3::Response),
            "keys_query" => mark!(get_keys::v3::Response),
            "keys_claim" => mark!(claim_keys::v3::Response),
            "to_device" => mark!(send_event_to_device::v3::Response),
            "signature_upload" => mark!(upload_signatures::v3::Response),
            "room_message" => mark!(send_message_event::v3::Response),
            other => return Err(Error::from_reason(format!("unknown request kind {other}"))),
        }
        Ok(())
    }

    /// Adds users (JSON array of ids) to the tracked set; new ones get a key query.
    #[napi]
    pub async fn update_tracked_users(&self, users: String) -> Result<()> {
        let m = self.machine()?;
        let users = parse_users(&users)?;
        m.update_tracked_users(users.iter().map(as_user))
            .await
            .map_err(err("update tracked users"))
    }

    /// A /keys/claim request for devices of `users` we have no Olm session with, or null.
    #[napi]
    pub async fn get_missing_sessions(&self, users: String) -> Result<String> {
        let m = self.machine()?;
        let users = parse_users(&users)?;
        let r = m
            .get_missing_sessions(users.iter().map(as_user))
            .await
            .map_err(err("missing sessions"))?;
        Ok(match r {
            Some((id, req)) => to_json(&json!({
                "kind": "keys_claim",
                "id": id.to_string(),
                "body": claim_body(&req),
            })),
            None => "null".to_string(),
        })
    }

    /// Shares the room's outbound Megolm session with every device of `users`, rotating it when
    /// the settings or the recipients require. Returns to-device requests to send, in order.
    #[napi]
    pub async fn share_room_key(&self, room_id: String, users: String, settings: String) -> Result<String> {
        let m = self.machine()?;
        let room = RoomId::parse(&room_id).map_err(err("bad room id"))?;
        let users = parse_users(&users)?;
        let s: ShareSettingsInput = parse("share settings", &settings)?;
        let mut es = EncryptionSettings::default();
        if let Some(h) = s.history_visibility {
            es.history_visibility = HistoryVisibility::from(h.as_str());
        }
        if let Some(ms) = s.rotation_period_ms {
            es.rotation_period = Duration::from_millis(ms);
        }
        if let Some(n) = s.rotation_period_msgs {
            es.rotation_period_msgs = n;
        }
        let reqs = m
            .share_room_key(&room, users.iter().map(as_user), es)
            .await
            .map_err(err("share room key"))?;
        let out: Vec<Value> = reqs.iter().map(|r| to_device_json(r.as_ref())).collect();
        Ok(to_json(&Value::Array(out)))
    }

    /// Encrypts one event's content for the room (its session must be shared first).
    /// Returns the m.room.encrypted content.
    #[napi]
    pub async fn encrypt(&self, room_id: String, event_type: String, content: String) -> Result<String> {
        let m = self.machine()?;
        let room = RoomId::parse(&room_id).map_err(err("bad room id"))?;
        let raw: Raw<AnyMessageLikeEventContent> =
            Raw::from_json_string(content).map_err(err("bad content"))?;
        let r = m
            .encrypt_room_event_raw(&room, &event_type, &raw)
            .await
            .map_err(err("encrypt"))?;
        Ok(r.content.json().get().to_string())
    }

    /// Decrypts one m.room.encrypted event. Returns
    /// {decrypted: {event, sender, sender_device, trust}} or {utd: {session_id, reason}}.
    #[napi]
    pub async fn decrypt(&self, room_id: String, event: String) -> Result<String> {
        let m = self.machine()?;
        let room = RoomId::parse(&room_id).map_err(err("bad room id"))?;
        let raw: Raw<EncryptedEvent> = Raw::from_json_string(event).map_err(err("bad event"))?;
        let r = m
            .try_decrypt_room_event(&raw, &room, &decryption_settings())
            .await
            .map_err(err("crypto store"))?;
        Ok(to_json(&match r {
            RoomEventDecryptionResult::Decrypted(d) => {
                let event: Value = d.event.deserialize_as_unchecked().map_err(err("decrypted event"))?;
                let info = &d.encryption_info;
                json!({ "decrypted": {
                    "event": event,
                    "sender": info.sender,
                    "sender_device": info.sender_device,
                    "trust": trust_of(&info.verification_state),
                }})
            }
            RoomEventDecryptionResult::UnableToDecrypt(u) => json!({ "utd": {
                "session_id": u.session_id,
                "reason": utd_reason(&u.reason),
            }}),
        }))
    }
}

fn decryption_settings() -> DecryptionSettings {
    // Decrypt from any device; trust is reported per message instead of hiding messages.
    DecryptionSettings { sender_device_trust_requirement: TrustRequirement::Untrusted }
}

/// A named function, not a closure: it is general over lifetimes, which the Send check of the
/// async glue needs (a closure here fails with "implementation of FnOnce is not general enough").
fn as_user(u: &OwnedUserId) -> &UserId {
    u
}

fn parse_users(users: &str) -> Result<Vec<OwnedUserId>> {
    let ids: Vec<String> = parse("user ids", users)?;
    ids.iter().map(|u| UserId::parse(u).map_err(err("bad user id"))).collect()
}

fn trust_of(v: &VerificationState) -> &'static str {
    match v {
        VerificationState::Verified => "verified",
        VerificationState::Unverified(l) => match l {
            VerificationLevel::UnverifiedIdentity => "unverified",
            VerificationLevel::VerificationViolation => "identity_changed",
            VerificationLevel::UnsignedDevice => "unsigned_device",
            VerificationLevel::None(DeviceLinkProblem::MissingDevice) => "unknown_device",
            VerificationLevel::None(DeviceLinkProblem::InsecureSource) => "insecure_source",
            VerificationLevel::MismatchedSender => "mismatched_sender",
        },
    }
}

fn utd_reason(r: &UnableToDecryptReason) -> &'static str {
    match r {
        UnableToDecryptReason::MissingMegolmSession { withheld_code: Some(_) } => "withheld",
        UnableToDecryptReason::MissingMegolmSession { .. } => "missing_key",
        UnableToDecryptReason::UnknownMegolmMessageIndex => "unknown_index",
        UnableToDecryptReason::MalformedEncryptedEvent => "malformed",
        UnableToDecryptReason::SenderIdentityNotTrusted(_) => "untrusted_sender",
        _ => "failed",
    }
}

fn claim_body(req: &claim_keys::v3::Request) -> Value {
    let mut body = Map::new();
    body.insert("one_time_keys".into(), json!(req.one_time_keys));
    if let Some(t) = req.timeout {
        body.insert("timeout".into(), json!(t.as_millis() as u64));
    }
    Value::Object(body)
}

fn to_device_json(r: &ToDeviceRequest) -> Value {
    json!({
        "kind": "to_device",
        "id": r.txn_id.to_string(),
        "event_type": r.event_type.to_string(),
        "txn_id": r.txn_id.to_string(),
        "body": { "messages": r.messages },
    })
}

/// {kind, id, body, ...} for one outgoing request; the daemon builds the HTTP call from it.
fn describe_outgoing(r: &OutgoingRequest) -> Option<Value> {
    let id = r.request_id().to_string();
    Some(match r.request() {
        AnyOutgoingRequest::KeysUpload(q) => {
            let mut body = Map::new();
            if let Some(d) = &q.device_keys {
                body.insert("device_keys".into(), json!(d));
            }
            if !q.one_time_keys.is_empty() {
                body.insert("one_time_keys".into(), json!(q.one_time_keys));
            }
            if !q.fallback_keys.is_empty() {
                body.insert("fallback_keys".into(), json!(q.fallback_keys));
            }
            json!({ "kind": "keys_upload", "id": id, "body": body })
        }
        AnyOutgoingRequest::KeysQuery(q) => {
            let mut body = Map::new();
            body.insert("device_keys".into(), json!(q.device_keys));
            if let Some(t) = q.timeout {
                body.insert("timeout".into(), json!(t.as_millis() as u64));
            }
            json!({ "kind": "keys_query", "id": id, "body": body })
        }
        AnyOutgoingRequest::KeysClaim(q) => {
            json!({ "kind": "keys_claim", "id": id, "body": claim_body(q) })
        }
        AnyOutgoingRequest::ToDeviceRequest(t) => {
            let mut v = to_device_json(t);
            v["id"] = json!(id);
            v
        }
        AnyOutgoingRequest::SignatureUpload(s) => {
            json!({ "kind": "signature_upload", "id": id, "body": s.signed_keys })
        }
        AnyOutgoingRequest::RoomMessage(m) => json!({
            "kind": "room_message",
            "id": id,
            "room_id": m.room_id,
            "txn_id": m.txn_id.to_string(),
            "event_type": m.content.event_type().to_string(),
            "body": m.content,
        }),
    })
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<Arc<OlmMachine>>();
}

// After CryptoMachine: napi-derive expands an impl block only once it has seen the struct.
mod backup;
