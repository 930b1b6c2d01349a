//! Cross-signing, trust and interactive (SAS) verification over the same Olm machine.
//! Like the rest of the binding: JSON text in and out, no network. Requests the machine makes
//! are described as {kind, id, body, ...} (the shape lib.rs's `describe_outgoing` uses), the
//! daemon sends them and hands the answer back through `mark_request_as_sent`, except the
//! cross-signing key upload, whose answer comes back through `mark_signing_keys_uploaded`
//! (it needs user-interactive auth, so the daemon sends it itself).

use matrix_sdk_crypto::{
    types::requests::{AnyIncomingResponse, OutgoingRequest, OutgoingVerificationRequest},
    CancelInfo, Sas, SasState, UserIdentity, Verification, VerificationRequest,
    VerificationRequestState,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use ruma::{
    api::{client::keys::upload_signing_keys, IncomingResponse},
    events::{
        key::verification::{cancel::CancelCode, VerificationMethod},
        room::message::RoomMessageEventContent,
        AnyMessageLikeEvent,
    },
    serde::Raw,
    DeviceId, EventId, OwnedUserId, RoomId, TransactionId, UserId,
};
use serde_json::{json, Value};

use crate::{describe_outgoing, err, parse_users, to_json, CryptoMachine};

/// Parley compares emoji or numbers; QR codes are not offered.
fn methods() -> Vec<VerificationMethod> {
    vec![VerificationMethod::SasV1]
}

fn user(u: &str) -> Result<OwnedUserId> {
    UserId::parse(u).map_err(err("bad user id"))
}

fn verification_request_json(r: OutgoingVerificationRequest) -> Value {
    describe_outgoing(&OutgoingRequest::from(r)).unwrap_or(Value::Null)
}

fn requests_json(rs: impl IntoIterator<Item = OutgoingVerificationRequest>) -> Value {
    Value::Array(rs.into_iter().map(verification_request_json).collect())
}

fn cancel_json(c: &CancelInfo) -> Value {
    json!({ "code": c.cancel_code().as_str(), "reason": c.reason(), "by_us": c.cancelled_by_us() })
}

fn sas_json(sas: &Sas) -> Value {
    let (phase, cancel) = match sas.state() {
        SasState::Created { .. } => ("sas_created", None),
        SasState::Started { .. } => ("sas_started", None),
        SasState::Accepted { .. } => ("sas_accepted", None),
        SasState::KeysExchanged { .. } => ("keys_exchanged", None),
        SasState::Confirmed => ("confirmed", None),
        SasState::Done { .. } => ("done", None),
        SasState::Cancelled(c) => ("cancelled", Some(cancel_json(&c))),
    };
    let emoji: Option<Vec<Value>> = sas.emoji().map(|e| {
        e.iter().map(|e| json!({ "symbol": e.symbol, "description": e.description })).collect()
    });
    json!({
        "phase": phase,
        "we_started": sas.we_started(),
        "device_id": sas.other_device_id(),
        "emoji": emoji,
        "decimals": sas.decimals().map(|(a, b, c)| vec![a, b, c]),
        "cancel": cancel,
    })
}

fn request_json(r: &VerificationRequest) -> Value {
    let (phase, sas, cancel) = match r.state() {
        VerificationRequestState::Created { .. } => ("created", None, None),
        VerificationRequestState::Requested { .. } => ("requested", None, None),
        VerificationRequestState::Ready { .. } => ("ready", None, None),
        VerificationRequestState::Transitioned { verification, .. } => match verification {
            Verification::SasV1(s) => ("transitioned", Some(sas_json(&s)), None),
            #[allow(unreachable_patterns)]
            _ => ("transitioned", None, None),
        },
        VerificationRequestState::Done => ("done", None, None),
        VerificationRequestState::Cancelled(c) => ("cancelled", None, Some(cancel_json(&c))),
    };
    json!({
        "flow_id": r.flow_id().as_str(),
        "user_id": r.other_user(),
        "device_id": r.other_device_id(),
        "room_id": r.room_id(),
        "we_started": r.we_started(),
        "self_verification": r.is_self_verification(),
        "phase": phase,
        "sas": sas,
        "cancel": cancel,
    })
}

#[napi]
impl CryptoMachine {
    /// Makes (or, with `reset`, replaces) our cross-signing identity. Returns
    /// {keys_upload: request|null, signing_keys: body, signatures: request}, to be sent in that
    /// order; the signing-keys body goes to /keys/device_signing/upload with the user's auth.
    #[napi]
    pub async fn bootstrap_cross_signing(&self, reset: bool) -> Result<String> {
        let m = self.machine()?;
        let r = m.bootstrap_cross_signing(reset).await.map_err(err("bootstrap cross-signing"))?;
        let mut signing = serde_json::Map::new();
        let k = &r.upload_signing_keys_req;
        if let Some(v) = &k.master_key {
            signing.insert("master_key".into(), json!(v));
        }
        if let Some(v) = &k.self_signing_key {
            signing.insert("self_signing_key".into(), json!(v));
        }
        if let Some(v) = &k.user_signing_key {
            signing.insert("user_signing_key".into(), json!(v));
        }
        let signatures = describe_outgoing(&OutgoingRequest::from(r.upload_signatures_req));
        Ok(to_json(&json!({
            "keys_upload": r.upload_keys_req.as_ref().and_then(describe_outgoing),
            "signing_keys": Value::Object(signing),
            "signatures": signatures,
        })))
    }

    /// The server took our cross-signing keys: the machine marks its identity as shared.
    #[napi]
    pub async fn mark_signing_keys_uploaded(&self, body: String) -> Result<()> {
        let m = self.machine()?;
        let http = http::Response::builder()
            .status(200)
            .body(body.into_bytes())
            .map_err(err("response"))?;
        let r = upload_signing_keys::v3::Response::try_from_http_response(http)
            .map_err(err("unreadable response"))?;
        let txn = TransactionId::new();
        m.mark_request_as_sent(&txn, AnyIncomingResponse::SigningKeysUpload(&r))
            .await
            .map_err(err("mark as sent"))?;
        Ok(())
    }

    /// {has_master, has_self_signing, has_user_signing, device_cross_signed, master_key}
    #[napi]
    pub async fn cross_signing_status(&self) -> Result<String> {
        let m = self.machine()?;
        let s = m.cross_signing_status().await;
        let own = m
            .get_device(m.user_id(), m.device_id(), None)
            .await
            .map_err(err("own device"))?;
        let identity = m.get_identity(m.user_id(), None).await.map_err(err("own identity"))?;
        Ok(to_json(&json!({
            "has_master": s.has_master,
            "has_self_signing": s.has_self_signing,
            "has_user_signing": s.has_user_signing,
            "device_cross_signed": own.as_ref().is_some_and(|d| d.is_cross_signed_by_owner()),
            "master_key": identity.map(|i| master_key_of(&i)),
        })))
    }

    /// Every device of `user_id` the machine knows:
    /// [{device_id, display_name, ed25519, curve25519, verified, cross_signed, locally_trusted, blacklisted, own}]
    #[napi]
    pub async fn devices(&self, user_id: String) -> Result<String> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        let devices = m.get_user_devices(&u, None).await.map_err(err("devices"))?;
        let out: Vec<Value> = devices
            .devices()
            .filter(|d| !d.is_deleted())
            .map(|d| {
                json!({
                    "device_id": d.device_id(),
                    "display_name": d.display_name(),
                    "ed25519": d.ed25519_key().map(|k| k.to_base64()),
                    "curve25519": d.curve25519_key().map(|k| k.to_base64()),
                    "verified": d.is_verified(),
                    "cross_signed": d.is_cross_signed_by_owner(),
                    "locally_trusted": d.is_locally_trusted(),
                    "blacklisted": d.is_blacklisted(),
                    "own": d.is_our_own_device(),
                })
            })
            .collect();
        Ok(to_json(&Value::Array(out)))
    }

    /// Per user (JSON array of ids): {user_id, has_identity, verified, was_verified, changed, master_key}.
    /// `changed`: a user we verified now shows another identity (a verification violation).
    #[napi]
    pub async fn user_trust(&self, users: String) -> Result<String> {
        let m = self.machine()?;
        let users = parse_users(&users)?;
        let mut out = Vec::with_capacity(users.len());
        for u in &users {
            let identity = m.get_identity(u, None).await.map_err(err("identity"))?;
            out.push(match identity {
                Some(i) => json!({
                    "user_id": u,
                    "has_identity": true,
                    "verified": i.is_verified(),
                    "was_verified": i.was_previously_verified(),
                    "changed": i.has_verification_violation(),
                    "master_key": master_key_of(&i),
                }),
                None => json!({
                    "user_id": u, "has_identity": false, "verified": false,
                    "was_verified": false, "changed": false, "master_key": null,
                }),
            });
        }
        Ok(to_json(&Value::Array(out)))
    }

    /// Accepts a verified user's new identity (after the warning): it is pinned and no longer
    /// counts as changed; it is not verified until a new verification.
    #[napi]
    pub async fn accept_identity_change(&self, user_id: String) -> Result<()> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        if let Some(i) = m.get_identity(&u, None).await.map_err(err("identity"))? {
            i.withdraw_verification().await.map_err(err("withdraw verification"))?;
            i.pin().await.map_err(err("pin identity"))?;
        }
        Ok(())
    }

    /// Starts a to-device verification with one device of a user, or with all our other devices
    /// (`device_id` null and the user is us). Returns {flow_id, requests}.
    #[napi]
    pub async fn request_device_verification(
        &self,
        user_id: String,
        device_id: Option<String>,
    ) -> Result<String> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        let (request, outgoing) = match device_id {
            Some(d) => {
                let d: &DeviceId = d.as_str().into();
                let device = m
                    .get_device(&u, d, None)
                    .await
                    .map_err(err("device"))?
                    .ok_or_else(|| Error::from_reason("no such device (its keys are unknown)"))?;
                device.request_verification_with_methods(methods())
            }
            None => {
                let own = m
                    .get_identity(&u, None)
                    .await
                    .map_err(err("identity"))?
                    .and_then(UserIdentity::own)
                    .ok_or_else(|| Error::from_reason("no own cross-signing identity to verify with"))?;
                own.request_verification_with_methods(methods())
                    .await
                    .map_err(err("request verification"))?
            }
        };
        Ok(to_json(&json!({
            "flow_id": request.flow_id().as_str(),
            "requests": requests_json([outgoing]),
        })))
    }

    /// The m.room.message content (msgtype m.key.verification.request) that starts an in-room
    /// verification with `user_id`; once sent, `track_room_verification` follows it.
    #[napi]
    pub async fn room_verification_content(&self, user_id: String) -> Result<String> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        let other = m
            .get_identity(&u, None)
            .await
            .map_err(err("identity"))?
            .and_then(UserIdentity::other)
            .ok_or_else(|| {
                Error::from_reason("this user has no cross-signing identity to verify")
            })?;
        let content = RoomMessageEventContent::new(other.verification_request_content(Some(methods())));
        Ok(serde_json::to_string(&content).map_err(err("content"))?)
    }

    /// After the request content was sent as `event_id` in `room_id`: the request to follow.
    #[napi]
    pub async fn track_room_verification(
        &self,
        user_id: String,
        room_id: String,
        event_id: String,
    ) -> Result<String> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        let room = RoomId::parse(&room_id).map_err(err("bad room id"))?;
        let event = EventId::parse(&event_id).map_err(err("bad event id"))?;
        let other = m
            .get_identity(&u, None)
            .await
            .map_err(err("identity"))?
            .and_then(UserIdentity::other)
            .ok_or_else(|| Error::from_reason("this user has no cross-signing identity"))?;
        let request = other.request_verification(&room, &event, Some(methods()));
        Ok(to_json(&request_json(&request)))
    }

    /// An in-room verification event (m.key.verification.*, or the request message), in clear
    /// (decrypted first when it came encrypted), with its room_id.
    #[napi]
    pub async fn receive_verification_event(&self, event: String) -> Result<()> {
        let m = self.machine()?;
        let raw: Raw<AnyMessageLikeEvent> = Raw::from_json_string(event).map_err(err("bad event"))?;
        let e = raw.deserialize().map_err(err("unreadable verification event"))?;
        m.receive_verification_event(&e).await.map_err(err("verification event"))
    }

    /// Every verification request with these users (JSON array of ids), as the machine sees it now.
    #[napi]
    pub fn verifications(&self, users: String) -> Result<String> {
        let m = self.machine()?;
        let users = parse_users(&users)?;
        let out: Vec<Value> = users
            .iter()
            .flat_map(|u| m.get_verification_requests(u))
            .map(|r| request_json(&r))
            .collect();
        Ok(to_json(&Value::Array(out)))
    }

    /// The next step the user agreed to: accept their request, or accept the SAS they started.
    /// Returns the requests to send (empty when there was nothing to accept).
    #[napi]
    pub fn verification_accept(&self, user_id: String, flow_id: String) -> Result<String> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        if let Some(Verification::SasV1(sas)) = m.get_verification(&u, &flow_id) {
            if !sas.we_started() && matches!(sas.state(), SasState::Started { .. }) {
                return Ok(to_json(&requests_json(sas.accept())));
            }
        }
        let request = m
            .get_verification_request(&u, &flow_id)
            .ok_or_else(|| Error::from_reason("no such verification"))?;
        Ok(to_json(&requests_json(request.accept_with_methods(methods()))))
    }

    /// Starts the emoji comparison on a ready request. Returns the requests to send.
    #[napi]
    pub async fn verification_start_sas(&self, user_id: String, flow_id: String) -> Result<String> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        let request = m
            .get_verification_request(&u, &flow_id)
            .ok_or_else(|| Error::from_reason("no such verification"))?;
        let started = request.start_sas().await.map_err(err("start SAS"))?;
        Ok(to_json(&requests_json(started.map(|(_, r)| r))))
    }

    /// The emoji match: sends our MAC; once both sides confirmed, the other device (and user)
    /// become verified and a signature upload may follow. Returns {requests, signatures}.
    #[napi]
    pub async fn verification_confirm(&self, user_id: String, flow_id: String) -> Result<String> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        let Some(Verification::SasV1(sas)) = m.get_verification(&u, &flow_id) else {
            return Err(Error::from_reason("no emoji comparison in progress"));
        };
        let (requests, signatures) = sas.confirm().await.map_err(err("confirm"))?;
        Ok(to_json(&json!({
            "requests": requests_json(requests),
            "signatures": signatures.map(|s| describe_outgoing(&OutgoingRequest::from(s))),
        })))
    }

    /// Cancels: `mismatch` when the emoji differ (m.mismatched_sas), else the user's cancel.
    /// Returns the requests to send.
    #[napi]
    pub fn verification_cancel(&self, user_id: String, flow_id: String, mismatch: bool) -> Result<String> {
        let m = self.machine()?;
        let u = user(&user_id)?;
        if let Some(Verification::SasV1(sas)) = m.get_verification(&u, &flow_id) {
            let code = if mismatch { CancelCode::MismatchedSas } else { CancelCode::User };
            if let Some(r) = sas.cancel_with_code(code) {
                return Ok(to_json(&requests_json([r])));
            }
        }
        let request = m
            .get_verification_request(&u, &flow_id)
            .ok_or_else(|| Error::from_reason("no such verification"))?;
        Ok(to_json(&requests_json(request.cancel())))
    }
}

/// The user's master key (base64), the identity a warning is about.
fn master_key_of(i: &UserIdentity) -> Option<String> {
    let master = match i {
        UserIdentity::Own(o) => o.master_key().get_first_key(),
        UserIdentity::Other(o) => o.master_key().get_first_key(),
    };
    master.map(|k| k.to_base64())
}
