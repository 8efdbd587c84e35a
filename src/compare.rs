//! Comparing two secrets or two folders, in the same or other mounts, KV versions or servers, without
//! showing a value; and promoting what differs from one side to the other with check-and-set.
//!
//! Values are compared in memory as JSON values: strings by their text, numbers by their numeric value
//! (`1` and `1.0` are equal, `"1"` and `1` are not), objects whatever their key order, arrays in order.
//! Nothing derived from a value (not even a hash) is kept in a [`Comparison`]: only key names and verdicts,
//! and the versions read, for promoting with check-and-set.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};
use serde_json::Value;

use crate::secret::{SecretData, SecretValue};
use crate::vault::VaultError;
use crate::vault::kv::{KvVersion, Mount, Vault};
use crate::vault::walk::{WalkOptions, walk_detailed};
use crate::vault::write::Expected;

/// Secrets read at the same time (the bound `ls -r` uses for its walk).
pub const CONCURRENCY: usize = crate::vault::walk::DEFAULT_CONCURRENCY;

/// One side of a comparison: a secret or a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Its mount.
    pub mount: Mount,
    /// The path in the mount (`""`: the mount's root folder).
    pub path: String,
    /// True for a folder.
    pub is_folder: bool,
}

impl Place {
    /// `mount/path` (with a trailing `/` for a folder).
    pub fn display(&self) -> String {
        let base = if self.path.is_empty() {
            self.mount.path.clone()
        } else {
            format!("{}/{}", self.mount.path, self.path)
        };
        if self.is_folder { format!("{base}/") } else { base }
    }

    /// The path in the mount of a secret `rel` below this place (the place itself for a secret).
    pub fn secret_path(&self, rel: &str) -> String {
        match (self.is_folder, self.path.is_empty()) {
            (false, _) => self.path.clone(),
            (true, true) => rel.to_string(),
            (true, false) => format!("{}/{rel}", self.path),
        }
    }
}

/// Finds what `full` (`mount/path`, a trailing `/` for a folder) names: a secret if one is there, else a
/// folder.
pub async fn place(vault: &Vault, full: &str) -> Result<Place, VaultError> {
    let (mount, path) = vault.locate(full).await?;
    if full.ends_with('/') || path.is_empty() {
        return Ok(Place { mount, path, is_folder: true });
    }
    let is_secret = vault.exists(&mount, &path).await?;
    Ok(Place { mount, path, is_folder: !is_secret })
}

/// What a key or a secret is on the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Only on side A.
    OnlyA,
    /// Only on side B.
    OnlyB,
    /// On both, not equal.
    Different,
    /// On both, equal.
    Equal,
}

impl State {
    /// The word shown for it.
    pub fn word(self) -> &'static str {
        match self {
            Self::OnlyA => "only in A",
            Self::OnlyB => "only in B",
            Self::Different => "different",
            Self::Equal => "equal",
        }
    }

    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Self::OnlyA => "only_a",
            Self::OnlyB => "only_b",
            Self::Different => "different",
            Self::Equal => "equal",
        }
    }
}

/// One key of a secret on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDiff {
    /// The key.
    pub key: String,
    /// Its state.
    pub state: State,
    /// The key on the other side has the same name but for case (`DB_HOST` / `db_host`).
    pub case_twin: Option<String>,
}

/// One secret (a path relative to the compared folders) on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDiff {
    /// The path relative to the compared folders (`""` when two secrets were compared).
    pub rel: String,
    /// Its state; `None` when a side could not be read.
    pub state: Option<State>,
    /// Why a side could not be read (`(side, reason)`), never a value.
    pub unreadable: Option<(char, String)>,
    /// Every key of either side, sorted, differences first.
    pub keys: Vec<KeyDiff>,
    /// The version read on each side (KV v2), for check-and-set.
    pub versions: (Option<u64>, Option<u64>),
    /// B's data as read, when B is KV v1 (no versions): promoting checks it is still there. In memory
    /// only, in zeroizing buffers; never shown.
    seen_b_v1: Option<SecretData>,
}

