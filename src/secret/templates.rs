//! Quick-add templates for new Opaque secrets (GitHub token, Hugging Face token, OpenAI key, …).
//!
//! A template pre-fills the conventional key names and checks each value's known shape; a shape that does not
//! match gives a warning, never a refusal (token formats change, old formats stay valid). The templates live in
//! `assets/templates.toml`, embedded at build time, so more can be added without code; [`Templates::from_toml`]
//! reads the same format from elsewhere (e.g. a user's own file).
//!
//! Warnings never quote the value.

use std::sync::OnceLock;

use serde::Deserialize;

/// The embedded templates file.
pub const BUILTIN_TOML: &str = include_str!("../../assets/templates.toml");

/// A set of templates, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Templates {
    /// The templates.
    #[serde(rename = "template", default)]
    pub templates: Vec<Template>,
}

/// One quick-add template.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Unique identifier, e.g. `github`.
    pub id: String,
    /// Menu label, e.g. `GitHub token`.
    pub name: String,
    /// One sentence about it.
    #[serde(default)]
    pub description: String,
    /// A name to propose for the new secret.
    #[serde(default)]
    pub suggested_name: Option<String>,
    /// The keys to pre-fill, in order (none for `custom`).
    #[serde(default)]
    pub keys: Vec<TemplateKey>,
}

/// Character classes a value may be checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Charset {
    /// ASCII letters and digits.
    Alnum,
    /// Hexadecimal digits.
    Hex,
    /// Base64 characters (letters, digits, `+`, `/`, `=`).
    Base64,
    /// Letters, digits, `_` and `-`.
    Token,
    /// Upper-case letters and digits.
    UpperAlnum,
}

impl Charset {
    fn accepts(self, c: char) -> bool {
        match self {
            Self::Alnum => c.is_ascii_alphanumeric(),
            Self::Hex => c.is_ascii_hexdigit(),
            Self::Base64 => c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='),
            Self::Token => c.is_ascii_alphanumeric() || matches!(c, '_' | '-'),
            Self::UpperAlnum => c.is_ascii_uppercase() || c.is_ascii_digit(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Alnum => "letters and digits",
            Self::Hex => "hexadecimal digits",
            Self::Base64 => "letters, digits, '+', '/' and '='",
            Self::Token => "letters, digits, '_' and '-'",
            Self::UpperAlnum => "upper-case letters and digits",
        }
    }
}

fn yes() -> bool {
    true
}

/// One key of a template and the shape its value should have.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateKey {
    /// The key name (an environment-variable name).
    pub name: String,
    /// What to paste, shown under the field.
    #[serde(default)]
    pub hint: String,
    /// Masked while typing (default true).
    #[serde(default = "yes")]
    pub secret: bool,
    /// Must be filled (default true); optional keys left empty are not written.
    #[serde(default = "yes")]
    pub required: bool,
    /// The value should start with one of these.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Exact length in characters.
    #[serde(default)]
    pub len: Option<usize>,
    /// Minimum length in characters.
    #[serde(default)]
    pub min_len: Option<usize>,
    /// Maximum length in characters.
    #[serde(default)]
    pub max_len: Option<usize>,
    /// Characters allowed after the prefix.
    #[serde(default)]
    pub charset: Option<Charset>,
    /// The value should be a URL with one of these schemes.
    #[serde(default)]
    pub url_schemes: Vec<String>,
    /// Explains the expected shape; appended to the shape warnings.
    #[serde(default)]
    pub note: Option<String>,
}

