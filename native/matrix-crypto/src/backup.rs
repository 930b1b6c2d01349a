//! Server-side key backup (`m.megolm_backup.v1.curve25519-aes-sha2`) over the crate's backup
//! machine: making a backup key, signing a new backup version's auth data, switching backup on
//! for this device, the upload requests for the outgoing-requests loop, and importing the room
//! keys downloaded from a backup. As in lib.rs: JSON in, JSON out, no network I/O.
//!
//! The recovery key and secret storage (`m.secret_storage.*`) are not here: the daemon does them
//! (main/daemon/connectors/matrix/crypto/secretStorage.ts); this module only ever sees the backup
//! key itself (unpadded base64, as `m.megolm_backup.v1` holds it in secret storage).

use std::collections::BTreeMap;

use matrix_sdk_crypto::{
    backups::MegolmV1BackupKey,
    olm::{BackedUpRoomKey, ExportedRoomKey},
    store::types::BackupDecryptionKey,
    types::RoomKeyBackupInfo,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use ruma::{
    api::{
        client::backup::{add_backup_keys, KeyBackupData},
        IncomingResponse,
    },
    serde::Raw,
    OwnedRoomId, TransactionId,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{err, parse, to_json, CryptoMachine};

fn decryption_key(b64: &str) -> Result<BackupDecryptionKey> {
    BackupDecryptionKey::from_base64(b64).map_err(err("the backup key is not valid"))
}

/// A new random backup key: {private_key, public_key} (unpadded base64). The private key goes to
/// secret storage; the public one into the new backup version's auth data.
#[napi]
pub fn new_backup_key() -> String {
    let key = BackupDecryptionKey::new();
    to_json(&json!({
        "private_key": key.to_base64(),
        "public_key": key.megolm_v1_public_key().to_base64(),
    }))
}

/// The public key of a backup key (to compare with a backup version's auth data).
#[napi]
pub fn backup_public_key(private_key: String) -> Result<String> {
    Ok(decryption_key(&private_key)?.megolm_v1_public_key().to_base64())
}

/// GET /room_keys/keys answer: {rooms: {room id: {sessions: {session id: KeyBackupData}}}}.
#[derive(Deserialize)]
struct BackupDownload {
    #[serde(default)]
    rooms: BTreeMap<OwnedRoomId, RoomSessions>,
}

#[derive(Deserialize)]
struct RoomSessions {
    #[serde(default)]
    sessions: BTreeMap<String, Raw<KeyBackupData>>,
}

#[napi]
impl CryptoMachine {
    /// The body of POST /room_keys/version for a new backup with this public key:
    /// {algorithm, auth_data} with auth_data signed by our device (and by the cross-signing master
    /// key when this device has it).
    #[napi]
    pub async fn backup_version_body(&self, private_key: String) -> Result<String> {
        let m = self.machine()?;
        let mut info = decryption_key(&private_key)?.to_backup_info();
        m.backup_machine().sign_backup(&mut info).await.map_err(err("cannot sign the backup"))?;
        serde_json::to_string(&info).map_err(err("backup info"))
    }

    /// Switches backup on for this device: room keys are uploaded to backup `version` from now on.
    /// `info` is the version's {algorithm, auth_data} as the server has it: the key must match
    /// its public key (else another key made that backup, and uploading would lose keys).
    /// The key and version are saved in the store, so `resume_backup` finds them after a restart.
    #[napi]
    pub async fn enable_backup(&self, private_key: String, version: String, info: String) -> Result<()> {
        let m = self.machine()?;
        let key = decryption_key(&private_key)?;
        let info: RoomKeyBackupInfo = parse("backup info", &info)?;
        if !key.backup_key_matches(&info) {
            return Err(Error::from_reason(
                "the backup key does not match the server's backup".to_string(),
            ));
        }
        let public = key.megolm_v1_public_key();
        public.set_version(version.clone());
        let backups = m.backup_machine();
        backups
            .save_decryption_key(Some(key), Some(version))
            .await
            .map_err(err("cannot save the backup key"))?;
        backups.enable_backup_v1(public).await.map_err(err("cannot enable backup"))
    }

    /// At start: switches backup back on from the key and version saved in the store.
    /// Returns the version, or null when this device has no backup.
    #[napi]
    pub async fn resume_backup(&self) -> Result<Option<String>> {
        let m = self.machine()?;
        let backups = m.backup_machine();
        let saved = backups.get_backup_keys().await.map_err(err("cannot read the backup key"))?;
        let (Some(key), Some(version)) = (saved.decryption_key, saved.backup_version) else {
            return Ok(None);
        };
        let public: MegolmV1BackupKey = key.megolm_v1_public_key();
        public.set_version(version.clone());
        backups.enable_backup_v1(public).await.map_err(err("cannot enable backup"))?;
        Ok(Some(version))
    }

    /// The backup version this device uploads to now, or null when backup is off.
    #[napi]
    pub async fn active_backup_version(&self) -> Result<Option<String>> {
        let m = self.machine()?;
        Ok(m.backup_machine().backup_version().await)
    }

    /// Stops uploading (the server's backup changed or was deleted); every room key counts as not
    /// backed up again. The store has no way to forget the saved key, so the daemon checks the
    /// saved version against the server's before `resume_backup` counts (keyBackup.ts).
    #[napi]
    pub async fn disable_backup(&self) -> Result<()> {
        let m = self.machine()?;
        m.backup_machine().disable_backup().await.map_err(err("cannot disable backup"))
    }

    /// The next batch of room keys to upload: {id, version, body: {rooms}} for
    /// PUT /room_keys/keys?version=…, or null when everything is backed up (or backup is off).
    #[napi]
    pub async fn backup_room_keys(&self) -> Result<String> {
        let m = self.machine()?;
        let r = m.backup_machine().backup().await.map_err(err("cannot back up room keys"))?;
        Ok(match r {
            Some((id, req)) => to_json(&json!({
                "id": id.to_string(),
                "version": req.version,
                "body": { "rooms": req.rooms },
            })),
            None => "null".to_string(),
        })
    }

    /// The server stored the batch `id` (its answer: {etag, count}): its keys count as backed up.
    #[napi]
    pub async fn mark_backup_sent(&self, id: String, body: String) -> Result<()> {
        let m = self.machine()?;
        let txn: &TransactionId = id.as_str().into();
        let http = http::Response::builder()
            .status(200)
            .body(body.into_bytes())
            .map_err(err("response"))?;
        let r = add_backup_keys::v3::Response::try_from_http_response(http)
            .map_err(err("unreadable response"))?;
        m.mark_request_as_sent(txn, &r).await.map_err(err("mark as sent"))
    }

    /// {total, backed_up}: the room keys this device has, and how many of them are in the backup.
    #[napi]
    pub async fn room_key_counts(&self) -> Result<String> {
        let m = self.machine()?;
        let c = m.backup_machine().room_key_counts().await.map_err(err("room key counts"))?;
        Ok(to_json(&json!({ "total": c.total, "backed_up": c.backed_up })))
    }

    /// Decrypts the room keys of a backup download (GET /room_keys/keys) with the backup key and
    /// imports them (a better copy already here is kept). Returns {imported, total, failed,
    /// keys: [{room_id, session_id}]}; a session that does not decrypt is counted, not fatal.
    #[napi]
    pub async fn import_backup(&self, private_key: String, version: String, download: String) -> Result<String> {
        let m = self.machine()?;
        let key = decryption_key(&private_key)?;
        let download: BackupDownload = parse("backup download", &download)?;
        let mut exported = Vec::new();
        let mut failed = 0usize;
        for (room_id, room) in download.rooms {
            for (session_id, data) in room.sessions {
                let decrypted: Option<BackedUpRoomKey> = data
                    .deserialize()
                    .ok()
                    .and_then(|d| key.decrypt_session_data(d.session_data).ok());
                match decrypted {
                    Some(k) => exported.push(ExportedRoomKey::from_backed_up_room_key(
                        room_id.clone(),
                        session_id,
                        k,
                    )),
                    None => failed += 1,
                }
            }
        }
        let r = m
            .store()
            .import_room_keys(exported, Some(version.as_str()), |_, _| {})
            .await
            .map_err(err("cannot import the room keys"))?;
        let keys: Vec<Value> = r
            .keys
            .iter()
            .flat_map(|(room, by_sender)| {
                by_sender.values().flatten().map(move |s| json!({ "room_id": room, "session_id": s }))
            })
            .collect();
        Ok(to_json(&json!({
            "imported": r.imported_count,
            "total": r.total_count,
            "failed": failed,
            "keys": keys,
        })))
    }
}