/// A whole comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Side A.
    pub a: Place,
    /// Side B.
    pub b: Place,
    /// Every secret of either side, sorted by path, differences first.
    pub secrets: Vec<SecretDiff>,
    /// Folders (mount-relative) a side could not list, by side.
    pub denied: Vec<(char, String)>,
}

impl Comparison {
    /// True when every secret and key is equal and nothing was unreadable.
    pub fn equal(&self) -> bool {
        self.complete() && self.secrets.iter().all(|s| s.state == Some(State::Equal))
    }

    /// True when every secret of both sides was read and every folder listed.
    pub fn complete(&self) -> bool {
        self.denied.is_empty() && self.secrets.iter().all(|s| s.unreadable.is_none())
    }

    /// How many secrets are in each state (unreadable ones apart).
    pub fn counts(&self) -> BTreeMap<State, usize> {
        let mut m = BTreeMap::new();
        for s in &self.secrets {
            if let Some(st) = s.state {
                *m.entry(st).or_insert(0) += 1;
            }
        }
        m
    }
}

/// True when two stored values are equal as JSON values (see the module docs).
pub fn values_equal(a: &SecretValue, b: &SecretValue) -> bool {
    if a.json_text() == b.json_text() {
        return true;
    }
    match (a.is_string(), b.is_string()) {
        // Strings: by their text (escapes may differ), compared in zeroizing buffers.
        (true, true) => a.reveal() == b.reveal(),
        (false, false) => {
            match (serde_json::from_str::<Value>(a.json_text()), serde_json::from_str::<Value>(b.json_text()))
            {
                (Ok(x), Ok(y)) => json_equal(&x, &y),
                _ => false,
            }
        }
        _ => false,
    }
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(p), Some(q), _, _) => p == q,
            (_, _, Some(p), Some(q)) => p == q,
            _ => x.as_f64().zip(y.as_f64()).is_some_and(|(p, q)| p == q),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Compares the keys of two secrets' data.
pub fn compare_data(a: &SecretData, b: &SecretData) -> Vec<KeyDiff> {
    let mut out = Vec::new();
    for (k, va) in &a.pairs {
        let state = match b.get(k) {
            Some(vb) if values_equal(va, vb) => State::Equal,
            Some(_) => State::Different,
            None => State::OnlyA,
        };
        out.push(KeyDiff { key: k.clone(), state, case_twin: None });
    }
    for (k, _) in &b.pairs {
        if a.get(k).is_none() {
            out.push(KeyDiff { key: k.clone(), state: State::OnlyB, case_twin: None });
        }
    }
    // Keys that differ only by case are told apart, and said to.
    let names: Vec<(String, State)> = out.iter().map(|d| (d.key.clone(), d.state)).collect();
    for d in &mut out {
        let other = match d.state {
            State::OnlyA => State::OnlyB,
            State::OnlyB => State::OnlyA,
            _ => continue,
        };
        d.case_twin = names
            .iter()
            .find(|(n, s)| *s == other && n != &d.key && n.eq_ignore_ascii_case(&d.key))
            .map(|(n, _)| n.clone());
    }
    out.sort_by(|x, y| (x.state == State::Equal, &x.key).cmp(&(y.state == State::Equal, &y.key)));
    out
}

/// What reading one side of a secret gave.
enum Read {
    Absent,
    Data(SecretData, Option<u64>),
    Unreadable(String),
}

async fn read_side(vault: &Vault, mount: &Mount, path: &str) -> Read {
    match vault.read(mount, path, None).await {
        Ok(r) => match r.data {
            Some(d) => Read::Data(d, r.version.map(|v| v.version)),
            None => Read::Absent,
        },
        Err(VaultError::NotFound { .. }) => Read::Absent,
        Err(e) => Read::Unreadable(e.to_string()),
    }
}

