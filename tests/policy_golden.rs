//! Golden tests of the generated modes policy: KV v1 and v2, odd characters (quotes, backslashes, spaces,
//! unicode, `${`), glob characters (left out when no exact rule can name them), deterministic order.

use sesame::vault::KvVersion;
use sesame::vault::modes::Mode;
use sesame::vault::policy::{self, ModeEntry};

fn e(mount: &str, version: KvVersion, path: &str, mode: Mode) -> ModeEntry {
    ModeEntry { mount: mount.into(), version, path: path.into(), mode }
}

fn entries() -> Vec<ModeEntry> {
    use KvVersion::{V1, V2};
    use Mode::{KeyOnly, None, ReadOnly};
    vec![
        e("secret", V2, "teams/ml/huggingface", KeyOnly),
        e("secret", V2, "apps/web/database", ReadOnly),
        e("secret", V2, "odd/quote\"back\\slash", ReadOnly),
        e("secret", V2, "odd/sp ace/ünïcødé 😀", KeyOnly),
        e("secret", V2, "odd/dollar${HOME}", ReadOnly),
        e("secret", V2, "odd/a+b", ReadOnly),
        e("secret", V2, "odd/+lead", ReadOnly),
        e("secret", V2, "odd/q*r/in", ReadOnly),
        e("secret", V2, "glob/star*", ReadOnly),
        e("secret", V2, "glob/+/seg", KeyOnly),
        e("secret", V2, "glob/x+*y", ReadOnly),
        e("secret", V2, "plain/none", None),
        e("legacy", V1, "ci/jenkins", ReadOnly),
        e("legacy", V1, "nom avec espace é", KeyOnly),
        e("legacy", V1, "ci/jenkins", ReadOnly),
    ]
}

#[test]
fn generated_policy_golden() {
    let g = policy::generate("sesame-modes", &entries());
    insta::assert_snapshot!("modes_policy", g.hcl);
    assert_eq!(g.secrets, 10);
    let skipped: Vec<&str> = g.skipped.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(skipped, ["secret/glob/+/seg", "secret/glob/star*", "secret/glob/x+*y"]);
}

#[test]
fn output_is_deterministic_and_parses_back() {
    let mut shuffled = entries();
    shuffled.reverse();
    let a = policy::generate("p", &entries());
    let b = policy::generate("p", &shuffled);
    assert_eq!(a.hcl, b.hcl);
    let mut rules = a.rules.clone();
    rules.sort();
    assert_eq!(policy::parse_rules(&a.hcl).unwrap(), rules);
    // Every path of the odd names comes back exactly.
    for want in [
        "secret/data/odd/quote\"back\\slash",
        "secret/metadata/odd/sp ace/ünïcødé 😀",
        "secret/data/odd/dollar${HOME}",
    ] {
        assert!(rules.iter().any(|r| r.path == want), "{want}");
    }
    // No path rule ends with a glob or holds a `+` segment.
    for r in &rules {
        assert!(
            !r.path.ends_with('*') && !r.path.split('/').any(|s| s == "+") && !r.path.contains("+*"),
            "{r:?}"
        );
    }
}

#[test]
fn empty_policy_is_only_comments() {
    let g = policy::generate("sesame-modes", &[]);
    assert!(g.rules.is_empty());
    assert!(g.hcl.lines().all(|l| l.starts_with('#') || l.is_empty()), "{}", g.hcl);
    assert!(policy::parse_rules(&g.hcl).unwrap().is_empty());
}