impl TemplateKey {
    /// Checks a value's shape; returns warnings (empty when it looks right). An empty value gives a warning only
    /// for a required key. Warnings never quote the value.
    pub fn check(&self, value: &str) -> Vec<String> {
        let mut w = Vec::new();
        if value.is_empty() {
            if self.required {
                w.push(format!("{} is empty", self.name));
            }
            return w;
        }
        if value.trim() != value {
            w.push("the value starts or ends with spaces or a line break (a paste accident?)".into());
        }
        let v = value.trim();
        let mut shape = Vec::new();
        let rest = if self.prefixes.is_empty() {
            v
        } else {
            match self.prefixes.iter().find(|p| v.starts_with(p.as_str())) {
                Some(p) => &v[p.len()..],
                None => {
                    let list = self.prefixes.join(", ");
                    shape.push(if self.prefixes.len() == 1 {
                        format!("does not start with {list}")
                    } else {
                        format!("does not start with one of {list}")
                    });
                    v
                }
            }
        };
        let n = v.chars().count();
        if let Some(len) = self.len
            && n != len
        {
            shape.push(format!("is {n} characters long, not {len}"));
        }
        if let Some(min) = self.min_len
            && n < min
        {
            shape.push(format!("is {n} characters long, shorter than {min}"));
        }
        if let Some(max) = self.max_len
            && n > max
        {
            shape.push(format!("is {n} characters long, longer than {max}"));
        }
        if let Some(cs) = self.charset
            && !rest.chars().all(|c| cs.accepts(c))
        {
            shape.push(format!("has characters other than {}", cs.describe()));
        }
        if !self.url_schemes.is_empty() {
            match url::Url::parse(v) {
                Ok(u) if self.url_schemes.iter().any(|s| s.eq_ignore_ascii_case(u.scheme())) => {}
                Ok(u) => {
                    shape.push(format!("has the URL scheme {:?}, not a known database scheme", u.scheme()))
                }
                Err(_) => shape.push("is not a URL".into()),
            }
        }
        if !shape.is_empty() {
            let mut msg = format!("{} {}", self.name, shape.join(", "));
            if let Some(note) = &self.note {
                msg.push_str(&format!(" ({note})"));
            }
            w.push(msg);
        }
        w
    }
}

/// Why a templates file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Not valid TOML of the expected shape.
    #[error("templates: {0}")]
    Parse(String),
    /// Valid TOML, but inconsistent (duplicate id, template without a name…).
    #[error("templates: {0}")]
    Invalid(String),
}

impl Templates {
    /// Reads templates from TOML text in the format of `assets/templates.toml`.
    pub fn from_toml(text: &str) -> Result<Self, TemplateError> {
        let t: Templates = toml::from_str(text).map_err(|e| TemplateError::Parse(e.to_string()))?;
        let mut ids = std::collections::HashSet::new();
        for tpl in &t.templates {
            if tpl.id.trim().is_empty() || tpl.name.trim().is_empty() {
                return Err(TemplateError::Invalid("every template needs an id and a name".into()));
            }
            if !ids.insert(tpl.id.as_str()) {
                return Err(TemplateError::Invalid(format!("two templates have the id {:?}", tpl.id)));
            }
            let mut names = std::collections::HashSet::new();
            for k in &tpl.keys {
                if k.name.trim().is_empty() || !names.insert(k.name.as_str()) {
                    return Err(TemplateError::Invalid(format!(
                        "template {:?} has an empty or repeated key name",
                        tpl.id
                    )));
                }
            }
        }
        Ok(t)
    }

    /// The template with this id.
    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Adds the templates of `other`, replacing those with the same id (e.g. a user's file over the built-in
    /// set).
    pub fn merge(&mut self, other: Templates) {
        for t in other.templates {
            match self.templates.iter_mut().find(|x| x.id == t.id) {
                Some(slot) => *slot = t,
                None => self.templates.push(t),
            }
        }
    }
}

/// The built-in templates from `assets/templates.toml` (parsed once).
pub fn builtin() -> Result<&'static Templates, TemplateError> {
    static BUILTIN: OnceLock<Result<Templates, TemplateError>> = OnceLock::new();
    BUILTIN.get_or_init(|| Templates::from_toml(BUILTIN_TOML)).as_ref().map_err(Clone::clone)
}