/// Compares `a` (on `va`) with `b` (on `vb`): two secrets, or two folders walked with the bounded walk of
/// `ls -r` and their secrets read [`CONCURRENCY`] at a time on each side.
pub async fn compare(va: &Vault, a: &Place, vb: &Vault, b: &Place) -> Result<Comparison, VaultError> {
    if a.is_folder != b.is_folder {
        return Err(VaultError::Invalid(format!(
            "compare a secret with a secret, or a folder with a folder: {} is a {}, {} a {}",
            a.display(),
            if a.is_folder { "folder" } else { "secret" },
            b.display(),
            if b.is_folder { "folder" } else { "secret" }
        )));
    }
    let mut denied = Vec::new();
    let rels: Vec<String> = if a.is_folder {
        let opts = WalkOptions::default();
        let (wa, wb) = tokio::join!(
            walk_detailed(va, &a.mount, &a.path, &opts, None),
            walk_detailed(vb, &b.mount, &b.path, &opts, None)
        );
        let mut all = std::collections::BTreeSet::new();
        for (side, place, w) in [('A', a, wa?), ('B', b, wb?)] {
            let prefix = if place.path.is_empty() { String::new() } else { format!("{}/", place.path) };
            denied.extend(w.denied.into_iter().map(|d| (side, d)));
            all.extend(w.secrets.into_iter().filter_map(|s| s.strip_prefix(&prefix).map(str::to_string)));
        }
        all.into_iter().filter(|r| !crate::vault::write::is_placeholder(r)).collect()
    } else {
        vec![String::new()]
    };
    let results: Vec<SecretDiff> = stream::iter(rels.into_iter().map(|rel| async move {
        let (pa, pb) = (a.secret_path(&rel), b.secret_path(&rel));
        let (ra, rb) = tokio::join!(read_side(va, &a.mount, &pa), read_side(vb, &b.mount, &pb));
        diff_of(rel, ra, rb)
    }))
    .buffered(CONCURRENCY)
    .collect()
    .await;
    let mut secrets = results;
    secrets.sort_by(|x, y| {
        (x.state == Some(State::Equal), &x.rel).cmp(&(y.state == Some(State::Equal), &y.rel))
    });
    Ok(Comparison { a: a.clone(), b: b.clone(), secrets, denied })
}

fn diff_of(rel: String, ra: Read, rb: Read) -> SecretDiff {
    let mut d = SecretDiff {
        rel,
        state: None,
        unreadable: None,
        keys: Vec::new(),
        versions: (None, None),
        seen_b_v1: None,
    };
    match (ra, rb) {
        (Read::Unreadable(e), _) => d.unreadable = Some(('A', e)),
        (_, Read::Unreadable(e)) => d.unreadable = Some(('B', e)),
        (Read::Absent, Read::Absent) => d.unreadable = Some(('A', "gone from both sides".to_string())),
        (Read::Data(x, v), Read::Absent) => {
            d.state = Some(State::OnlyA);
            d.versions.0 = v;
            d.keys = compare_data(&x, &SecretData::default());
        }
        (Read::Absent, Read::Data(y, v)) => {
            d.state = Some(State::OnlyB);
            d.versions.1 = v;
            d.keys = compare_data(&SecretData::default(), &y);
        }
        (Read::Data(x, v1), Read::Data(y, v2)) => {
            d.keys = compare_data(&x, &y);
            d.versions = (v1, v2);
            if v2.is_none() {
                d.seen_b_v1 = Some(y);
            }
            d.state = Some(if d.keys.iter().all(|k| k.state == State::Equal) {
                State::Equal
            } else {
                State::Different
            });
        }
    }
    d
}

/// What promoting one secret does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The path relative to the compared folders.
    pub rel: String,
    /// The keys written to B (their values from A).
    pub keys: Vec<String>,
    /// True when B's secret does not exist yet (created).
    pub create: bool,
}

/// The plan of a promotion from A to B: for each secret that differs or is only in A, the keys to carry
/// (all of A's differing and missing keys, or only `only_keys`). B's other keys stay; nothing only in B is
/// deleted.
pub fn plan(c: &Comparison, only_keys: &[String]) -> Vec<Step> {
    c.secrets
        .iter()
        .filter(|s| matches!(s.state, Some(State::OnlyA | State::Different)))
        .filter_map(|s| {
            let keys: Vec<String> = s
                .keys
                .iter()
                .filter(|k| matches!(k.state, State::OnlyA | State::Different))
                .filter(|k| only_keys.is_empty() || only_keys.contains(&k.key))
                .map(|k| k.key.clone())
                .collect();
            (!keys.is_empty()).then(|| Step {
                rel: s.rel.clone(),
                keys,
                create: s.state == Some(State::OnlyA),
            })
        })
        .collect()
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Written and read back as planned (the new version on KV v2).
    Done(Option<u64>),
    /// B changed since the comparison: nothing was written.
    ChangedMeanwhile,
    /// The write's answer never came: it may have been written.
    MaybeWritten(String),
    /// Failed: nothing was written.
    Failed(String),
}

/// Carries each step from A to B: A's values of the step's keys merged into B's data as read now, written
/// with check-and-set against the version (KV v2) or the data (KV v1) seen at the comparison, then read back
/// and checked. A secret that changed in A or B since the comparison is reported, not overwritten.
pub async fn promote(va: &Vault, vb: &Vault, c: &Comparison, steps: &[Step]) -> Vec<(Step, StepOutcome)> {
    let mut out = Vec::new();
    for step in steps {
        let outcome = promote_one(va, vb, c, step).await;
        out.push((step.clone(), outcome));
    }
    out
}

async fn promote_one(va: &Vault, vb: &Vault, c: &Comparison, step: &Step) -> StepOutcome {
    let Some(seen) = c.secrets.iter().find(|s| s.rel == step.rel) else {
        return StepOutcome::Failed("not in the comparison".to_string());
    };
    let (pa, pb) = (c.a.secret_path(&step.rel), c.b.secret_path(&step.rel));
    let source = match va.read(&c.a.mount, &pa, seen.versions.0).await {
        Ok(r) => match r.data {
            Some(d) => d,
            None => return StepOutcome::Failed("A's secret is gone".to_string()),
        },
        Err(e) => return StepOutcome::Failed(format!("cannot read A: {e}")),
    };
    // B as it is now: it must be what the comparison saw.
    let (current, expected) = match vb.read(&c.b.mount, &pb, None).await {
        Ok(r) => {
            let version = r.version.as_ref().map(|v| v.version);
            let data = r.data.unwrap_or_default();
            if step.create || (c.b.mount.version == KvVersion::V2 && version != seen.versions.1) {
                return StepOutcome::ChangedMeanwhile;
            }
            let expected = match (c.b.mount.version, version) {
                (KvVersion::V2, Some(v)) => Expected::Version(v),
                _ => Expected::Data(data.clone()),
            };
            (data, expected)
        }
        Err(VaultError::NotFound { .. }) if step.create => (SecretData::default(), Expected::Absent),
        Err(VaultError::NotFound { .. }) => return StepOutcome::ChangedMeanwhile,
        Err(e) => return StepOutcome::Failed(format!("cannot read B: {e}")),
    };
    if c.b.mount.version == KvVersion::V1 && !step.create && seen.seen_b_v1.as_ref() != Some(&current) {
        // KV v1 has no versions: B's data must still be what the comparison compared.
        return StepOutcome::ChangedMeanwhile;
    }
    let mut merged = current;
    for k in &step.keys {
        let Some(v) = source.get(k) else { return StepOutcome::Failed(format!("A has no key {k} any more")) };
        match merged.pairs.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v.clone(),
            None => merged.pairs.push((k.clone(), v.clone())),
        }
    }
    match vb.write(&c.b.mount, &pb, &merged, &expected).await {
        Ok(w) => match vb.read(&c.b.mount, &pb, None).await {
            Ok(r)
                if r.data
                    .as_ref()
                    .is_some_and(|d| compare_data(&merged, d).iter().all(|k| k.state == State::Equal)) =>
            {
                StepOutcome::Done(w.version)
            }
            Ok(_) => StepOutcome::Failed("written, but reading it back gave other data".to_string()),
            Err(e) => StepOutcome::Failed(format!("written, but it could not be read back: {e}")),
        },
        Err(VaultError::CasMismatch { .. }) => StepOutcome::ChangedMeanwhile,
        Err(e) if e.may_have_written() => StepOutcome::MaybeWritten(e.to_string()),
        Err(e) => StepOutcome::Failed(e.to_string()),
    }
}