impl Template {
    /// The key with this name.
    pub fn key(&self, name: &str) -> Option<&TemplateKey> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// Checks every value given as (key, value) pairs against the template; keys the template does not know are
    /// not checked. Returns (key, warning) pairs.
    pub fn check_all<'a>(
        &self,
        values: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<(String, String)> {
        let values: Vec<(&str, &str)> = values.into_iter().collect();
        let mut out = Vec::new();
        for k in &self.keys {
            let v = values.iter().find(|(n, _)| *n == k.name).map(|(_, v)| *v).unwrap_or("");
            out.extend(k.check(v).into_iter().map(|w| (k.name.clone(), w)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_load() {
        let t = builtin().unwrap();
        let ids: Vec<_> = t.templates.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["github", "huggingface", "openai", "datadog", "ngc", "aws", "database", "custom"]);
        assert!(t.get("custom").unwrap().keys.is_empty());
        for tpl in &t.templates {
            for k in &tpl.keys {
                let n = &k.name;
                let first_ok = n.starts_with(|c: char| c.is_ascii_uppercase() || c == '_');
                let env_name =
                    first_ok && n.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                assert!(env_name && n != "_", "{n}");
            }
        }
        let aws = t.get("aws").unwrap();
        assert!(!aws.key("AWS_ACCESS_KEY_ID").unwrap().secret);
        assert!(!aws.key("AWS_SESSION_TOKEN").unwrap().required);
    }

    fn key(tpl: &str, name: &str) -> TemplateKey {
        builtin().unwrap().get(tpl).unwrap().key(name).unwrap().clone()
    }

    #[test]
    fn good_values_give_no_warning() {
        let cases = [
            ("github", "GITHUB_TOKEN", format!("ghp_{}", "a1B2".repeat(9))),
            ("github", "GITHUB_TOKEN", format!("github_pat_{}", "x".repeat(70))),
            ("huggingface", "HF_TOKEN", format!("hf_{}", "aB3".repeat(11) + "z")),
            ("openai", "OPENAI_API_KEY", format!("sk-proj-{}", "Ab_-".repeat(20))),
            ("datadog", "DD_API_KEY", "0123456789abcdef".repeat(2)),
            ("ngc", "NGC_API_KEY", format!("nvapi-{}", "Ab1-".repeat(15))),
            ("aws", "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".into()),
            ("aws", "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
            ("database", "DATABASE_URL", "postgresql://u:p@db.example.com:5432/app".into()),
            ("database", "DATABASE_URL", "mongodb+srv://u:p@cluster0.example.net/app".into()),
        ];
        for (tpl, name, v) in cases {
            assert_eq!(key(tpl, name).check(&v), Vec::<String>::new(), "{tpl} {name}");
        }
        assert!(key("datadog", "DD_APP_KEY").check("").is_empty(), "optional and empty");
    }

    #[test]
    fn odd_values_give_warnings_without_quoting_them() {
        let cases = [
            ("github", "GITHUB_TOKEN", "hunter2-not-a-token", "start with"),
            ("huggingface", "HF_TOKEN", "hf_short", "shorter than 37"),
            ("datadog", "DD_API_KEY", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "hexadecimal"),
            ("aws", "AWS_ACCESS_KEY_ID", "akiaiosfodnn7example", "upper-case"),
            ("aws", "AWS_SECRET_ACCESS_KEY", "tooshort", "not 40"),
            ("database", "DATABASE_URL", "hunter2", "not a URL"),
            ("database", "DATABASE_URL", "https://example.com", "scheme"),
            ("openai", "OPENAI_API_KEY", "", "empty"),
            ("openai", "OPENAI_API_KEY", " sk-proj-abc\n", "paste accident"),
        ];
        for (tpl, name, v, needle) in cases {
            let w = key(tpl, name).check(v);
            let all = w.join(" | ");
            assert!(all.contains(needle), "{tpl} {name}: {all}");
            if v.len() > 4 {
                assert!(!all.contains(v.trim()), "{all}");
            }
        }
    }

    #[test]
    fn check_all_and_merge() {
        let t = builtin().unwrap();
        let aws = t.get("aws").unwrap();
        let w = aws.check_all([("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].0, "AWS_SECRET_ACCESS_KEY");
        let mut mine = t.clone();
        let extra = Templates::from_toml(
            "[[template]]\nid = \"github\"\nname = \"GH\"\n[[template]]\nid = \"x\"\nname = \"X\"\n",
        )
        .unwrap();
        mine.merge(extra);
        assert_eq!(mine.get("github").unwrap().name, "GH");
        assert_eq!(mine.templates.last().unwrap().id, "x");
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(matches!(Templates::from_toml("[[template]]\nid = 1"), Err(TemplateError::Parse(_))));
        assert!(matches!(
            Templates::from_toml("[[template]]\nid = \"a\"\nname = \"A\"\nbogus = 1"),
            Err(TemplateError::Parse(_))
        ));
        let dup = "[[template]]\nid = \"a\"\nname = \"A\"\n[[template]]\nid = \"a\"\nname = \"B\"\n";
        assert!(matches!(Templates::from_toml(dup), Err(TemplateError::Invalid(_))));
        assert_eq!(Templates::from_toml("").unwrap().templates.len(), 0);
    }
}