/// The data of a draft compared with what the server held when it was loaded: per key, added (only in the
/// draft: [`State::OnlyA`]), removed ([`State::OnlyB`]), changed, unchanged. The editor's confirm step uses
/// the same verdicts as a comparison.
pub fn draft_changes(draft: &SecretData, loaded: &SecretData) -> Vec<KeyDiff> {
    compare_data(draft, loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn data(json: &str) -> SecretData {
        SecretData::from_json_object(json).unwrap()
    }

    #[test]
    fn values_compare_as_json() {
        let eq =
            |a: &str, b: &str| values_equal(&SecretValue::from_json_text(a), &SecretValue::from_json_text(b));
        assert!(eq("1", "1.0") && eq("10", "1e1"));
        assert!(!eq("\"1\"", "1"), "a string is not a number");
        assert!(eq("{\"a\":1,\"b\":[1,2]}", "{ \"b\": [1, 2], \"a\": 1 }"), "key order and spaces");
        assert!(!eq("[1,2]", "[2,1]"), "arrays in order");
        assert!(eq("\"\\u0041\"", "\"A\""), "escapes");
        assert!(!eq("true", "\"true\""));
        assert!(eq("null", "null"));
    }

    #[test]
    fn keys_and_case_twins() {
        let d = compare_data(
            &data(r#"{"A":"1","B":"x","db_host":"h","SAME":2}"#),
            &data(r#"{"A":"2","C":"y","DB_HOST":"h","SAME":2.0}"#),
        );
        let get = |k: &str| d.iter().find(|x| x.key == k).unwrap().clone();
        assert_eq!(get("A").state, State::Different);
        assert_eq!(get("B").state, State::OnlyA);
        assert_eq!(get("C").state, State::OnlyB);
        assert_eq!(get("SAME").state, State::Equal);
        assert_eq!(get("db_host").case_twin.as_deref(), Some("DB_HOST"));
        assert_eq!(d.last().unwrap().key, "SAME", "differences first");
    }

    proptest! {
        #[test]
        fn a_secret_equals_itself_and_differs_from_any_change(
            pairs in proptest::collection::btree_map("[A-Z]{1,6}", "[ -~]{0,12}", 1..6),
            change in any::<proptest::sample::Index>(),
        ) {
            let obj: serde_json::Map<String, Value> = pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            let a = SecretData::from_value(&Value::Object(obj.clone())).unwrap();
            prop_assert!(compare_data(&a, &a).iter().all(|k| k.state == State::Equal));
            let mut changed = obj;
            let key = pairs.keys().nth(change.index(pairs.len())).unwrap().clone();
            changed.insert(key.clone(), Value::String(format!("{}-x", pairs[&key])));
            let b = SecretData::from_value(&Value::Object(changed)).unwrap();
            let d = compare_data(&a, &b);
            prop_assert_eq!(d.iter().filter(|k| k.state == State::Different).map(|k| k.key.clone()).collect::<Vec<_>>(), vec![key]);
        }
    }
}
